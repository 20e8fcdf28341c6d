import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

@Suite("Field validation like the real gateway")
struct SandboxValidationTests {
    /// One invalid request: a valid one of `kind` with `changes` applied (`nil` removes a field).
    struct Case: Sendable, CustomTestStringConvertible {
        enum Kind: Sendable { case barcode, qr, query, refund, close, bill }
        var name: String
        var kind: Kind
        var changes: [String: String?]
        var respcd: String
        var testDescription: String { "\(name) → \(respcd)" }
    }

    static let cases: [Case] = [
        Case(name: "out_trade_no with a hyphen", kind: .barcode, changes: ["out_trade_no": "A-1"], respcd: "1103"),
        Case(name: "out_trade_no in kanji", kind: .barcode, changes: ["out_trade_no": "注文1"], respcd: "1103"),
        Case(
            name: "out_trade_no of 129 bytes", kind: .barcode,
            changes: ["out_trade_no": String(repeating: "7", count: 129)], respcd: "1103"),
        Case(name: "out_trade_no missing", kind: .barcode, changes: ["out_trade_no": nil], respcd: "1104"),
        Case(
            name: "goods_name of 21 characters", kind: .barcode,
            changes: ["goods_name": String(repeating: "茶", count: 21)], respcd: "1103"),
        Case(name: "goods_name with ★", kind: .barcode, changes: ["goods_name": "お茶★"], respcd: "1103"),
        Case(name: "goods_name with full-width Ａ", kind: .barcode, changes: ["goods_name": "Ａ定食"], respcd: "1103"),
        Case(name: "goods_name with an emoji", kind: .barcode, changes: ["goods_name": "ramen🍜"], respcd: "1103"),
        Case(name: "goods_name missing", kind: .barcode, changes: ["goods_name": nil], respcd: "1104"),
        Case(name: "QR goods_name missing", kind: .qr, changes: ["goods_name": nil], respcd: "1104"),
        Case(
            name: "goods_name of 21 bytes in 7 characters", kind: .barcode,
            changes: ["goods_name": String(repeating: "茶", count: 7)], respcd: "1103"),
        Case(
            name: "goods_name of 21 ASCII bytes", kind: .barcode, changes: ["goods_name": "abcdefghijklmnopqrstu"],
            respcd: "1103"),
        Case(
            name: "goods_name with an ideographic space", kind: .barcode, changes: ["goods_name": "お茶\u{3000}大"],
            respcd: "1103"),
        Case(name: "goods_name with 「」", kind: .barcode, changes: ["goods_name": "「お茶」"], respcd: "1103"),
        Case(name: "goods_name with a plus", kind: .barcode, changes: ["goods_name": "tea+cake"], respcd: "1103"),
        Case(name: "goods_name with a yen sign", kind: .barcode, changes: ["goods_name": "お茶¥100"], respcd: "1103"),
        Case(name: "goods_name with a tab", kind: .barcode, changes: ["goods_name": "tea\tcake"], respcd: "1103"),
        Case(name: "txamt not a number", kind: .barcode, changes: ["txamt": "12.5"], respcd: "1103"),
        Case(name: "txamt negative", kind: .barcode, changes: ["txamt": "-5"], respcd: "1103"),
        Case(name: "txamt zero", kind: .barcode, changes: ["txamt": "0"], respcd: "1104"),
        Case(name: "txamt over 10,000 USD in JPY", kind: .barcode, changes: ["txamt": "1500001"], respcd: "1104"),
        Case(name: "txamt missing", kind: .barcode, changes: ["txamt": nil], respcd: "1104"),
        Case(name: "unknown currency", kind: .barcode, changes: ["txcurrcd": "XYZ"], respcd: "1104"),
        Case(name: "unknown pay_type", kind: .barcode, changes: ["pay_type": "800207"], respcd: "1104"),
        Case(name: "txdtm with a T", kind: .barcode, changes: ["txdtm": "2026-01-02T03:04:05"], respcd: "1103"),
        Case(name: "txdtm on 30 February", kind: .barcode, changes: ["txdtm": "2026-02-30 10:00:00"], respcd: "1103"),
        Case(name: "txdtm at 24:00", kind: .barcode, changes: ["txdtm": "2026-01-02 24:00:00"], respcd: "1103"),
        Case(name: "txdtm missing", kind: .barcode, changes: ["txdtm": nil], respcd: "1104"),
        Case(name: "another merchant's mchid", kind: .barcode, changes: ["mchid": "SomeoneElse"], respcd: "1104"),
        Case(name: "mchid missing", kind: .barcode, changes: ["mchid": nil], respcd: "1104"),
        Case(name: "auth_code missing", kind: .barcode, changes: ["auth_code": nil], respcd: "1104"),
        Case(
            name: "auth_code of 129 bytes", kind: .barcode,
            changes: ["auth_code": String(repeating: "1", count: 129)], respcd: "1103"),
        Case(
            name: "udid of 41 characters", kind: .barcode,
            changes: ["udid": String(repeating: "u", count: 41)], respcd: "1103"),
        Case(name: "limit_pay other than no_credit", kind: .barcode, changes: ["limit_pay": "credit"], respcd: "1104"),
        Case(name: "expired_time of 4 minutes", kind: .qr, changes: ["expired_time": "4"], respcd: "1104"),
        Case(name: "expired_time of 121 minutes", kind: .qr, changes: ["expired_time": "121"], respcd: "1104"),
        Case(name: "expired_time not a number", kind: .qr, changes: ["expired_time": "soon"], respcd: "1103"),
        Case(name: "page_size 0", kind: .query, changes: ["page_size": "0"], respcd: "1104"),
        Case(name: "page_size 101", kind: .query, changes: ["page_size": "101"], respcd: "1104"),
        Case(name: "page_size not a number", kind: .query, changes: ["page_size": "ten"], respcd: "1103"),
        Case(name: "page 0", kind: .query, changes: ["page": "0"], respcd: "1104"),
        Case(name: "query mchid missing", kind: .query, changes: ["mchid": nil], respcd: "1104"),
        Case(name: "query syssn with letters", kind: .query, changes: ["syssn": "2026x"], respcd: "1103"),
        Case(name: "query syssn list with a hole", kind: .query, changes: ["syssn": "1,,2"], respcd: "1103"),
        Case(name: "query out_trade_no with a space", kind: .query, changes: ["out_trade_no": "A 1"], respcd: "1103"),
        Case(name: "query respcd of three digits", kind: .query, changes: ["respcd": "000"], respcd: "1103"),
        Case(name: "query start_time malformed", kind: .query, changes: ["start_time": "2026/01/01"], respcd: "1103"),
        Case(
            name: "query over two months", kind: .query,
            changes: ["start_time": "2026-01-20 00:00:00", "end_time": "2026-02-10 00:00:00"], respcd: "1104"),
        Case(
            name: "query start after end", kind: .query,
            changes: ["start_time": "2026-01-20 00:00:00", "end_time": "2026-01-10 00:00:00"], respcd: "1104"),
        Case(name: "query unknown pay_type", kind: .query, changes: ["pay_type": "123"], respcd: "1104"),
        Case(name: "refund syssn missing", kind: .refund, changes: ["syssn": nil], respcd: "1104"),
        Case(name: "refund out_trade_no missing", kind: .refund, changes: ["out_trade_no": nil], respcd: "1104"),
        Case(name: "refund txamt zero", kind: .refund, changes: ["txamt": "0"], respcd: "1104"),
        Case(name: "refund txdtm malformed", kind: .refund, changes: ["txdtm": "yesterday"], respcd: "1103"),
        Case(name: "close without syssn or out_trade_no", kind: .close, changes: ["syssn": nil], respcd: "1104"),
        Case(name: "close txamt missing", kind: .close, changes: ["txamt": nil], respcd: "1104"),
        Case(name: "close txdtm missing", kind: .close, changes: ["txdtm": nil], respcd: "1104"),
        Case(name: "bill date missing", kind: .bill, changes: ["trade_date": nil], respcd: "1104"),
        Case(name: "bill date malformed", kind: .bill, changes: ["trade_date": "2026-13-01"], respcd: "1103"),
        Case(name: "bill date in the future", kind: .bill, changes: ["trade_date": "2999-01-01"], respcd: "1104"),
    ]

