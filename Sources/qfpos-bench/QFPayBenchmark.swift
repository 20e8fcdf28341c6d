import Foundation
import Logging
import QFPay
import QFPaySandbox
import TestSupport

/// QFPay client benchmarks: request validation and signing, and payments and queries over real
/// HTTP against an in-process sandbox on 127.0.0.1 (no rate budget: the sandbox is local).
func runQFPayBenchmark() async throws {
    let clock = ContinuousClock()

    // Validation, signing and form encoding of a barcode payment with a Japanese goods name.
    let offline = QFPayConfiguration(
        environment: .test, appCode: SandboxTestCredentials.appCode, key: Secret(SandboxTestCredentials.key),
        merchantID: SandboxTestCredentials.mchid)
    let numbers = OrderNumberGenerator(terminal: "B1")
    let signings = 20_000
    var bytes = 0
    let signingTime = try clock.measure {
        for _ in 0..<signings {
            let request = PaymentRequest.barcode(
                outTradeNo: numbers.paymentNumber(), amount: 1200, authCode: AuthCode("134676275354204254"),
                goodsName: "缶コーヒー")
            let signed = try SignedRequest(
                path: QFPayClient.Path.payment, parameters: request.parameters(for: offline), configuration: offline)
            bytes += signed.body.count
        }
    }
    print("qfpay: sign+encode payment   \(rate(signings, signingTime)) requests/s (\(bytes / signings) bytes each)")

    let logger = Logger(label: "bench.sandbox", factory: { _ in SwiftLogNoOpLogHandler() })
    let sandbox = try await SandboxServer.start(.benchmark, logger: logger)
    var configuration = offline
    configuration.baseURL = sandbox.baseURL
    let client = QFPayClient(
        configuration: configuration, budget: RequestBudget(requestsPerSecond: 1_000_000, requestsPerMinute: 1_000_000))

    let payments = 300
    var latencies: [Duration] = []
    let paymentTime = await clock.measure {
        for _ in 0..<payments {
            let start = clock.now
            let request = PaymentRequest.barcode(
                outTradeNo: numbers.paymentNumber(), amount: 1200, authCode: AuthCode("134676275354204254"))
            guard case .answered = await client.pay(request) else { continue }
            latencies.append(start.duration(to: clock.now))
        }
    }
    latencies.sort()
    print(
        "qfpay: sequential payments   \(rate(payments, paymentTime)) payments/s, latency p50 \(milliseconds(latencies[latencies.count / 2])) ms, p99 \(milliseconds(latencies[latencies.count * 99 / 100])) ms (\(latencies.count)/\(payments) answered)"
    )

    let lanes = 8
    let perLane = 50
    let concurrentTime = await clock.measure {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<lanes {
                group.addTask {
                    for _ in 0..<perLane { _ = await client.query(.order(numbers.paymentNumber())) }
                }
            }
        }
    }
    print("qfpay: queries from \(lanes) lanes   \(rate(lanes * perLane, concurrentTime)) queries/s")
    await sandbox.stop()
}

private func rate(_ count: Int, _ duration: Duration) -> String {
    let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    return String(Int((Double(count) / seconds).rounded()))
}

private func milliseconds(_ duration: Duration) -> String {
    let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    return String(format: "%.1f", value)
}
