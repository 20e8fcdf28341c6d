import QFPay
import Testing

@Suite struct ResponseParsingTests {
    @Test func paymentAnswerOfTheSpecificationParses() throws {
        let response = try PaymentResponse(body: Array(Fixtures.specificationPaymentBody.utf8))
        #expect(response.respcd == .success)
        #expect(response.resperr == "交易成功")
        #expect(response.payType == .alipayBarcode)
        #expect(response.amount == 1)
        #expect(response.currency == .cny)
        #expect(response.syssn == "20180112000100020001662134")
        #expect(response.outTradeNo == "130145934788787530052")
        #expect(response.cardcd == "2088802362210279")
        #expect(response.fields["sysdtm"] == "2018-01-12 19:31:16")
        #expect(response.body == Array(Fixtures.specificationPaymentBody.utf8))
    }

    @Test func numbersAndStringsAreReadAlike() throws {
        let asNumbers = try PaymentResponse(
            body: Array(#"{"respcd": "1143", "txamt": 1200, "qrcode": "weixin://x"}"#.utf8))
        #expect(asNumbers.amount == 1200)
        #expect(asNumbers.qrcode == "weixin://x")
        #expect(asNumbers.respcd.classification == .pending)
        let query = try QueryResponse(
            body: Array(#"{"respcd": "0000", "page": "2", "page_size": 10, "data": []}"#.utf8))
        #expect(query.page == 2)
        #expect(query.pageSize == 10)
        let numericCode = try RefundResponse(body: Array(#"{"respcd": 1155, "txamt": "7"}"#.utf8))
        #expect(numericCode.respcd == "1155")
    }

    @Test func queryRowsCarryTheTransactionStateNotTheTopLevelCode() throws {
        let body = #"""
            {"resperr": "\u8bf7\u6c42\u6210\u529f", "page_size": 1, "respmsg": "", "respcd": "0000", "data": [{"pay_type": "800201", "sysdtm": "2018-07-24 12:30:57", "paydtm": "", "txcurrcd": "CNY", "txdtm": "2018-07-24 13:31:03", "txamt": "1", "chnlsn": "", "out_trade_no": "923500563158", "syssn": "20180724000200020076586895", "cancel": "0", "respcd": "1143", "errmsg": "\u8ba2\u5355\u8fd8\u672a\u652f\u4ed8", "order_type": "payment"}, {"order_type": "refund", "cancel": 3, "respcd": "0000", "txamt": 1, "out_trade_no": "R1", "orig_syssn": "20180724000200020076586895", "paydtm": "2018-07-24 13:40:00"}], "page": 1}
            """#
        let response = try QueryResponse(body: Array(body.utf8))
        #expect(response.respcd == .success)
        #expect(response.records.count == 2)
        let row = try #require(response.payment(outTradeNo: "923500563158"))
        #expect(row.respcd == .notPaidYet)
        #expect(row.classification == .pending)
        #expect(row.cancel == TransactionRecord.CancelState.none)
        #expect(row.paydtm == nil)
        #expect(row.payType == .wechatQR)
        #expect(row.errmsg == "订单还未支付")
        #expect(row.amount == 1)
        let refund = response.records[1]
        #expect(refund.orderType == .refund)
        #expect(refund.cancel == .refunded)
        #expect(refund.origSyssn == "20180724000200020076586895")
        #expect(refund.paydtm == "2018-07-24 13:40:00")
    }

    @Test func refundAndCloseAnswersOfTheSpecificationParse() throws {
        let refund = try RefundResponse(
            body: Array(
                #"{"orig_syssn": "20180112000100020001659358", "sysdtm": "2018-01-12 19:03:23", "cardcd": "", "txdtm": "2018-01-12 19:03:29", "resperr": "\u4ea4\u6613\u6210\u529f", "txcurrcd": "JPY", "txamt": "1", "respmsg": "", "out_trade_no": "13014597435743348787530052", "syssn": "20180112000100020001661542", "respcd": "0000"}"#
                    .utf8))
        #expect(refund.syssn == "20180112000100020001661542")
        #expect(refund.origSyssn == "20180112000100020001659358")
        #expect(refund.amount == 1)
        let close = try CloseResponse(
            body: Array(
                #"{"orig_syssn": "20180112000100020001659801", "sysdtm": "2018-01-12 19:07:02", "cardcd": "", "txdtm": "2018-01-12 19:07:09", "resperr": "\u4ea4\u6613\u6210\u529f", "txcurrcd": "CNY", "txamt": "1", "respmsg": "", "syssn": "20180112000100020001661611", "respcd": "0000"}"#
                    .utf8))
        #expect(close.isCancelled)
        #expect(!close.isCancelUnsupported)
        let noSyssn = try CloseResponse(body: Array(#"{"respcd": "0000", "orig_syssn": "1"}"#.utf8))
        #expect(noSyssn.isCancelUnsupported)
        #expect(!noSyssn.isCancelled)
        let unsupported = try CloseResponse(body: Array(#"{"respcd": "1297", "resperr": "x"}"#.utf8))
        #expect(unsupported.isCancelUnsupported)
    }

    @Test func bodiesThatAreNotQFPayJSONAreRefused() {
        #expect(throws: QFPayError.self) { try PaymentResponse(body: Array("<html>502</html>".utf8)) }
        #expect(throws: QFPayError.self) { try PaymentResponse(body: Array(#"{"syssn": "1"}"#.utf8)) }
        #expect(throws: QFPayError.self) { try QueryResponse(body: Array("[1,2]".utf8)) }
        #expect(throws: QFPayError.self) { try RefundResponse(body: []) }
    }

    @Test func tradeBillTellsAZipFromAJSONError() throws {
        let zip = try TradeBill(body: [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00], signatureVerified: false)
        #expect(zip.isZip)
        #expect(zip.isSuccess)
        #expect(zip.respcd == nil)
        let error = try TradeBill(
            body: Array(#"{"respcd": "1104", "resperr": "no bill"}"#.utf8), signatureVerified: true)
        #expect(!error.isZip)
        #expect(error.respcd == "1104")
        #expect(error.resperr == "no bill")
        #expect(throws: QFPayError.self) { try TradeBill(body: [0x50, 0x4B, 0x05, 0x06], signatureVerified: true) }
    }
}
