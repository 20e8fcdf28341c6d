import Foundation
import QFPay
import Testing

@Suite struct ValidationTests {
    let configuration = Fixtures.configuration()

    /// The error a payment request gets, or nil when it is valid.
    func paymentError(_ request: PaymentRequest) -> QFPayError? {
        do {
            _ = try request.parameters(for: configuration)
            return nil
        } catch {
            return error
        }
    }

    func barcode(
        outTradeNo: String = "P1", amount: Int = 100, code: String = "134676275354204254", goodsName: String? = nil,
        udid: String? = nil, time: TransactionTime = .now, currency: Currency? = nil
    ) -> PaymentRequest {
        .barcode(
            outTradeNo: outTradeNo, amount: amount, authCode: AuthCode(code), currency: currency, goodsName: goodsName,
            udid: udid, transactionTime: time)
    }

    @Test(arguments: ["", "has space", "注文1", "a-b", "a.b", String(repeating: "9", count: 129)])
    func outTradeNoOutsideTheAllowedCharactersOrLongerThan128BytesIsRefused(_ number: String) {
        let error = paymentError(barcode(outTradeNo: number))
        #expect(error?.field == "out_trade_no")
        #expect(error?.message.contains("out_trade_no") == true)
    }

    @Test func outTradeNoWithUnderscoreBarAndStarUpTo128BytesIsAccepted() {
        #expect(paymentError(barcode(outTradeNo: "A_b|C*9")) == nil)
        #expect(paymentError(barcode(outTradeNo: String(repeating: "9", count: 128))) == nil)
    }

    @Test(arguments: [
        "缶コーヒー★", "Café §", "price $5", "Fish & Chips", "α-test", "Ｔｅａ", "ｂｏｏｋ", "温度℃", "tea 😀", "1+1=2%",
        "缶・茶", "Tea (hot)", "商品名1:缶",
    ])
    func goodsNameWithSpecialCharactersIsRefused(_ name: String) {
        let error = paymentError(barcode(goodsName: name))
        #expect(error?.field == "goods_name")
        #expect(error?.rule == "goods_name.no_special_characters")
    }

    /// "No long than 20 byte" (both payment tables): bytes of UTF-8, so seven kana are too many.
    @Test(arguments: ["商品名1:缶コーヒー", "二十文字の商品名はちょうどここまでですね", "123456789012345678901", "ミネラルウォーター"])
    func goodsNameOver20BytesIsRefused(_ name: String) {
        let error = paymentError(barcode(goodsName: name))
        #expect(error?.field == "goods_name")
        #expect(error?.rule == "goods_name.max_20_bytes")
    }

    @Test(arguments: ["缶コーヒー", "test", "商品名1 缶", "Green tea 500ml", "12345678901234567890", "お茶とパン", "Café-Bar"])
    func plainGoodsNamesUpTo20BytesAreAccepted(_ name: String) {
        #expect(paymentError(barcode(goodsName: name)) == nil)
    }

    @Test func goodsNameIsRequiredAndAnEmptyDefaultIsRefused() {
        var configuration = Fixtures.configuration()
        configuration.defaultGoodsName = ""
        var failure: QFPayError?
        do { _ = try barcode(goodsName: nil).parameters(for: configuration) } catch { failure = error }
        #expect(failure?.field == "goods_name")
        #expect(failure?.rule == "goods_name.required")
        #expect(throws: QFPayError.self) { try PaymentRequest.validate(goodsName: "") }
        #expect(throws: Never.self) { try PaymentRequest.validate(goodsName: QFPayConfiguration.standardGoodsName) }
    }

    @Test func amountMustBePositiveAndWithinTheCurrencyLimit() {
        #expect(paymentError(barcode(amount: 0))?.field == "txamt")
        #expect(paymentError(barcode(amount: -5))?.field == "txamt")
        #expect(paymentError(barcode(amount: 1_500_001))?.field == "txamt")
        #expect(paymentError(barcode(amount: 1_500_000)) == nil)
        #expect(paymentError(barcode(amount: 1_000_001, currency: .usd))?.field == "txamt")
        #expect(paymentError(barcode(amount: 1, currency: "yen"))?.field == "txcurrcd")
    }

    @Test(arguments: [
        "2026-11-27", "2026/11/27 10:00:00", "2026-13-01 10:00:00", "2026-11-27 24:00:00", "2026-11-27 10:00",
    ])
    func txdtmMustBeYearMonthDayHourMinuteSecond(_ text: String) {
        #expect(paymentError(barcode(time: TransactionTime(text: text)))?.field == "txdtm")
    }

    @Test func udidIsAtMost40Characters() {
        #expect(paymentError(barcode(udid: String(repeating: "u", count: 41)))?.field == "udid")
        #expect(paymentError(barcode(udid: String(repeating: "u", count: 40))) == nil)
    }

