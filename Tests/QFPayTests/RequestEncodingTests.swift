import Foundation
import QFPay
import Testing

@Suite struct RequestEncodingTests {
    let configuration = Fixtures.configuration()

    @Test func barcodePaymentSendsTheSpecificationFieldsAndDetectsTheWallet() throws {
        let request = PaymentRequest.barcode(
            outTradeNo: "P1", amount: 1200, authCode: AuthCode("134676275354204254"),
            transactionTime: TransactionTime(Fixtures.morning))
        let parameters = try request.parameters(for: configuration)
        #expect(
            parameters == [
                "txamt": "1200", "txcurrcd": "JPY", "pay_type": "800208", "out_trade_no": "P1",
                "txdtm": "2026-11-27 09:35:12", "auth_code": "134676275354204254", "mchid": "M1",
                "goods_name": QFPayConfiguration.standardGoodsName,
            ])
        let alipay = PaymentRequest.barcode(outTradeNo: "P2", amount: 1, authCode: AuthCode("280000000000000000"))
        #expect(try alipay.parameters(for: configuration)["pay_type"] == "800108")
    }

    @Test func optionalFieldsAreLeftOutWhenUnsetAndNeverSentEmpty() throws {
        let request = PaymentRequest.dynamicQR(
            outTradeNo: "P3", amount: 500, wallet: .alipay, goodsName: "", udid: "",
            transactionTime: TransactionTime(Fixtures.morning))
        var configuration = Fixtures.configuration(merchantID: nil)
        configuration.defaultGoodsName = "Shop"
        let parameters = try request.parameters(for: configuration)
        // goods_name is required (Y in both payment tables): an empty one is the configured default.
        #expect(Set(parameters.keys) == ["txamt", "txcurrcd", "pay_type", "out_trade_no", "txdtm", "goods_name"])
        #expect(parameters["goods_name"] == "Shop")
        #expect(parameters["pay_type"] == "800101")
        let signed = try SignedRequest(
            path: "/trade/v1/payment", parameters: ["a": "1", "b": ""], configuration: configuration)
        #expect(String(decoding: signed.body, as: UTF8.self) == "a=1")
    }

    @Test func dynamicQROptionsAreSentWhenSet() throws {
        let request = PaymentRequest.dynamicQR(
            outTradeNo: "P4", amount: 500, wallet: .wechat, goodsName: "缶コーヒー", udid: "till-1", noCredit: true,
            expiresInMinutes: 15)
        let parameters = try request.parameters(for: configuration)
        #expect(parameters["pay_type"] == "800201")
        #expect(parameters["limit_pay"] == "no_credit")
        #expect(parameters["expired_time"] == "15")
        #expect(parameters["goods_name"] == "缶コーヒー")
        #expect(parameters["udid"] == "till-1")
        #expect(parameters["auth_code"] == nil)
    }

    @Test func signatureIsOverRawValuesWhileTheBodyIsPercentEncoded() throws {
        let parameters = ["goods_name": "缶コーヒー & 水+1=%", "txamt": "100", "mchid": "M1"]
        let signed = try SignedRequest(path: "/trade/v1/payment", parameters: parameters, configuration: configuration)
        let raw = "goods_name=缶コーヒー & 水+1=%&mchid=M1&txamt=100" + Fixtures.key
        #expect(signed.signature == DigestAlgorithm.md5.hexDigest(Array(raw.utf8)))
        #expect(signed.headers["X-QF-SIGN"] == signed.signature)
        #expect(signed.headers["X-QF-APPCODE"] == "APPCODE")
        #expect(signed.headers["X-QF-SIGNTYPE"] == nil)
        let body = String(decoding: signed.body, as: UTF8.self)
        #expect(
            body
                == "goods_name=%E7%BC%B6%E3%82%B3%E3%83%BC%E3%83%92%E3%83%BC%20%26%20%E6%B0%B4%2B1%3D%25&mchid=M1&txamt=100"
        )
        #expect(SignedRequest.formDecode(body) == parameters)
        #expect(signed.url.absoluteString == "https://openapi-test.qfpay.com/trade/v1/payment")
    }

    @Test func sha256SignTypeSignsWithSHA256AndSaysSo() throws {
        let configuration = Fixtures.configuration(signType: .sha256)
        let signed = try SignedRequest(
            path: "/trade/v1/query", parameters: ["mchid": "M1"], configuration: configuration)
        #expect(signed.headers["X-QF-SIGNTYPE"] == "SHA256")
        #expect(signed.signature == DigestAlgorithm.sha256.hexDigest(Array(("mchid=M1" + Fixtures.key).utf8)))
        #expect(signed.signature.count == 64)
    }

    @Test func getRequestsCarryTheParametersInTheQueryString() throws {
        let signed = try SignedRequest(
            method: "GET", path: "/download/v1/trade_bill", parameters: ["trade_date": "2026-11-26"],
            configuration: Fixtures.configuration(baseURL: "http://127.0.0.1:8080/"))
        #expect(signed.url.absoluteString == "http://127.0.0.1:8080/download/v1/trade_bill?trade_date=2026-11-26")
        #expect(signed.body.isEmpty)
        #expect(signed.headers["Content-Type"] == nil)
    }

    @Test func queryListsAreCommaSeparated() throws {
        let request = QueryRequest(
            syssns: ["20180112000100020001662134", "20180112000100020001662135"], outTradeNos: ["P1", "P2"],
            payType: .wechatQR, respcd: "0000", startTime: TransactionTime(text: "2026-11-01 00:00:00"),
            endTime: TransactionTime(text: "2026-11-27 23:59:59"), page: 2, pageSize: 100)
        #expect(
            try request.parameters(for: configuration) == [
                "syssn": "20180112000100020001662134,20180112000100020001662135", "out_trade_no": "P1,P2",
                "pay_type": "800201", "respcd": "0000", "start_time": "2026-11-01 00:00:00",
                "end_time": "2026-11-27 23:59:59", "page": "2", "page_size": "100", "mchid": "M1",
            ])
        #expect(try QueryRequest.order("P1").parameters(for: configuration) == ["out_trade_no": "P1", "mchid": "M1"])
    }

    @Test func refundAndCloseSendTheirFields() throws {
        let refund = RefundRequest(
            outTradeNo: "R1", originalSyssn: "20180112000100020001662134", amount: 300,
            transactionTime: TransactionTime(text: "2026-11-27 10:00:00"))
        #expect(
            try refund.parameters(for: configuration) == [
                "out_trade_no": "R1", "syssn": "20180112000100020001662134", "txamt": "300",
                "txdtm": "2026-11-27 10:00:00", "mchid": "M1",
            ])
        let close = CloseRequest(
            outTradeNo: "P1", amount: 1200, transactionTime: TransactionTime(text: "2026-11-27 10:00:00"))
        #expect(
            try close.parameters(for: configuration) == [
                "out_trade_no": "P1", "txamt": "1200", "txdtm": "2026-11-27 10:00:00", "mchid": "M1",
            ])
    }

    @Test func cancelEndpointIsConfigurablePerPayType() {
        var configuration = configuration
        configuration.cancelPaths[.alipayBarcode] = QFPayConfiguration.reversalPath
        #expect(configuration.cancelPath(for: .alipayBarcode) == "/trade/v1/reversal")
        #expect(configuration.cancelPath(for: .wechatBarcode) == "/trade/v1/close")
        #expect(configuration.cancelPath(for: nil) == "/trade/v1/close")
    }

    @Test func environmentsHaveTheSpecificationHosts() {
        #expect(QFPayConfiguration.Environment.test.baseURL.absoluteString == "https://openapi-test.qfpay.com")
        #expect(QFPayConfiguration.Environment.production.baseURL.absoluteString == "https://openapi.qfpay.com")
    }

    @Test func transactionTimeIsTheShopsLocalTime() {
        let utc = TimeZone(identifier: "UTC")!
        #expect(TransactionTime(Fixtures.morning).text(in: utc) == "2026-11-27 00:35:12")
        #expect(TransactionTime(Fixtures.morning).text(in: Fixtures.tokyo) == "2026-11-27 09:35:12")
        #expect(TransactionTime.parse("2026-02-30 10:00:00", in: utc) == nil)
        #expect(TransactionTime.parse("2026-11-27T10:00:00", in: utc) == nil)
    }
}
