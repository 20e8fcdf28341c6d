import Foundation
import Logging
import Payments
import QFPay
import QFPaySandbox
import TestSupport

/// Sustained sales per second through the payment pipeline and its journal (synchronous=FULL,
/// WAL) against the in-process sandbox over real HTTP on 127.0.0.1, and the journal's own cost
/// per sale. Immediate-success barcode sales on many lanes at once; the sandbox's rate budget is
/// lifted (QFPay's real limit, 400 requests a minute, is far below what is measured here).
func runPipelineBenchmark() async throws {
    let sales = Int(ProcessInfo.processInfo.environment["QFPOS_BENCH_SALES"] ?? "") ?? 3000
    let lanes = Int(ProcessInfo.processInfo.environment["QFPOS_BENCH_LANES"] ?? "") ?? 64
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qfpos-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }

    // Journal alone: the writes of an immediate-success sale (creation, scan, answer), many sales at once.
    let journalOnly = try Journal(path: directory.appendingPathComponent("journal-only.sqlite").path)
    let journalStart = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for lane in 0..<lanes {
            group.addTask {
                for n in stride(from: lane, to: sales, by: lanes) {
                    try await JournalBench.journalSale(journalOnly, n)
                }
            }
        }
        try await group.waitForAll()
    }
    let journalElapsed = (ContinuousClock.now - journalStart).seconds
    print(
        String(
            format:
                "journal alone: %d sales in %.2f s = %.0f sales/s, %.1f µs per sale, %d commits (%.2f per sale), synchronous=%d",
            sales, journalElapsed, Double(sales) / journalElapsed, journalElapsed * 1e6 / Double(sales),
            journalOnly.commitCount, Double(journalOnly.commitCount) / Double(sales),
            try journalOnly.synchronousSetting()))

    try await withSandbox(configure: { $0.rateLimits = nil }) { server in
        let configuration = QFPayConfiguration(
            environment: .custom(server.baseURL), appCode: SandboxTestCredentials.appCode,
            key: Secret(SandboxTestCredentials.key), merchantID: SandboxTestCredentials.mchid)
        let budget = RequestBudget(requestsPerSecond: 1_000_000, requestsPerMinute: 60_000_000)
        let gateway = QFPayGateway(client: QFPayClient(configuration: configuration, budget: budget))
        let journal = try Journal(path: directory.appendingPathComponent("journal.sqlite").path)
        let pipeline = PaymentPipeline(
            journal: journal, gateway: gateway,
            configuration: PaymentPipeline.Configuration(
                logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })))
        try await pipeline.recover()
        let code = SandboxScenario.success.authCode()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Int.self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    var paid = 0
                    for n in stride(from: lane, to: sales, by: lanes) {
                        let id = "bench-\(n)"
                        _ = try await pipeline.startSale(
                            SaleRequest(
                                orderID: id, amount: 100 + n % 900, flow: .barcode, lane: "L\(lane)", authCode: code))
                        if await pipeline.waitFor(id, { $0.status.isSettled })?.status == .paid { paid += 1 }
                    }
                    return paid
                }
            }
            let paid = try await group.reduce(0, +)
            let elapsed = (ContinuousClock.now - start).seconds
            print(
                String(
                    format:
                        "pipeline: %d sales (%d paid) on %d lanes in %.2f s = %.0f sales/s, %d journal commits (%.2f per sale)",
                    sales, paid, lanes, elapsed, Double(sales) / elapsed, journal.commitCount,
                    Double(journal.commitCount) / Double(sales)))
            print("ledger: \(server.ledger.orders().count) orders, \(server.ledger.totalCharged()) charged")
        }
        await pipeline.stop()
    }
}

extension Journal {
    fileprivate static func journalSaleEntries(_ n: Int) -> (SaleOrder, [Entry]) {
        let id = "j\(n)"
        let order = SaleOrder(saleID: id, outTradeNo: "J\(n)", amount: 100, flow: .barcode, payType: nil, lane: "1")
        let scanned = Entry(
            saleID: id, sequence: 1, at: Date(),
            event: .scanned(maskedCode: "1300••••••••0000", codeHash: "h", payType: .wechatBarcode),
            status: .submitting, respcd: nil, syssn: nil, paidAmount: 0, refundedAmount: 0)
        let answered = Entry(
            saleID: id, sequence: 2, at: Date(),
            event: .paymentAnswered(GatewayAnswer(respcd: "0000", outcome: .success, syssn: "S\(n)")), status: .paid,
            respcd: "0000", syssn: "S\(n)", paidAmount: 100, refundedAmount: 0)
        return (order, [scanned, answered])
    }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

private enum JournalBench {
    static func journalSale(_ journal: Journal, _ n: Int) async throws {
        let (order, entries) = Journal.journalSaleEntries(n)
        try await journal.create(order, at: Date(), status: .awaitingScan)
        try await journal.append([entries[0]])
        try await journal.append([entries[1]])
    }
}