    @Test func productBarcodesAndMissingCodesAreNeverSent() {
        let product = paymentError(barcode(code: "4901234567894"))
        #expect(product?.field == "auth_code")
        #expect(product?.message.contains("EAN-13") == true)
        #expect(product?.message.contains("4901234567894") == false)
        #expect(paymentError(barcode(code: "1346 7627"))?.field == "auth_code")
        let missing = PaymentRequest(outTradeNo: "P1", amount: 1, payType: .wechatBarcode)
        #expect(paymentError(missing)?.code == .missingField)
        var qrWithCode = PaymentRequest.dynamicQR(outTradeNo: "P1", amount: 1, wallet: .wechat)
        qrWithCode.authCode = AuthCode("134676275354204254")
        #expect(paymentError(qrWithCode)?.field == "auth_code")
    }

    @Test func expiredTimeIsFiveTo120MinutesAndOnlyForDynamicQR() {
        #expect(
            paymentError(.dynamicQR(outTradeNo: "P1", amount: 1, wallet: .wechat, expiresInMinutes: 4))?.field
                == "expired_time")
        #expect(
            paymentError(.dynamicQR(outTradeNo: "P1", amount: 1, wallet: .wechat, expiresInMinutes: 121))?.field
                == "expired_time")
        #expect(paymentError(.dynamicQR(outTradeNo: "P1", amount: 1, wallet: .wechat, expiresInMinutes: 120)) == nil)
        var barcode = barcode()
        barcode.expiresInMinutes = 30
        #expect(paymentError(barcode)?.field == "expired_time")
    }

    func queryError(_ request: QueryRequest) -> QFPayError? {
        do {
            _ = try request.parameters(for: configuration)
            return nil
        } catch {
            return error
        }
    }

    @Test func pageSizeIsOneTo100AndPageAtLeastOne() {
        #expect(queryError(QueryRequest(pageSize: 0))?.field == "page_size")
        #expect(queryError(QueryRequest(pageSize: 101))?.field == "page_size")
        #expect(queryError(QueryRequest(pageSize: 1)) == nil)
        #expect(queryError(QueryRequest(pageSize: 100)) == nil)
        #expect(queryError(QueryRequest(page: 0))?.field == "page")
    }

    @Test func queryTimesMustBeWellFormedOrderedAndInOneMonth() {
        let start = TransactionTime(text: "2026-11-01 00:00:00")
        #expect(queryError(QueryRequest(startTime: TransactionTime(text: "2026-11-01")))?.field == "start_time")
        #expect(queryError(QueryRequest(endTime: TransactionTime(text: "tomorrow")))?.field == "end_time")
        #expect(
            queryError(QueryRequest(startTime: start, endTime: TransactionTime(text: "2026-12-01 00:00:00")))?.field
                == "end_time")
        #expect(
            queryError(QueryRequest(startTime: TransactionTime(text: "2026-11-20 00:00:00"), endTime: start))?.field
                == "end_time")
        #expect(queryError(QueryRequest(syssns: ["1,2"]))?.field == "syssn")
        #expect(queryError(QueryRequest(outTradeNos: ["P 1"]))?.field == "out_trade_no")
        #expect(queryError(QueryRequest(respcd: "00"))?.field == "respcd")
    }

    @Test func closeNeedsSyssnOrOutTradeNoAndRefundItsFields() {
        #expect(throws: QFPayError.self) { try CloseRequest(amount: 1).parameters(for: configuration) }
        do {
            _ = try CloseRequest(amount: 1).parameters(for: configuration)
        } catch {
            #expect(error.field == "syssn")
            #expect(error.code == .missingField)
        }
        do {
            _ = try RefundRequest(outTradeNo: "R1", originalSyssn: "", amount: 1).parameters(for: configuration)
            Issue.record("a refund without syssn was accepted")
        } catch {
            #expect(error.field == "syssn")
        }
        do {
            _ = try RefundRequest(outTradeNo: "R1", originalSyssn: "2018", amount: 0).parameters(for: configuration)
            Issue.record("a refund of 0 was accepted")
        } catch {
            #expect(error.field == "txamt")
        }
    }

    @Test func tradeDateIsYearMonthDay() {
        #expect(throws: Never.self) { try TradeBill.validate(date: "2026-11-26") }
        #expect(throws: QFPayError.self) { try TradeBill.validate(date: "20261126") }
        #expect(throws: QFPayError.self) { try TradeBill.validate(date: "2026-11-26 00:00:00") }
    }

    @Test func configurationNeedsAnHTTPURLAnAppCodeAndAKey() {
        var configuration = Fixtures.configuration()
        configuration.appCode = ""
        #expect(throws: QFPayError.self) { try configuration.validate() }
        configuration = Fixtures.configuration(baseURL: "ftp://example.com")
        #expect(throws: QFPayError.self) { try configuration.validate() }
        configuration = Fixtures.configuration()
        configuration.key = Secret("")
        #expect(throws: QFPayError.self) { try configuration.validate() }
    }
}
