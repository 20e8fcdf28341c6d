import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

@Suite("Barcode and QR payments over HTTP")
struct SandboxPaymentTests {
    @Test func aBarcodePaymentIsPaidAndAnsweredInTheSpecificationsShape() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let outTradeNo = uniqueOutTradeNo()
            let params = SandboxTestClient.barcodePayment(
                amount: 1200, authCode: "134676275354204254", outTradeNo: outTradeNo)
            let response = try await client.post("/trade/v1/payment", params)
            #expect(response.status == 200)
            #expect(client.verifies(response))
            let keyPattern = try Regex(#""([a-z_]+)": "#, as: (Substring, Substring).self)
            let keys = response.text.matches(of: keyPattern).map { String($0.1) }
            #expect(
                keys == [
                    "pay_type", "sysdtm", "cardcd", "txdtm", "resperr", "txcurrcd", "txamt", "respmsg", "out_trade_no",
                    "syssn", "respcd",
                ])
            let json = try SandboxTestClient.json(response)
            #expect(json["respcd"] as? String == "0000")
            #expect(json["txamt"] as? String == "1200")
            #expect(json["pay_type"] as? String == "800208")
            #expect(json["out_trade_no"] as? String == outTradeNo)
            #expect(json["txdtm"] as? String == params["txdtm"])
            let syssn = try #require(json["syssn"] as? String)
            #expect(syssn.count == 26)
            let order = try #require(sandbox.ledger.order(syssn: syssn))
            #expect(order.state == .paid)
            #expect(order.chargedAmount == 1200)
            #expect(sandbox.ledger.totalCharged() == 1200)
        }
    }

    @Test func theSamePaymentSentAgainAnswersTheExistingOrderAndNeverChargesTwice() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let params = SandboxTestClient.barcodePayment(amount: 800, authCode: "134676275354204254")
            let first = try await client.call("/trade/v1/payment", params)
            let second = try await client.call("/trade/v1/payment", params)
            #expect(first["syssn"] as? String == second["syssn"] as? String)
            #expect(second["respcd"] as? String == "0000")
            #expect(sandbox.ledger.orders().count == 1)
            #expect(sandbox.ledger.totalCharged() == 800)
            #expect(sandbox.ledger.requests(path: "/trade/v1/payment").count == 2)
        }
    }

    @Test func aPendingPaymentSentAgainStaysOneOrderAndAnswersPending() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let code = SandboxScenario.pendingForever.authCode()
            let params = SandboxTestClient.barcodePayment(amount: 800, authCode: code)
            _ = try await client.call("/trade/v1/payment", params)
            let again = try await client.call("/trade/v1/payment", params)
            #expect(again["respcd"] as? String == "1145")
            #expect(sandbox.ledger.orders().count == 1)
            #expect(sandbox.ledger.totalCharged() == 0)
        }
    }

    @Test(arguments: [
        ("auth_code", "134676275354204255"), ("txamt", "801"), ("pay_type", "800008"), ("txcurrcd", "USD"),
    ])
    func anOrderNumberReusedForADifferentPaymentIsADuplicate(field: String, value: String) async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            var params = SandboxTestClient.barcodePayment(amount: 800, authCode: "134676275354204254")
            _ = try await client.call("/trade/v1/payment", params)
            params[field] = value
            let duplicate = try await client.call("/trade/v1/payment", params)
            #expect(duplicate["respcd"] as? String == "1102")
            #expect(sandbox.ledger.orders().count == 1)
            #expect(sandbox.ledger.totalCharged() == 800)
        }
    }

    @Test func aRefundsOrderNumberCannotBeUsedForAPayment() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let paid = try await client.call(
                "/trade/v1/payment", SandboxTestClient.barcodePayment(amount: 800, authCode: "134676275354204254"))
            let refundNumber = uniqueOutTradeNo("R")
            _ = try await client.call(
                "/trade/v1/refund",
                [
                    "mchid": SandboxTestCredentials.mchid, "syssn": paid["syssn"] as! String, "txamt": "100",
                    "out_trade_no": refundNumber, "txdtm": SandboxTestClient.now(),
                ])
            let reuse = try await client.call(
                "/trade/v1/payment",
                SandboxTestClient.barcodePayment(amount: 100, authCode: "134676275354204254", outTradeNo: refundNumber))
            #expect(reuse["respcd"] as? String == "1102")
        }
    }

    @Test(arguments: [
        ("285123456789012345", PayType.wechatBarcode, "2006"),  // Alipay code sent as WeChat
        ("134676275354204254", PayType.alipayBarcode, "1144"),  // WeChat code sent as Alipay
        ("4901234567894", PayType.allInOneBarcode, "2006"),  // a JAN product barcode
        ("hello", PayType.wechatBarcode, "2006"),
    ])
    func codesTheWalletCannotPayAreDeclinedAndNothingIsCharged(code: String, payType: PayType, respcd: String)
        async throws
    {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let json = try await client.call(
                "/trade/v1/payment", SandboxTestClient.barcodePayment(amount: 300, authCode: code, payType: payType))
            #expect(json["respcd"] as? String == respcd)
            let order = try #require(sandbox.ledger.orders().first)
            #expect(order.state == .failed)
            #expect(order.chargedAmount == 0)
        }
    }

    @Test func allInOneRoutesByTheCode() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            for code in ["134676275354204254", "285123456789012345"] {
                let json = try await client.call(
                    "/trade/v1/payment",
                    SandboxTestClient.barcodePayment(amount: 300, authCode: code, payType: .allInOneBarcode))
                #expect(json["respcd"] as? String == "0000")
            }
            #expect(sandbox.ledger.totalCharged() == 600)
        }
    }

    @Test(arguments: Wallet.allCases)
    func aDynamicQROrderIsPlacedWithAQRCodeAndPaidWhenTheCustomerScansIt(wallet: Wallet) async throws {
        let receiver = try await SandboxNotificationReceiver.start()
        try await withSandbox(configure: { $0.notifyURL = receiver.url }) { sandbox in
            let client = SandboxTestClient(sandbox)
            let response = try await client.post(
                "/trade/v1/payment", SandboxTestClient.qrPayment(amount: 2500, wallet: wallet))
            #expect(client.verifies(response))
            #expect(!response.text.contains("cardcd"))
            let placed = try SandboxTestClient.json(response)
            #expect(placed["respcd"] as? String == "0000")
            let qrcode = try #require(placed["qrcode"] as? String)
            #expect(qrcode.hasPrefix(wallet == .wechat ? "weixin://wxpay/bizpayurl?pr=" : "https://qr.alipay.com/"))
            let syssn = try #require(placed["syssn"] as? String)
            #expect(sandbox.ledger.order(syssn: syssn)?.state == .pending)
            #expect(sandbox.ledger.totalCharged() == 0)

            let paid = try await SandboxHTTPClient.send(
                url: sandbox.baseURL.appendingPathComponent("sandbox/v1/qr/pay"),
                headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Array("qrcode=\(qrcode.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)".utf8))
            #expect(try SandboxTestClient.json(paid)["state"] as? String == "paid")
            #expect(sandbox.ledger.order(syssn: syssn)?.state == .paid)
            #expect(sandbox.ledger.totalCharged() == 2500)
            try await waitUntil { receiver.received().count == 1 }
            let notified = try SandboxTestClient.json(bytes: receiver.received()[0].body)
            #expect(notified["notify_type"] as? String == "payment")
            #expect(notified["syssn"] as? String == syssn)
        }
        await receiver.stop()
    }

    @Test func theSwiftAPIPaysOrFailsAQROrder() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let first = SandboxTestClient.qrPayment(amount: 100)
            _ = try await client.call("/trade/v1/payment", first)
            let paid = try sandbox.payQRCode(outTradeNo: first["out_trade_no"]!)
            #expect(paid.state == .paid)
            #expect(throws: SandboxError.self) { try sandbox.payQRCode(outTradeNo: first["out_trade_no"]!) }

            let second = try await client.call("/trade/v1/payment", SandboxTestClient.qrPayment(amount: 100))
            let failed = try sandbox.payQRCode(syssn: second["syssn"] as! String, respcd: "2004")
            #expect(failed.state == .failed)
            #expect(failed.respcd == "2004")
            #expect(throws: SandboxError.self) { try sandbox.payQRCode(syssn: "1") }
            let barcode = try await client.call(
                "/trade/v1/payment", SandboxTestClient.barcodePayment(amount: 1, authCode: "134676275354204254"))
            #expect(throws: SandboxError.self) { try sandbox.payQRCode(syssn: barcode["syssn"] as! String) }
            #expect(sandbox.ledger.totalCharged() == 101)
        }
    }

    @Test func aQROrderExpiresAfterThirtyMinutesOfSandboxTime() async throws {
        let clock = SandboxClock(scale: 1)
        try await withSandbox(clock: clock) { sandbox in
            let client = SandboxTestClient(sandbox)
            let placed = try await client.call("/trade/v1/payment", SandboxTestClient.qrPayment(amount: 100))
            let syssn = placed["syssn"] as! String
            clock.advance(by: .seconds(29 * 60))
            sandbox.runDueEvents()
            #expect(sandbox.ledger.order(syssn: syssn)?.state == .pending)
            clock.advance(by: .seconds(61))
            let rows =
                try await client.call(
                    "/trade/v1/query", ["mchid": SandboxTestCredentials.mchid, "syssn": syssn])["data"]
                as! [[String: Any]]
            #expect(rows.first?["respcd"] as? String == "1142")
            #expect(sandbox.ledger.order(syssn: syssn)?.state == .failed)
            #expect(throws: SandboxError.self) { try sandbox.payQRCode(syssn: syssn) }
        }
    }

    @Test func expiredTimeSetsTheQRCodesLifetimeInMinutes() async throws {
        let clock = SandboxClock(scale: 1)
        try await withSandbox(clock: clock) { sandbox in
            let client = SandboxTestClient(sandbox)
            var params = SandboxTestClient.qrPayment(amount: 100)
            params["expired_time"] = "5"
            let placed = try await client.call("/trade/v1/payment", params)
            clock.advance(by: .seconds(5 * 60 + 1))
            sandbox.runDueEvents()
            #expect(sandbox.ledger.order(syssn: placed["syssn"] as! String)?.state == .failed)
        }
    }

    @Test func theLedgerEndpointListsOrdersWithWhatEachCharged() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let paid = try await client.call(
                "/trade/v1/payment", SandboxTestClient.barcodePayment(amount: 1200, authCode: "134676275354204254"))
            _ = try await client.call("/trade/v1/payment", SandboxTestClient.qrPayment(amount: 300))
            let response = try await SandboxHTTPClient.send(
                method: "GET", url: sandbox.baseURL.appendingPathComponent("sandbox/v1/ledger"))
            #expect(client.verifies(response))
            let ledger = try SandboxTestClient.json(response)
            #expect(ledger["total_charged"] as? Int == 1200)
            let orders = try #require(ledger["orders"] as? [[String: Any]])
            #expect(orders.map { $0["state"] as? String } == ["paid", "pending"])
            #expect(orders.first?["syssn"] as? String == paid["syssn"] as? String)
            #expect(orders.first?["charged"] as? Int == 1200)
        }
    }

    @Test func aQROrderIsPaidByItselfAfterTheConfiguredDelayInScaledTime() async throws {
        // 60 sandbox seconds at 6000× pass in 10 real milliseconds.
        try await withSandbox(configure: {
            $0.timeScale = 6000
            $0.qrAutoPayDelay = .seconds(60)
        }) { sandbox in
            let client = SandboxTestClient(sandbox)
            let placed = try await client.call("/trade/v1/payment", SandboxTestClient.qrPayment(amount: 700))
            let syssn = placed["syssn"] as! String
            try await waitUntil { sandbox.ledger.order(syssn: syssn)?.state == .paid }
            #expect(sandbox.ledger.totalCharged() == 700)
        }
    }
}

/// Polls `condition` until it holds; fails after `timeout` (a liveness bound, not a timing check).
func waitUntil(
    timeout: Duration = .seconds(10),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within \(timeout)", sourceLocation: sourceLocation)
            return
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}