    @Test(arguments: cases)
    func invalidRequestsAreRefusedWithTheSpecificationsCodeNamingTheField(_ invalid: Case) async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            var params: [String: String]
            let path: String
            let mchid = SandboxTestCredentials.mchid
            switch invalid.kind {
            case .barcode:
                path = "/trade/v1/payment"
                params = SandboxTestClient.barcodePayment(amount: 500, authCode: "134676275354204254")
            case .qr:
                path = "/trade/v1/payment"
                params = SandboxTestClient.qrPayment(amount: 500)
            case .query:
                path = "/trade/v1/query"
                params = ["mchid": mchid]
            case .refund:
                path = "/trade/v1/refund"
                params = [
                    "mchid": mchid, "txamt": "1", "syssn": "20260101000100020000000001", "out_trade_no": "R1",
                    "txdtm": SandboxTestClient.now(),
                ]
            case .close:
                path = "/trade/v1/close"
                params = [
                    "mchid": mchid, "txamt": "1", "syssn": "20260101000100020000000001",
                    "txdtm": SandboxTestClient.now(),
                ]
            case .bill:
                path = "/download/v1/trade_bill"
                params = ["trade_date": "2026-01-01"]
            }
            for (name, value) in invalid.changes { params[name] = value }
            let json = try await client.call(path, params)
            #expect(json["respcd"] as? String == invalid.respcd)
            let message = try #require(json["respmsg"] as? String)
            let named = invalid.changes.keys.contains { message.contains($0) } || message.contains("syssn")
            #expect(named, "\(message) should name the field")
            #expect(sandbox.ledger.orders().isEmpty)
        }
    }

    @Test func aBodyThatIsNotFormEncodedIsAFormatError() async throws {
        try await withSandbox { sandbox in
            let body = Array("mchid=%ZZ".utf8)
            let response = try await SandboxHTTPClient.send(
                url: sandbox.baseURL.appendingPathComponent("trade/v1/query"),
                headers: [("X-QF-APPCODE", SandboxTestCredentials.appCode), ("X-QF-SIGN", "00")], body: body)
            #expect(try SandboxTestClient.json(response)["respcd"] as? String == "1103")
        }
    }

    @Test func unknownPathsAndMethodsAreAnsweredWith404And405() async throws {
        try await withSandbox { sandbox in
            let missing = try await SandboxHTTPClient.send(url: sandbox.baseURL.appendingPathComponent("trade/v2/pay"))
            #expect(missing.status == 404)
            let wrongMethod = try await SandboxHTTPClient.send(
                method: "GET", url: sandbox.baseURL.appendingPathComponent("trade/v1/payment"))
            #expect(wrongMethod.status == 405)
        }
    }
}
