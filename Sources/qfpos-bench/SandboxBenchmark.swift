import Foundation
import Logging
import QFPay
import QFPaySandbox
import TestSupport

/// Sandbox gateway round trips over real HTTP on 127.0.0.1: signed barcode payments then
/// queries of them, one connection per request (as the QFPay client makes them), first one after
/// another for latency, then 16 at a time for throughput. Prints p50, p99, max and requests/s.
func runSandboxBenchmark() async throws {
    let requests = 2_000
    let logger = Logger(label: "bench.sandbox", factory: { _ in SwiftLogNoOpLogHandler() })
    // The sandbox's own speed is measured, far beyond QFPay's 400 requests a minute: no rate limits.
    var configuration = SandboxConfiguration.testing()
    configuration.rules.rateLimits = nil
    let sandbox = try await SandboxServer.start(configuration, logger: logger)
    let client = SandboxTestClient(sandbox)
    print("sandbox round trips, \(requests) requests each (signed request -> verified answer):")

    var latencies: [Duration] = []
    let sequentialStart = ContinuousClock.now
    for index in 0..<requests {
        let started = ContinuousClock.now
        let parameters =
            index % 2 == 0
            ? SandboxTestClient.barcodePayment(amount: 100, authCode: "134676275354204254", outTradeNo: "B\(index)")
            : ["mchid": SandboxTestCredentials.mchid, "out_trade_no": "B\(index - 1)"]
        let response: SandboxHTTPResponse
        do {
            response = try await client.post(index % 2 == 0 ? "/trade/v1/payment" : "/trade/v1/query", parameters)
        } catch {
            print("request \(index) failed: \(error) \(String(reflecting: (error as? SandboxError)?.underlying))")
            throw error
        }
        guard client.verifies(response) else { throw SandboxError(.connectionClosed, "unverified answer") }
        latencies.append(ContinuousClock.now - started)
    }
    let sequential = ContinuousClock.now - sequentialStart
    latencies.sort()
    func milliseconds(_ duration: Duration) -> String { String(format: "%.3f ms", duration.seconds * 1000) }
    print(
        "  sequential: p50 \(milliseconds(latencies[requests / 2])), p99 \(milliseconds(latencies[requests * 99 / 100])), "
            + "max \(milliseconds(latencies[requests - 1])), \(Int(Double(requests) / sequential.seconds)) requests/s")

    let concurrentStart = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for lane in 0..<16 {
            group.addTask {
                for index in stride(from: lane, to: requests, by: 16) {
                    let response = try await client.post(
                        "/trade/v1/query", ["mchid": SandboxTestCredentials.mchid, "syssn": String(index)])
                    guard client.verifies(response) else { throw SandboxError(.connectionClosed, "unverified answer") }
                }
            }
        }
        try await group.waitForAll()
    }
    let concurrent = ContinuousClock.now - concurrentStart
    print("  16 concurrent clients: \(Int(Double(requests) / concurrent.seconds)) requests/s")
    print("  ledger: \(sandbox.ledger.orders().count) orders, \(sandbox.ledger.requests().count) requests recorded")
    await sandbox.stop()
}

extension Duration {
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
