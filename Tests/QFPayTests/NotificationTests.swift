import QFPay
import Testing

@Suite struct NotificationTests {
    static let body =
        #"{"status": "1", "sysdtm": "2017-12-28 13:41:47", "paydtm": "2017-12-28 13:42:20", "goods_name": "", "#
        + #""txcurrcd": "CNY", "mchid": "XXxxxx", "cancel": "0", "pay_type": "800207", "#
        + #""cardcd": "oo3Lss1m9-eHSEyY2OGKzxFaRflY", "txdtm": "2017-12-28 13:41:47", "txamt": "200", "#
        + #""out_trade_no": "BO201712280117290001", "syssn": "20171228000300020044178249", "respcd": "0000", "#
        + #""goods_info": "", "notify_type": "payment"}"#

    let key = Secret(Fixtures.key)

    @Test func theSpecificationsNotificationVerifiesAndParses() throws {
        let bytes = Array(Self.body.utf8)
        let signature = Signer(key: Fixtures.key).bodySignature(bytes)
        let notification = try QFPayNotification.parse(body: bytes, signature: signature, key: key)
        #expect(notification.kind == .payment)
        #expect(notification.isSuccess)
        #expect(notification.amount == 200)
        #expect(notification.outTradeNo == "BO201712280117290001")
        #expect(notification.syssn == "20171228000300020044178249")
        #expect(notification.payTypeCode == "800207")
        #expect(notification.payType == nil)
        #expect(notification.paydtm == "2017-12-28 13:42:20")
        #expect(notification.cancel == TransactionRecord.CancelState.none)
        #expect(notification.goodsName == nil)
        #expect(notification.merchantID == "XXxxxx")
        #expect(notification.cardcd == "oo3Lss1m9-eHSEyY2OGKzxFaRflY")
        #expect(QFPayNotification.acknowledgement == "SUCCESS")
    }

    @Test func forgedOrUnsignedNotificationsAreRefused() {
        let bytes = Array(Self.body.utf8)
        let signature = Signer(key: Fixtures.key).bodySignature(bytes)
        let tampered = Array(Self.body.replacingOccurrences(of: "\"200\"", with: "\"20000\"").utf8)
        for (body, sign) in [
            (tampered, signature), (bytes, nil), (bytes, ""), (bytes, Signer(key: "other").bodySignature(bytes)),
        ] {
            do {
                _ = try QFPayNotification.parse(body: body, signature: sign, key: key)
                Issue.record("a forged notification was accepted")
            } catch {
                #expect(error.code == .invalidSignature)
            }
        }
    }

    @Test func refundNotificationsCarryTheOriginalOrder() throws {
        for kind in ["refund", "cancel"] {
            let body = Array(
                #"{"notify_type": "\#(kind)", "out_trade_no": "R1", "orig_out_trade_no": "P1", "txamt": 100, "respcd": "0000", "cancel": "3"}"#
                    .utf8)
            let notification = try QFPayNotification.parse(
                body: body, signature: Signer(key: Fixtures.key, algorithm: .sha256).bodySignature(body), key: key)
            #expect(notification.kind.isRefund)
            #expect(notification.origOutTradeNo == "P1")
            #expect(notification.cancel == .refunded)
        }
    }

    @Test func signedBodiesThatAreNotNotificationsAreRefused() {
        for text in ["SUCCESS", #"{"respcd": "0000"}"#] {
            let body = Array(text.utf8)
            #expect(throws: QFPayError.self) {
                try QFPayNotification.parse(
                    body: body, signature: Signer(key: Fixtures.key).bodySignature(body), key: key)
            }
        }
    }
}
