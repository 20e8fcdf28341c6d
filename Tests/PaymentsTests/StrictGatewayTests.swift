import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

@testable import Payments

/// The pipeline against the sandbox's strict rules, one rule a test (docs/sandbox.md): each ends
/// in the right state with the sandbox's ledger agreeing, and with a bounded number of requests.
struct StrictGatewayTests {
    func sell(
        _ scenario: SandboxScenario, amount: Int = 1200, on pipeline: PaymentPipeline, id: String = orderID()
    ) async throws -> SaleSnapshot {
        let lane = "lane-\(id)"
        _ = try await pipeline.startSale(SaleRequest(orderID: id, amount: amount, flow: .barcode, lane: lane))
        try await pipeline.provideScan(
            lane: lane, code: scenario.authCode(wallet: .wechat, serial: Int.random(in: 0..<99_999_999)))
        return try await pipeline.settledWithin(id)
    }

    /// The query answer lists the close's own row (respcd 0000, its own syssn, the payment's
    /// out_trade_no) before the payment's: it is never read as "paid", nothing is refunded.
    @Test func aNeverPaidOrderThatIsClosedEndsCancelledWithoutARefund() async throws {
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline()
            let sale = try await sell(.pendingForever, on: pipeline)
            #expect(sale.status == .cancelled)
            #expect(harness.server.ledger.order(outTradeNo: sale.order.outTradeNo)?.state == .closed)
            #expect(harness.server.ledger.requests(path: "/trade/v1/refund").isEmpty)
            #expect(harness.server.ledger.requests(path: "/trade/v1/close").count == 1)
        }
    }

    /// 1297 on the close of a pending order: no more closes; the customer confirms a moment later
    /// and the payment is refunded automatically.
    @Test func aCloseRefusedWhileTheOrderIsPendingIsFollowedUpAndAPaymentThatFollowsIsRefunded() async throws {
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline()
            let sale = try await sell(.pendingCloseUnsupported(paidAfterQueries: 3), on: pipeline)
            #expect(sale.status == .cancelled, "\(sale.message ?? "")")
            #expect(sale.refundedAmount == 1200)
            let order = try #require(harness.server.ledger.order(outTradeNo: sale.order.outTradeNo))
            #expect(order.chargedAmount == 0, "no money kept on a cancelled sale")
            #expect(harness.server.ledger.requests(path: "/trade/v1/close").count == 1, "one close, never repeated")
            #expect(harness.server.ledger.requests(path: "/trade/v1/refund").count == 1)
        }
    }

    /// 1297 on the close, and the order is never paid: WeChat closes it itself after a while;
    /// the follow-up sees it closed and the sale ends cancelled.
    @Test func aCloseRefusedOnAnOrderThatClosesItselfEndsCancelled() async throws {
        try await PipelineHarness.run(configure: { $0.rules.barcodeLifetime = .seconds(4) }) { harness in
            let pipeline = try harness.pipeline()
            let sale = try await sell(.pendingCloseUnsupported(paidAfterQueries: 0), on: pipeline)
            #expect(sale.status == .cancelled, "\(sale.message ?? "")")
            let order = try #require(harness.server.ledger.order(outTradeNo: sale.order.outTradeNo))
            #expect(order.chargedAmount == 0)
            #expect(harness.server.ledger.requests(path: "/trade/v1/close").count == 1)
            #expect(harness.server.ledger.requests(path: "/trade/v1/refund").isEmpty)
        }
    }

    /// The follow-up has an end: an order that stays pending makes the sale need attention, and it
    /// is then asked about on the slow schedule only.
    @Test func anOrderThatNeverSettlesNeedsAttentionAfterTheFollowUpAndIsCheckedSlowly() async throws {
        var policy = PipelineHarness.testPolicy
        policy.followUpDuration = .seconds(1)
        policy.followUpBackoffLimit = .milliseconds(100)
        policy.attentionInterval = .seconds(1)
        try await PipelineHarness.run(configure: { $0.rules.barcodeLifetime = nil }, policy: policy) { harness in
            let pipeline = try harness.pipeline()
            let sale = try await sell(.pendingCloseUnsupported(paidAfterQueries: 0), on: pipeline)
            #expect(sale.status == .needsAttention)
            #expect(sale.message?.contains("not settled") == true, "\(sale.message ?? "")")
            let queries = harness.server.ledger.requests(path: "/trade/v1/query").count
            try await Task.sleep(for: .seconds(2.5))
            let later = harness.server.ledger.requests(path: "/trade/v1/query").count - queries
            #expect((1...4).contains(later), "about one check a second, not a loop: \(later)")
            #expect(harness.server.ledger.requests(path: "/trade/v1/close").count == 1)
            await pipeline.stop()
        }
    }

    /// QFPay's front end answers a parameter error unsigned: nothing was processed, the sale fails
    /// at once with the code's meaning, and nothing is queried.
    @Test func anUnsignedParameterErrorFailsTheSaleAtOnce() async throws {
        try await PipelineHarness.run(configure: { $0.mchid = "ANOTHERMERCHANT" }) { harness in
            let pipeline = try harness.pipeline()
            let sale = try await sell(.success, on: pipeline)
            #expect(sale.status == .failed)
            #expect(sale.respcd == "1104")
            #expect(sale.message?.contains("parameter") == true, "\(sale.message ?? "")")
            #expect(harness.server.ledger.requests(path: "/trade/v1/payment").count == 1)
            #expect(harness.server.ledger.requests(path: "/trade/v1/query").isEmpty)
            #expect(harness.server.ledger.orders().isEmpty)
        }
    }

    /// Refunds answer 1265 from 23:30 to 00:30 JST. An automatic refund refused at 23:45 is tried
    /// again once refunds reopen, not every few seconds.
    @Test func anAutomaticRefundRefusedAtNightIsSentAgainAfterHalfPastMidnight() async throws {
        let night = TransactionTime.parse("2026-12-07 23:45:00", in: .japanStandardTime)!
        let speed = 600.0  // 46 minutes of night in under five seconds
        let sandboxClock = SandboxClock(scale: speed, start: night)
        try await withSandbox(clock: sandboxClock) { server in
            let harness = try PipelineHarness(server: server)
            let pipeline = PaymentPipeline(
                journal: try harness.files.open(), gateway: harness.gateway,
                configuration: PaymentPipeline.Configuration(
                    policy: PipelineHarness.patient, clock: ScaledPipelineClock(factor: speed, origin: night),
                    logger: PipelineHarness.logger))
            server.injectFault(.latency(.milliseconds(400)), path: "/trade/v1/payment")
            let id = orderID("night")
            _ = try await pipeline.startSale(SaleRequest(orderID: id, amount: 900, flow: .barcode, lane: id))
            try await pipeline.provideScan(lane: id, code: SandboxScenario.success.authCode(serial: 2345))
            _ = try await pipeline.cancel(id)  // while the payment is in flight: paid, then refunded
            let sale = try await pipeline.waitWithin(id, seconds: 60) { $0.status.isSettled }
            #expect(sale.status == .cancelled, "\(sale.message ?? "")")
            let refunds = server.ledger.requests(path: "/trade/v1/refund")
            #expect(refunds.first?.respcd == "1265")
            #expect(refunds.count == 2, "once at night, once after 00:30: \(refunds.map(\.respcd))")
            #expect(server.ledger.order(outTradeNo: sale.order.outTradeNo)?.chargedAmount == 0)
            await pipeline.stop()
        }
    }

    /// A gateway's rate limit (HTTP 429 beyond it): 120 customers paying at once on 120 lanes go
    /// beyond it; the refused requests (not processed) are sent again after a backoff, and every
    /// sale is paid once, in agreement with the ledger. The limit is 30 a second here rather than
    /// QFPay's 100, so that the burst goes beyond it however slow the machine is.
    @Test func aBurstBeyondTheRateLimitIsRetriedAndEverySaleIsPaidOnce() async throws {
        try await PipelineHarness.run(
            configure: { $0.rateLimits = SandboxConfiguration.RateLimits(perSecond: 30, perMinute: 400) },
            policy: PipelineHarness.patient
        ) { harness in
            let pipeline = try harness.pipeline()
            let sales = try await withThrowingTaskGroup(of: SaleSnapshot.self) { group in
                for index in 0..<120 {
                    group.addTask { try await self.sell(.success, amount: 100 + index, on: pipeline) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(sales.allSatisfy { $0.status == .paid }, "\(sales.map(\.status))")
            let limited = harness.server.ledger.requests().filter { $0.fault == .tooManyRequests }
            #expect(!limited.isEmpty, "the burst went beyond 30 a second")
            for sale in sales {
                #expect(harness.server.ledger.chargedAmount(outTradeNo: sale.order.outTradeNo) == sale.order.amount)
            }
            #expect(harness.server.ledger.orders().count == 120, "each paid once")
        }
    }
}
