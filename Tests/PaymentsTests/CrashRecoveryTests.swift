import Foundation
import QFPay
import QFPaySandbox
import Synchronization
import TestSupport
import Testing

@testable import Payments

/// For every journal write of every flow, the pipeline is stopped right before it and right after
/// it (as if killed), restarted from the journal, and the sandbox's ledger is checked: each sale
/// ends paid exactly once or not charged at all, the journal agrees, and nothing is left open.
struct CrashRecoveryTests {
    /// A flow the till drives; it must tolerate the pipeline stopping at any point.
    struct Flow: Sendable, CustomTestStringConvertible {
        var name: String
        var configure: @Sendable (inout SandboxConfiguration) -> Void = { _ in }
        var drive: @Sendable (PaymentPipeline, String) async -> Void
        var testDescription: String { name }
    }

    static let policy = SalePolicy(
        scanTimeout: .seconds(1), pollSchedule: [.milliseconds(10), .milliseconds(20)],
        pendingWindow: .milliseconds(400), minimumAgeBeforeClose: .milliseconds(100), qrExpiry: .milliseconds(400),
        unknownRetryDelay: .milliseconds(10), unknownBackoffLimit: .milliseconds(50))

    static func barcode(_ scenario: SandboxScenario, refunds: [Int] = []) -> Flow {
        Flow(name: "barcode \(scenario)\(refunds.isEmpty ? "" : " refunds \(refunds)")") { pipeline, id in
            do {
                _ = try await pipeline.startSale(SaleRequest(orderID: id, amount: 1000, flow: .barcode, lane: id))
                try await pipeline.provideScan(
                    lane: id, code: scenario.authCode(serial: Int.random(in: 0..<99_999_999)))
                _ = await pipeline.settled(id)
                for amount in refunds { _ = try await pipeline.refund(id, amount: amount) }
            } catch {}
        }
    }

    /// The till passes the code with `startSale`: the sale's creation and its scan are one
    /// journal commit, so a stop lands before both or after both.
    static func barcodeWithCode(_ scenario: SandboxScenario) -> Flow {
        Flow(name: "barcode \(scenario), code passed with the sale") { pipeline, id in
            do {
                _ = try await pipeline.startSale(
                    SaleRequest(
                        orderID: id, amount: 1000, flow: .barcode, lane: id,
                        authCode: scenario.authCode(serial: Int.random(in: 0..<99_999_999))))
                _ = await pipeline.settled(id)
            } catch {}
        }
    }

    static func qr(
        _ name: String, cancel: Bool = false,
        configure: @escaping @Sendable (inout SandboxConfiguration) -> Void = { _ in }
    )
        -> Flow
    {
        Flow(name: "dynamic QR \(name)", configure: configure) { pipeline, id in
            do {
                _ = try await pipeline.startSale(
                    SaleRequest(orderID: id, amount: 700, flow: .dynamicQR, wallet: .wechat, lane: id))
                if cancel, await pipeline.waitFor(id, { $0.qrcode != nil || $0.status.isSettled }) != nil {
                    _ = try await pipeline.cancel(id)
                }
                _ = await pipeline.settled(id)
            } catch {}
        }
    }

    /// The till cancels while the payment request is in flight (every payment is handled 60 ms
    /// late): the answer says paid, and the sale is refunded in full. The delay stays under the
    /// policy's minimum age before a close (100 ms), as a gateway's handling stays under the
    /// production minimum (15 s, above the 10 s request timeout): a pipeline restarted at once
    /// would otherwise close an order the gateway has not seen yet ("does not exist") and confirm
    /// it cancelled, before the gateway charges it.
    static func cancelRacingThePayment() -> Flow {
        Flow(
            name: "barcode cancelled while its payment is in flight",
            configure: {
                $0.faults = SandboxFaults(latencyProbability: 1, latency: .milliseconds(60))
                $0.faults.paths = ["/trade/v1/payment"]
            }
        ) { pipeline, id in
            do {
                _ = try await pipeline.startSale(SaleRequest(orderID: id, amount: 1000, flow: .barcode, lane: id))
                try await pipeline.provideScan(
                    lane: id, code: SandboxScenario.success.authCode(serial: Int.random(in: 0..<99_999_999)))
                _ = try await pipeline.cancel(id)
                _ = await pipeline.settled(id)
            } catch {}
        }
    }

    static let flows: [Flow] = [
        barcode(.pendingCloseUnsupported(paidAfterQueries: 2)),
        cancelRacingThePayment(),
        barcode(.success),
        barcodeWithCode(.success),
        barcode(.pendingThenPaid(queries: 2)),
        barcodeWithCode(.pendingThenPaid(queries: 2)),
        barcode(.pendingForever),
        barcode(.declined(.insufficientBalance)),
        barcode(.paidOnCloseAttempt),
        barcode(.closeAnsweredButPaid),
        barcode(.success, refunds: [300, 700]),
        qr("paid", configure: { $0.qrAutoPayDelay = .milliseconds(60) }),
        qr("expired"),
        qr("cancelled by the till", cancel: true),
    ]

