import Foundation
import QFPay
import QFPaySandbox

/// Signs and sends requests to a sandbox over real HTTP, independent of the QFPay client, so
/// tests can send exactly the bytes they mean (wrong signatures, bad fields).
public struct SandboxTestClient: Sendable {
    public var baseURL: URL
    public var appCode: String
    public var key: String

    public init(
        baseURL: URL, appCode: String = SandboxTestCredentials.appCode, key: String = SandboxTestCredentials.key
    ) {
        self.baseURL = baseURL
        self.appCode = appCode
        self.key = key
    }

    public init(_ server: SandboxServer) { self.init(baseURL: server.baseURL) }

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

    /// POSTs and parses the JSON answer after checking its `X-QF-SIGN`; throws when it does not verify.
    public func call(_ path: String, _ parameters: [String: String]) async throws -> [String: Any] {
        let response = try await post(path, parameters)
        guard verifies(response) else { throw SandboxTestClientError.badSignature(response.text) }
        return try Self.json(response)
    }

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

    /// A barcode payment's parameters, in JPY, timestamped now.
    public static func barcodePayment(
        amount: Int,
        authCode: String,
        outTradeNo: String = uniqueOutTradeNo(),
        payType: PayType? = nil
    ) -> [String: String] {
        let type = payType ?? (authCode.hasPrefix("1") ? PayType.wechatBarcode : .alipayBarcode)
        return [
            "txamt": String(amount), "txcurrcd": "JPY", "pay_type": type.rawValue, "out_trade_no": outTradeNo,
            "txdtm": now(), "auth_code": authCode, "mchid": SandboxTestCredentials.mchid,
        ]
    }

    /// A dynamic-QR payment's parameters, in JPY, timestamped now.
    public static func qrPayment(
        amount: Int,
        wallet: Wallet = .wechat,
        outTradeNo: String = uniqueOutTradeNo()
    ) -> [String: String] {
        [
            "txamt": String(amount), "txcurrcd": "JPY", "pay_type": wallet.qrPayType.rawValue,
            "out_trade_no": outTradeNo, "txdtm": now(), "mchid": SandboxTestCredentials.mchid,
        ]
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
