import Foundation
import QFPay
import QFPaySandbox
import Testing

@testable import Payments

/// `daemon.status` reads the count of pending sales without entering the pipeline's queue: the
/// count it reads is the one the pipeline would give, as sales come and settle.
@Suite struct PendingCountTests {
    @Test func theCountReadWithoutThePipelinesQueueFollowsTheSales() async throws {
        try await PipelineHarness.run(policy: PipelineHarness.patient) { harness in
            let pipeline = try harness.pipeline()
            #expect(pipeline.pendingCountNow == nil, "nothing is known before the journal is loaded")
            try await pipeline.recover()
            #expect(pipeline.pendingCountNow == 0)

            let waiting = orderID()
            _ = try await pipeline.startSale(SaleRequest(orderID: waiting, amount: 1200, flow: .barcode, lane: "a"))
            let other = orderID()
            _ = try await pipeline.startSale(SaleRequest(orderID: other, amount: 800, flow: .barcode, lane: "b"))
            #expect(pipeline.pendingCountNow == 2)
            #expect(try await pipeline.pendingCount() == 2)

            try await pipeline.provideScan(lane: "a", code: SandboxScenario.success.authCode(serial: 4_242))
            _ = try await pipeline.settledWithin(waiting)
            #expect(pipeline.pendingCountNow == 1)
            _ = try await pipeline.cancel(other)
            _ = try await pipeline.settledWithin(other)
            #expect(pipeline.pendingCountNow == 0)
            #expect(try await pipeline.pendingCount() == 0)
        }
    }
}
