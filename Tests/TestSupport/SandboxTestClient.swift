import Foundation
import QFPay
import QFPaySandbox

/// Signs and sends requests to a sandbox over real HTTP, independent of the QFPay client, so
/// tests can send exactly the bytes they mean (wrong signatures, bad fields).
public struct SandboxTestClient: Sendable {
    public var baseURL: URL
    public var appCode: String
    public var key: String
    /// The sandbox's clock, when known: `txdtm()` reads it.
    public var clock: SandboxClock?

    public init(
        baseURL: URL, appCode: String = SandboxTestCredentials.appCode, key: String = SandboxTestCredentials.key,
        clock: SandboxClock? = nil
    ) {
        self.baseURL = baseURL
        self.appCode = appCode
        self.key = key
        self.clock = clock
    }

    public init(_ server: SandboxServer) { self.init(baseURL: server.baseURL, clock: server.clock) }

    /// `YYYY-MM-DD HH:MM:SS` in Japan by the sandbox's clock (by the real clock when unknown).
    public func txdtm() -> String { clock.map { SandboxTestTime.format($0.now()) } ?? Self.now() }

    /// POSTs `parameters` form-encoded to `path`, signed with `algorithm` unless `signature` overrides it.
    public func post(
        _ path: String,
        _ parameters: [String: String],
        algorithm: DigestAlgorithm = .md5,
        signature: String? = nil,
        appCode: String? = nil
    ) async throws -> SandboxHTTPResponse {
        var headers = [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-QF-APPCODE", appCode ?? self.appCode),
            ("X-QF-SIGN", signature ?? Signer(key: key, algorithm: algorithm).requestSignature(parameters)),
        ]
        if algorithm == .sha256 { headers.append(("X-QF-SIGNTYPE", "SHA256")) }
        return try await SandboxHTTPClient.send(
            url: url(path), headers: headers, body: Array(Self.formEncode(parameters).utf8))
    }

    /// GETs `path` with `parameters` in the query string, signed.
    public func get(_ path: String, _ parameters: [String: String]) async throws -> SandboxHTTPResponse {
        let query = Self.formEncode(parameters)
        let headers = [
            ("X-QF-APPCODE", appCode), ("X-QF-SIGN", Signer(key: key).requestSignature(parameters)),
        ]
        return try await SandboxHTTPClient.send(
            method: "GET", url: URL(string: url(path).absoluteString + (query.isEmpty ? "" : "?" + query))!,
            headers: headers)
    }

    /// POSTs and parses the JSON answer after checking its `X-QF-SIGN`; throws when it does not
    /// verify. A request error (1100, 1103, 1104, 1108) may come without `X-QF-SIGN`, as the strict
    /// sandbox sends it; a wrong signature is never accepted.
    public func call(_ path: String, _ parameters: [String: String]) async throws -> [String: Any] {
        let response = try await post(path, parameters)
        if response.header("X-QF-SIGN") == nil, let json = try? Self.json(response),
            let respcd = json["respcd"] as? String, Self.requestErrorCodes.contains(respcd)
        {
            return json
        }
        guard verifies(response) else { throw SandboxTestClientError.badSignature(response.text) }
        return try Self.json(response)
    }

    /// The codes the strict sandbox answers unsigned: maintenance, format, parameter, signature.
    public static let requestErrorCodes: Set<String> = ["1100", "1103", "1104", "1108"]

    /// Whether the answer's `X-QF-SIGN` is MD5(body + key).
    public func verifies(_ response: SandboxHTTPResponse) -> Bool {
        Signer(key: key).verifies(body: response.body, signature: response.header("X-QF-SIGN"))
    }

    /// The answer's JSON object.
    public static func json(_ response: SandboxHTTPResponse) throws -> [String: Any] {
        try json(bytes: response.body)
    }

    /// A JSON object's bytes parsed.
    public static func json(bytes: [UInt8]) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw SandboxTestClientError.notJSON(String(decoding: bytes, as: UTF8.self))
        }
        return object
    }

    /// A barcode payment's parameters, in JPY, timestamped `txdtm` (now by the real clock), with
    /// the specification's sample goods name `test` (required: leave it out with `nil`).
    public static func barcodePayment(
        amount: Int,
        authCode: String,
        outTradeNo: String = uniqueOutTradeNo(),
        payType: PayType? = nil,
        goodsName: String? = "test",
        txdtm: String? = nil
    ) -> [String: String] {
        let type = payType ?? (authCode.hasPrefix("1") ? PayType.wechatBarcode : .alipayBarcode)
        var parameters = [
            "txamt": String(amount), "txcurrcd": "JPY", "pay_type": type.rawValue, "out_trade_no": outTradeNo,
            "txdtm": txdtm ?? now(), "auth_code": authCode, "mchid": SandboxTestCredentials.mchid,
        ]
        parameters["goods_name"] = goodsName
        return parameters
    }

    /// A dynamic-QR payment's parameters, in JPY, timestamped `txdtm` (now by the real clock), with
    /// the goods name `test`.
    public static func qrPayment(
        amount: Int,
        wallet: Wallet = .wechat,
        outTradeNo: String = uniqueOutTradeNo(),
        goodsName: String? = "test",
        txdtm: String? = nil
    ) -> [String: String] {
        var parameters = [
            "txamt": String(amount), "txcurrcd": "JPY", "pay_type": wallet.qrPayType.rawValue,
            "out_trade_no": outTradeNo, "txdtm": txdtm ?? now(), "mchid": SandboxTestCredentials.mchid,
        ]
        parameters["goods_name"] = goodsName
        return parameters
    }

    /// A barcode payment timestamped by the sandbox's clock (`txdtm()`).
    public func barcodePayment(
        amount: Int,
        authCode: String,
        outTradeNo: String = uniqueOutTradeNo(),
        payType: PayType? = nil,
        goodsName: String? = "test"
    ) -> [String: String] {
        Self.barcodePayment(
            amount: amount, authCode: authCode, outTradeNo: outTradeNo, payType: payType, goodsName: goodsName,
            txdtm: txdtm())
    }

    /// A dynamic-QR payment timestamped by the sandbox's clock (`txdtm()`).
    public func qrPayment(
        amount: Int, wallet: Wallet = .wechat, outTradeNo: String = uniqueOutTradeNo(), goodsName: String? = "test"
    ) -> [String: String] {
        Self.qrPayment(amount: amount, wallet: wallet, outTradeNo: outTradeNo, goodsName: goodsName, txdtm: txdtm())
    }

    /// `YYYY-MM-DD HH:MM:SS` in Japan.
    public static func now() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Tokyo")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date())
    }

    private func url(_ path: String) -> URL {
        URL(string: baseURL.absoluteString + path)!
    }

    /// `application/x-www-form-urlencoded` the way Python's `urlencode` writes it.
    public static func formEncode(_ parameters: [String: String]) -> String {
        let allowed = CharacterSet(
            charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return parameters.sorted { $0.key < $1.key }.map { name, value in
            let escape = { (text: String) in
                text.addingPercentEncoding(withAllowedCharacters: allowed)!
            }
            return "\(escape(name))=\(escape(value))"
        }.joined(separator: "&")
    }
}

/// Why `SandboxTestClient.call` refused an answer.
public enum SandboxTestClientError: Error {
    case badSignature(String)
    case notJSON(String)
}
