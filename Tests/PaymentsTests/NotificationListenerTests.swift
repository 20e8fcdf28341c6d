import Foundation
import Logging
import QFPay
import QFPaySandbox
import TestSupport
import Testing

@testable import Payments

/// Notifications over real HTTP to the listener; the sandbox's ledger decides what is true.
struct NotificationListenerTests {
    /// Polls so slow that only a notification can settle a sale within the test.
    static var slowPolls: SalePolicy {
        var policy = PipelineHarness.testPolicy
        policy.pollSchedule = [.seconds(60)]
        policy.qrExpiry = .seconds(600)
        return policy
    }

    static func notification(syssn: String, outTradeNo: String, amount: Int) -> [UInt8] {
        Array(
            """
            {"status": "1", "sysdtm": "2026-11-27 10:00:00", "paydtm": "2026-11-27 10:00:05", "txcurrcd": "JPY", \
            "mchid": "\(SandboxTestCredentials.mchid)", "cancel": "0", "pay_type": "800201", "txamt": "\(amount)", \
            "out_trade_no": "\(outTradeNo)", "syssn": "\(syssn)", "respcd": "0000", "notify_type": "payment"}
            """.utf8)
    }

    func post(_ body: [UInt8], to listener: NotificationListener, signature: String?) async throws
        -> SandboxHTTPResponse
    {
        var headers = [("Content-Type", "application/json")]
        if let signature { headers.append(("X-QF-SIGN", signature)) }
        return try await SandboxHTTPClient.send(
            url: URL(string: "http://127.0.0.1:\(listener.port)/qfpay/notify")!, headers: headers, body: body)
    }

    func withListener(
        limits: NotificationListener.Limits = NotificationListener.Limits(),
        _ body: (PipelineHarness, PaymentPipeline, Journal, NotificationListener) async throws -> Void
    ) async throws {
        try await PipelineHarness.run(policy: Self.slowPolls) { harness in
            let pipeline = try harness.pipeline()
            let journal = try harness.files.open()
            let listener = try await NotificationListener.start(
                host: "127.0.0.1", port: 0, key: Secret(SandboxTestCredentials.key), journal: journal,
                pipeline: pipeline, limits: limits,
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            do {
                try await body(harness, pipeline, journal, listener)
                await listener.stop()
                await pipeline.stop()
            } catch {
                await listener.stop()
                await pipeline.stop()
                throw error
            }
        }
    }

    func offeredQR(_ pipeline: PaymentPipeline) async throws -> SaleSnapshot {
        let id = orderID("notify")
        _ = try await pipeline.startSale(
            SaleRequest(orderID: id, amount: 2500, flow: .dynamicQR, wallet: .wechat, lane: id))
        return try await pipeline.waitWithin(id) { $0.qrcode != nil && $0.syssn != nil }
    }

    @Test func aGenuineNotificationIsAcknowledgedAfterTheCommitAndConfirmedByQuery() async throws {
        try await withListener { harness, pipeline, journal, listener in
            let sale = try await offeredQR(pipeline)
            try harness.server.payQRCode(outTradeNo: sale.order.outTradeNo)
            let body = Self.notification(syssn: sale.syssn!, outTradeNo: sale.order.outTradeNo, amount: 2500)
            let response = try await post(body, to: listener, signature: harness.server.signature(of: body))
            #expect(response.status == 200)
            #expect(response.text == "SUCCESS")
            #expect(try journal.notificationCount() == 1)
            #expect(try await pipeline.settledWithin(sale.saleID).status == .paid)

            // A replay is acknowledged and changes nothing.
            let replay = try await post(body, to: listener, signature: harness.server.signature(of: body))
            #expect(replay.text == "SUCCESS")
            #expect(try journal.notificationCount() == 1)
        }
    }

    @Test func aForgedNotificationIsRefusedAndChangesNothing() async throws {
        try await withListener { harness, pipeline, journal, listener in
            let sale = try await offeredQR(pipeline)
            let body = Self.notification(syssn: sale.syssn!, outTradeNo: sale.order.outTradeNo, amount: 2500)
            let forged = try await post(body, to: listener, signature: Signer(key: "not the key").bodySignature(body))
            #expect(forged.status == 400)
            #expect(forged.text != "SUCCESS")
            let unsigned = try await post(body, to: listener, signature: nil)
            #expect(unsigned.status == 400)
            #expect(try journal.notificationCount() == 0)
            #expect(try await pipeline.sale(sale.saleID)?.status == .pending)
        }
    }

    @Test func aSignedNotificationOfAnUnpaidOrderDoesNotMarkTheSalePaid() async throws {
        try await withListener { harness, pipeline, journal, listener in
            let sale = try await offeredQR(pipeline)
            let body = Self.notification(syssn: sale.syssn!, outTradeNo: sale.order.outTradeNo, amount: 2500)
            let response = try await post(body, to: listener, signature: harness.server.signature(of: body))
            #expect(response.text == "SUCCESS")
            // The confirming query reads the order still pending at the gateway.
            try await eventually("the confirming query") {
                harness.server.ledger.requests(path: "/trade/v1/query").count >= 1
            }
            #expect(try await pipeline.sale(sale.saleID)?.status == .pending)
            #expect(harness.server.ledger.chargedAmount(outTradeNo: sale.order.outTradeNo) == 0)
            await pipeline.stop()
        }
    }
}
