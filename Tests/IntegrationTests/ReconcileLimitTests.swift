import ControlProtocol
import Foundation
import Payments
import QFPOSDaemon
import QFPay
import Testing

@Suite struct ReconcileLimitTests {
    @Test func aSecondReconciliationWhileOneRunsIsRefusedAndTheNextOneIsTaken() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let gateway = QFPayGateway(
            client: QFPayClient(
                configuration: QFPayConfiguration(
                    environment: .custom(URL(string: "http://127.0.0.1:9")!), appCode: "APP", key: Secret("key"),
                    merchantID: nil)))
        let pipeline = PaymentPipeline(journal: try Journal(path: directory.file("journal.sqlite")), gateway: gateway)
        let (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        let port = PipelineSalesPort(
            pipeline: pipeline, defaultLane: "front",
            reconcile: { date in
                enteredContinuation.yield()
                for await _ in release { break }
                return ["date": .string(date)]
            })
        let first = Task { try await port.reconcile(date: "2026-12-01") }
        var reconciling = entered.makeAsyncIterator()
        _ = await reconciling.next()
        await #expect {
            _ = try await port.reconcile(date: "2026-12-02")
        } throws: { error in
            (error as? RPCError)?.reason == .reconcileInProgress
                && (error as? RPCError)?.code == RPCError.Code.unavailable
        }
        releaseContinuation.yield()
        #expect(try await first.value["date"] == "2026-12-01")
        releaseContinuation.yield()
        #expect(try await port.reconcile(date: "2026-12-03")["date"] == "2026-12-03")
        await pipeline.stop()
    }
}
