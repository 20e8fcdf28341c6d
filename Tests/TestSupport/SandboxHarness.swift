import Foundation
import Logging
import QFPay
import QFPaySandbox

/// Credentials every test sandbox accepts. The key is the specification's own example key, so its
/// response-signature example verifies with it.
public enum SandboxTestCredentials {
    public static let appCode = "6D5A2E9F0B1C4D3E8F7A6B5C4D3E2F1A"
    public static let key = "615ED178BA524459976CE40FAB78000F"
    public static let mchid = "BvDtmKJA5mx7GpN0"
}

extension SandboxConfiguration {
    /// A configuration with the test credentials, port 0 and the given time scale.
    public static func testing(timeScale: Double = 1) -> SandboxConfiguration {
        var configuration = SandboxConfiguration(
            appCode: SandboxTestCredentials.appCode, key: SandboxTestCredentials.key,
            mchid: SandboxTestCredentials.mchid)
        configuration.timeScale = timeScale
        return configuration
    }
}

/// Runs `body` with an in-process sandbox listening on 127.0.0.1 (a free port) with the test
/// credentials, and stops it afterwards, also when `body` throws.
public func withSandbox<Result>(
    configure: (inout SandboxConfiguration) -> Void = { _ in },
    clock: SandboxClock? = nil,
    _ body: (SandboxServer) async throws -> Result
) async throws -> Result {
    var configuration = SandboxConfiguration.testing()
    configure(&configuration)
    let logger = Logger(label: "test.sandbox", factory: { _ in SwiftLogNoOpLogHandler() })
    let server = try await SandboxServer.start(configuration, clock: clock, logger: logger)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A merchant order number no other test uses: letters, time and randomness.
public func uniqueOutTradeNo(_ prefix: String = "T") -> String {
    let millis = Int(Date().timeIntervalSince1970 * 1000)
    return "\(prefix)\(millis)\(UInt32.random(in: 0...UInt32.max))"
}
