import QFPaySandbox
import TestSupport

extension DaemonHarness {
    /// A daemon with its real services, paying through `sandbox` with the test credentials, and
    /// one lane `front` whose scanner and printer are the given paths (`sandboxYAML`).
    convenience init(sandbox: SandboxServer, scanner: String? = nil, printer: String? = nil) async throws {
        let baseURL = sandbox.baseURL.absoluteString
        try await self.init(
            extraYAML: DaemonHarness.sandboxYAML(baseURL: baseURL, scanner: scanner, printer: printer),
            withServices: true, key: SandboxTestCredentials.key, baseURL: baseURL)
    }
}
