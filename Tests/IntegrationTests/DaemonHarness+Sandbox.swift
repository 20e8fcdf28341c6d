import Payments
import QFPaySandbox
import TestSupport

extension DaemonHarness {
    /// A daemon with its real services, paying through `sandbox` with the test credentials, and
    /// one lane `front` whose scanner and printer are the given paths (`sandboxYAML`).
    convenience init(
        sandbox: SandboxServer, scanner: String? = nil, printer: String? = nil, payments: String = "",
        policy: SalePolicy? = nil, clock: (any PipelineClock)? = nil
    ) async throws {
        let baseURL = sandbox.baseURL.absoluteString
        try await self.init(
            extraYAML: DaemonHarness.sandboxYAML(
                baseURL: baseURL, scanner: scanner, printer: printer, payments: payments),
            withServices: true, key: SandboxTestCredentials.key, baseURL: baseURL, policy: policy, clock: clock)
    }
}
