import QFPaySandbox
import TestSupport

extension SandboxConfiguration {
    /// The strict sandbox without its rate limiter: a benchmark sends thousands of requests a
    /// minute, far beyond QFPay's 400, to measure qfpos, not the limit.
    static var benchmark: SandboxConfiguration {
        var configuration = SandboxConfiguration.testing()
        configuration.rateLimits = nil
        return configuration
    }
}
