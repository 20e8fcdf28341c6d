import Foundation
import QFPaySandbox
import Synchronization
import TestSupport
import Testing

@testable import Payments

@Suite struct PipelineReadTests {
    @Test func listingSalesNeedsNeitherThePipelinesExecutorNorWaitsForIt() async throws {
        try await PipelineHarness.run { harness in
            let sold = try harness.pipeline()
            let id = orderID()
            _ = try await sold.startSale(
                SaleRequest(
                    orderID: id, amount: 100, flow: .barcode, lane: id,
                    authCode: SandboxScenario.success.authCode()))
            _ = try await sold.settledWithin(id)
            try await sold.close()

            // A pipeline whose executor is held: its next journal write blocks the executor's thread.
            let held = DispatchSemaphore(value: 0)
            let entered = DispatchSemaphore(value: 0)
            let pipeline = try harness.pipeline(crashPoint: { point in
                if point.phase == .beforeWrite, point.kind == "created" {
                    entered.signal()
                    held.wait()
                }
                return false
            })
            let blocked = Task {
                try await pipeline.startSale(SaleRequest(orderID: orderID(), amount: 100, flow: .barcode, lane: "b"))
            }
            await offPool { entered.wait() }
            // A liveness bound: were the list to wait for the executor, the watchdog frees it (and says so).
            let listed = Atomic(false)
            let watchdog = Task {
                try? await Task.sleep(for: .seconds(10))
                guard !listed.load(ordering: .relaxed) else { return false }
                held.signal()
                return true
            }
            let sales = try await pipeline.sales()
            listed.store(true, ordering: .relaxed)
            #expect(sales.map(\.order.saleID) == [id])
            watchdog.cancel()
            #expect(
                await watchdog.value == false, "listed while the executor was held, not after the watchdog freed it")
            held.signal()
            _ = try await blocked.value
            await pipeline.stop()
        }
    }
}
