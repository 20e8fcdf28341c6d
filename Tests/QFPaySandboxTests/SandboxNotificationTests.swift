import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

@Suite("Notification callbacks")
struct SandboxNotificationTests {
    @Test func notificationsAreRetriedOnTheScaledScheduleUntilTheReceiverAnswersSUCCESS() async throws {
        let receiver = try await SandboxNotificationReceiver.start { attempt in attempt < 2 ? "FAIL" : "SUCCESS" }
        // 60,000×: the 1-minute and 5-minute retries take 1 and 5 real milliseconds.
        try await withSandbox(configure: {
            $0.notifyURL = receiver.url
            $0.timeScale = 60_000
        }) { sandbox in
            let params = SandboxTestClient.barcodePayment(amount: 640, authCode: "134676275354204254")
            _ = try await SandboxTestClient(sandbox).call("/trade/v1/payment", params)
            try await waitUntil { sandbox.ledger.notifications().first?.delivered == true }
            let notification = try #require(sandbox.ledger.notifications().first)
            #expect(notification.attempts == 3)
            #expect(notification.notifyType == "payment")
            let received = receiver.received()
            #expect(received.count == 3)
            #expect(Set(received.map(\.text)).count == 1)
            for delivery in received {
                #expect(
                    Signer(key: SandboxTestCredentials.key).verifies(body: delivery.body, signature: delivery.signature)
                )
            }
            let body = try SandboxTestClient.json(bytes: received[0].body)
            #expect(body["out_trade_no"] as? String == params["out_trade_no"])
            #expect(body["txamt"] as? String == "640")
            #expect(body["status"] as? String == "1")
            #expect(body["respcd"] as? String == "0000")
            #expect(body["mchid"] as? String == SandboxTestCredentials.mchid)
            #expect(body["cancel"] as? String == "0")
        }
        await receiver.stop()
    }

    @Test func aReceiverThatNeverAnswersSUCCESSGetsTheFirstAttemptAndSevenRetries() async throws {
        let receiver = try await SandboxNotificationReceiver.start { _ in "received" }
        // 2,000,000×: the whole schedule (1m … 15h, 24.3 hours) lasts about 44 real milliseconds.
        try await withSandbox(configure: {
            $0.notifyURL = receiver.url
            $0.timeScale = 2_000_000
        }) { sandbox in
            _ = try await SandboxTestClient(sandbox).call(
                "/trade/v1/payment", SandboxTestClient.barcodePayment(amount: 1, authCode: "134676275354204254"))
            try await waitUntil { sandbox.ledger.notifications().first?.attempts == 8 }
            #expect(sandbox.ledger.notifications().first?.delivered == false)
            try await waitUntil { receiver.received().count == 8 }
        }
        await receiver.stop()
    }

    @Test func refundsAndClosesAreNotifiedWithTheirOwnNumbers() async throws {
        let receiver = try await SandboxNotificationReceiver.start()
        try await withSandbox(configure: { $0.notifyURL = receiver.url }) { sandbox in
            let client = SandboxTestClient(sandbox)
            let paid = try await client.call(
                "/trade/v1/payment", SandboxTestClient.barcodePayment(amount: 900, authCode: "134676275354204254"))
            let refundNumber = uniqueOutTradeNo("R")
            let refund = try await client.call(
                "/trade/v1/refund",
                [
                    "mchid": SandboxTestCredentials.mchid, "syssn": paid["syssn"] as! String, "txamt": "100",
                    "out_trade_no": refundNumber, "txdtm": SandboxTestClient.now(),
                ])
            let pending = try await client.call(
                "/trade/v1/payment",
                SandboxTestClient.barcodePayment(amount: 300, authCode: SandboxScenario.pendingForever.authCode()))
            let close = try await client.call(
                "/trade/v1/close",
                [
                    "mchid": SandboxTestCredentials.mchid, "syssn": pending["syssn"] as! String, "txamt": "300",
                    "txdtm": SandboxTestClient.now(),
                ])
            try await waitUntil { sandbox.ledger.notifications().filter(\.delivered).count == 3 }
            let byType = Dictionary(
                uniqueKeysWithValues: try receiver.received().map {
                    let body = try SandboxTestClient.json(bytes: $0.body)
                    return (body["notify_type"] as! String, body)
                })
            #expect(Set(byType.keys) == ["payment", "refund", "close"])
            #expect(byType["refund"]?["syssn"] as? String == refund["syssn"] as? String)
            #expect(byType["refund"]?["orig_syssn"] as? String == paid["syssn"] as? String)
            #expect(byType["refund"]?["out_trade_no"] as? String == refundNumber)
            #expect(byType["refund"]?["cancel"] as? String == "3")
            #expect(byType["refund"]?["txamt"] as? String == "100")
            #expect(byType["close"]?["syssn"] as? String == close["syssn"] as? String)
            #expect(byType["close"]?["cancel"] as? String == "2")
        }
        await receiver.stop()
    }
}
