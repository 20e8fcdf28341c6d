import Foundation
import QFPay
import TestSupport
import Testing

@testable import QFPaySandbox

@Suite("Signatures and the gateway's JSON bytes")
struct SandboxSignatureTests {
    /// The specification's "MD5 data" example, as the sandbox writes it.
    static let specificationBody: PythonJSON = .object([
        ("pay_type", .string("800108")), ("sysdtm", .string("2018-01-12 19:31:16")),
        ("cardcd", .string("2088802362210279")), ("txdtm", .string("2018-01-12 19:31:22")),
        ("resperr", .string("交易成功")), ("txcurrcd", .string("CNY")), ("txamt", .string("1")),
        ("respmsg", .string("")), ("out_trade_no", .string("130145934788787530052")),
        ("syssn", .string("20180112000100020001662134")), ("respcd", .string("0000")),
    ])

    @Test func theSpecificationsResponseExampleIsWrittenByteForByteAndSignsToItsPublishedValue() {
        let text = Self.specificationBody.serialized()
        #expect(
            text
                == #"{"pay_type": "800108", "sysdtm": "2018-01-12 19:31:16", "cardcd": "2088802362210279", "txdtm": "2018-01-12 19:31:22", "resperr": "\u4ea4\u6613\u6210\u529f", "txcurrcd": "CNY", "txamt": "1", "respmsg": "", "out_trade_no": "130145934788787530052", "syssn": "20180112000100020001662134", "respcd": "0000"}"#
        )
        let sandbox = SandboxServer(configuration: .testing())
        #expect(sandbox.signature(of: Array(text.utf8)) == "1E2CE7C2A7F8F581C354A857182B7A31")
    }

    @Test func pythonJSONEscapesLikeJsonDumps() {
        let value: PythonJSON = .object([
            ("a", .string("quote \" backslash \\ slash / tab \t nl \n del \u{7F} nul \u{0}")),
            ("emoji", .string("😀")), ("n", .int(-5)), ("list", .array([.bool(true), .null, .int(1)])),
        ])
        #expect(
            value.serialized()
                == #"{"a": "quote \" backslash \\ slash / tab \t nl \n del \u007f nul \u0000", "emoji": "\ud83d\ude00", "n": -5, "list": [true, null, 1]}"#
        )
    }

    @Test func aWrongSignatureIsRefusedWith1108AndNothingIsCharged() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let params = SandboxTestClient.barcodePayment(amount: 100, authCode: "134676275354204254")
            let response = try await client.post(
                "/trade/v1/payment", params, signature: String(repeating: "A", count: 32))
            let json = try SandboxTestClient.json(response)
            #expect(json["respcd"] as? String == "1108")
            // A front end answers signature errors: no signature of its own (strict rules).
            #expect(response.status == 200)
            #expect(response.header("X-QF-SIGN") == nil)
            #expect(sandbox.ledger.orders().isEmpty)
        }
    }

    @Test func aSignatureMadeWithAnotherKeyIsRefused() async throws {
        try await withSandbox { sandbox in
            var client = SandboxTestClient(sandbox)
            client.key = "0123456789ABCDEF0123456789ABCDEF"
            let response = try await client.post(
                "/trade/v1/query", ["mchid": SandboxTestCredentials.mchid])
            #expect(try SandboxTestClient.json(response)["respcd"] as? String == "1108")
        }
    }

    @Test(arguments: [nil, "WRONGAPPCODE"])
    func aMissingOrUnknownAppCodeIsRefusedWith1108(appCode: String?) async throws {
        try await withSandbox { sandbox in
            let params = ["mchid": SandboxTestCredentials.mchid]
            var headers = [("X-QF-SIGN", Signer(key: SandboxTestCredentials.key).requestSignature(params))]
            if let appCode { headers.append(("X-QF-APPCODE", appCode)) }
            let response = try await SandboxHTTPClient.send(
                url: sandbox.baseURL.appendingPathComponent("trade/v1/query"), headers: headers,
                body: Array(SandboxTestClient.formEncode(params).utf8))
            #expect(try SandboxTestClient.json(response)["respcd"] as? String == "1108")
        }
    }

    @Test func aMissingSignatureIsRefusedWith1108() async throws {
        try await withSandbox { sandbox in
            let params = ["mchid": SandboxTestCredentials.mchid]
            let response = try await SandboxHTTPClient.send(
                url: sandbox.baseURL.appendingPathComponent("trade/v1/query"),
                headers: [("X-QF-APPCODE", SandboxTestCredentials.appCode)],
                body: Array(SandboxTestClient.formEncode(params).utf8))
            #expect(try SandboxTestClient.json(response)["respcd"] as? String == "1108")
        }
    }

    @Test func sha256SignaturesAreAcceptedWhenTheSignTypeSaysSo() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let params = SandboxTestClient.barcodePayment(amount: 100, authCode: "134676275354204254")
            let response = try await client.post("/trade/v1/payment", params, algorithm: .sha256)
            #expect(try SandboxTestClient.json(response)["respcd"] as? String == "0000")
            // An MD5 signature with the SHA-256 sign type does not verify.
            let md5 = Signer(key: SandboxTestCredentials.key).requestSignature(params)
            var headers = [
                ("X-QF-APPCODE", SandboxTestCredentials.appCode), ("X-QF-SIGN", md5), ("X-QF-SIGNTYPE", "SHA256"),
            ]
            var refused = try await SandboxHTTPClient.send(
                url: sandbox.baseURL.appendingPathComponent("trade/v1/payment"), headers: headers,
                body: Array(SandboxTestClient.formEncode(params).utf8))
            #expect(try SandboxTestClient.json(refused)["respcd"] as? String == "1108")
            headers[2] = ("X-QF-SIGNTYPE", "RSA")
            refused = try await SandboxHTTPClient.send(
                url: sandbox.baseURL.appendingPathComponent("trade/v1/payment"), headers: headers,
                body: Array(SandboxTestClient.formEncode(params).utf8))
            #expect(try SandboxTestClient.json(refused)["respcd"] as? String == "1108")
        }
    }

    @Test func japaneseGoodsNamesAreSignedOnTheirRawUTF8AndEchoedAsEscapes() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            var params = SandboxTestClient.barcodePayment(amount: 150, authCode: "134676275354204254")
            params["goods_name"] = "缶コーヒー & 水+α"
            // '&', 'α' are special characters: refused, but only after the signature verified (1103, not 1108).
            var json = try await client.call("/trade/v1/payment", params)
            #expect(json["respcd"] as? String == "1103")
            // 20 bytes of UTF-8 exactly, with a space: accepted.
            params["goods_name"] = "缶コーヒー 2本"
            json = try await client.call("/trade/v1/payment", params)
            #expect(json["respcd"] as? String == "0000")
            let order = try #require(sandbox.ledger.order(outTradeNo: params["out_trade_no"]!))
            #expect(order.goodsName == "缶コーヒー 2本")
        }
    }

    @Test func responsesAreSignedOverTheirRawBytesIncludingEscapedText() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let response = try await client.post(
                "/trade/v1/payment", SandboxTestClient.barcodePayment(amount: 1, authCode: "134676275354204254"))
            #expect(response.text.contains(#""resperr": "\u4ea4\u6613\u6210\u529f""#))
            #expect(response.header("X-QF-SIGN") == sandbox.signature(of: response.body))
            #expect(response.header("Content-Type") == "application/json; charset=UTF-8")
        }
    }

    @Test func emptyParametersAreRefusedBecauseUnsetParametersMustBeLeftOut() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            // The empty value is signed (the sandbox accepts either way of signing it) but refused.
            let params = ["mchid": SandboxTestCredentials.mchid, "udid": ""]
            let response = try await client.post(
                "/trade/v1/query", params,
                signature: DigestAlgorithm.md5.hexDigest(
                    Array("mchid=\(SandboxTestCredentials.mchid)&udid=\(SandboxTestCredentials.key)".utf8)))
            let json = try SandboxTestClient.json(response)
            #expect(json["respcd"] as? String == "1104")
            #expect((json["respmsg"] as? String)?.contains("udid") == true)
        }
    }
}
