import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

@testable import Payments

struct RecoveryTests {
    /// Leaves a pending-forever sale on `lane` unfinished in the journal (stopped after the
    /// pending answer was written) and returns its id.
    func leaveUnfinished(_ harness: PipelineHarness, lane: String) async throws -> String {
        let id = orderID("left")
        let pipeline = try harness.pipeline { point in point.saleID == id && point.kind == "payment-answered" }
        _ = try await pipeline.startSale(
            SaleRequest(
                orderID: id, amount: 900, flow: .barcode, lane: lane,
                authCode: SandboxScenario.pendingForever.authCode()))
        try await eventually("the crash point") { await pipeline.isStopped }
        #expect(try harness.files.open().unfinishedSales().map(\.order.saleID) == [id])
        return id
    }

    @Test func aLaneTakesNewSalesOnlyAfterItsUnfinishedSalesAreResolved() async throws {
        try await PipelineHarness.run { harness in
            let left = try await leaveUnfinished(harness, lane: "A")
            let restarted = try harness.pipeline()
            // No recover() call: the first sale on lane A resumes the lane's unfinished sale first.
            let id = orderID("next")
            let next = try await restarted.startSale(
                SaleRequest(
                    orderID: id, amount: 100, flow: .barcode, lane: "A", authCode: SandboxScenario.success.authCode()))
            let old = try #require(try await restarted.sale(left))
            #expect(old.status == .cancelled)
            #expect(try await restarted.settledWithin(next.saleID).status == .paid)
            let paths = harness.server.ledger.requests().map(\.path)
            let close = try #require(paths.firstIndex(of: "/trade/v1/close"))
            let payments = paths.indices.filter { paths[$0] == "/trade/v1/payment" }
            #expect(payments.count == 2 && close < payments[payments.count - 1])
            #expect(harness.server.ledger.orders().allSatisfy { $0.state != .pending })
            await restarted.stop()
        }
    }

    @Test func otherLanesAreNotHeldByAnotherLanesRecovery() async throws {
        try await PipelineHarness.run { harness in
            let left = try await leaveUnfinished(harness, lane: "A")
            // A minute's window: lane A's old order cannot be closed while this test runs.
            let restarted = try harness.pipeline(policy: PipelineHarness.patient)
            let recovery = Task { try await restarted.recover() }
            let id = orderID("other")
            _ = try await restarted.startSale(
                SaleRequest(
                    orderID: id, amount: 100, flow: .barcode, lane: "B", authCode: SandboxScenario.success.authCode()))
            #expect(try await restarted.settledWithin(id).status == .paid)
            #expect(try await restarted.sale(left)?.status == .pending)
            await restarted.stop()
            try await recovery.value
        }
    }
}

struct DrainTests {
    @Test func drainingCancelsSalesWaitingForAScanAndWaitsForTheRestToSettle() async throws {
        try await PipelineHarness.run(policy: PipelineHarness.patient) { harness in
            let pipeline = try harness.pipeline()
            let waiting = orderID("wait")
            _ = try await pipeline.startSale(SaleRequest(orderID: waiting, amount: 100, flow: .barcode, lane: "1"))
            let pending = orderID("pend")
            _ = try await pipeline.startSale(
                SaleRequest(
                    orderID: pending, amount: 200, flow: .barcode, lane: "2",
                    authCode: SandboxScenario.pendingThenPaid(queries: 2).authCode()))
            await pipeline.drain()
            #expect(try await pipeline.sale(waiting)?.status == .cancelled)
            #expect(try await pipeline.sale(pending)?.status == .paid)
            await #expect(throws: PaymentsError.self) {
                try await pipeline.startSale(SaleRequest(orderID: orderID(), amount: 1, flow: .barcode, lane: "3"))
            }
            #expect(harness.server.ledger.orders().allSatisfy { $0.state != .pending })
        }
    }
}