    @Test(arguments: flows)
    func aSaleStoppedAtAnyJournalWriteEndsPaidOnceOrNotChargedAfterRestart(_ flow: Flow) async throws {
        try await withSandbox(configure: flow.configure) { server in
            // The uncrashed run tells how many journal writes the flow makes.
            let reference = try PipelineHarness(server: server, policy: Self.policy)
            let referenceID = orderID("ref")
            let uncrashed = try reference.pipeline()
            await flow.drive(uncrashed, referenceID)
            let writes = try #require(try reference.files.open().sale(id: referenceID)).entries.count
            try Self.checkLedgerAgrees(reference, saleID: referenceID, server: server)
            await uncrashed.stop()

            let points = (0..<writes).flatMap { sequence in
                [PaymentPipeline.CrashPoint.Phase.beforeWrite, .afterWrite].map { (sequence, $0) }
            }
            // One stop point at a time: each is a whole pipeline life (crash, restart, recovery), and
            // dozens of them at once on two cores only measure the machine's load.
            var stopsReached = 0
            for (sequence, phase) in points {
                let harness = try PipelineHarness(server: server, policy: Self.policy)
                let id = orderID("crash\(sequence)\(phase)")
                let crashing = try harness.pipeline { point in
                    point.saleID == id && point.sequence == sequence && point.phase == phase
                }
                try await Self.bounded("the flow") { await flow.drive(crashing, id) }
                if await crashing.isStopped { stopsReached += 1 }
                await crashing.stop()
                let restarted = try harness.pipeline()
                try await Self.bounded("recovery") { try await restarted.recover() }
                // recover() returns once the sale's settled state is durable: the journal says so now.
                try Self.checkLedgerAgrees(harness, saleID: id, server: server)
                await restarted.stop()
            }
            // Nearly every point is reached (a timing-dependent path may skip one); most must be.
            print("CRASH \(flow.name): \(stopsReached) of \(points.count) stops")
            #expect(stopsReached >= points.count / 2)
            #expect(server.ledger.orders().allSatisfy { $0.state != .pending })
        }
    }

    /// The sale's journal log and its ledger order, for failure messages.
    static func history(_ harness: PipelineHarness, saleID: String, server: SandboxServer) throws -> String {
        guard let stored = try harness.files.open().sale(id: saleID) else { return "no sale \(saleID)" }
        let log = stored.entries.map { "\($0.sequence) \($0.event?.kind ?? "created") → \($0.status.rawValue)" }
        let order = server.ledger.order(outTradeNo: stored.order.outTradeNo)
        return
            "log [\(log.joined(separator: ", "))]; ledger: \(order.map { "\($0.state) charged \($0.chargedAmount)" } ?? "no order")"
    }

    /// The sale's journal state and the ledger agree, and nothing is open.
    static func checkLedgerAgrees(_ harness: PipelineHarness, saleID: String, server: SandboxServer) throws {
        let journal = try harness.files.open()
        guard let stored = try journal.sale(id: saleID) else {
            return  // stopped before the sale's first write: nothing was sent
        }
        // The log replays to the very statuses it recorded: a restart sees what the live run saw.
        var replayed = SaleStateMachine(order: stored.order, createdAt: stored.createdAt, policy: Self.policy)
        for entry in stored.entries {
            replayed.replay(entry)
            #expect(replayed.status == entry.status, "sale \(saleID) entry \(entry.sequence) replays differently")
        }
        let summary = try #require(try journal.summaries().first { $0.order.saleID == saleID })
        let history = try history(harness, saleID: saleID, server: server)
        #expect(summary.status.isSettled, "sale \(saleID) left \(summary.status): \(history)")
        let order = server.ledger.order(outTradeNo: stored.order.outTradeNo)
        #expect(order?.state != .pending, "order of \(saleID) left open: \(history)")
        let charged = order?.chargedAmount ?? 0
        #expect(charged == summary.paidAmount - summary.refundedAmount, "sale \(saleID): \(history)")
        if summary.status.isCharged {
            #expect(charged > 0, "sale \(saleID): \(history)")
        } else {
            #expect(charged == 0, "sale \(saleID): \(history)")
        }
    }

    /// Runs `body`, failing after 20 s. The body runs in its own task so that a wait that ignores
    /// cancellation cannot hold the test (a task group would wait for it).
    static func bounded(_ what: String, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let once = ResumeOnce(continuation)
            Task {
                do {
                    try await body()
                    once.resume(.success(()))
                } catch { once.resume(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: .seconds(20))
                once.resume(.failure(HarnessTimeout(what: what)))
            }
        }
    }
}

/// Resumes a continuation with whichever result comes first.
final class ResumeOnce: Sendable {
    private let continuation: Mutex<CheckedContinuation<Void, any Error>?>

    init(_ continuation: CheckedContinuation<Void, any Error>) { self.continuation = Mutex(continuation) }

    func resume(_ result: Result<Void, any Error>) {
        let pending = continuation.withLock { stored in
            defer { stored = nil }
            return stored
        }
        pending?.resume(with: result)
    }
}
