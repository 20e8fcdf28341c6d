import Foundation

/// One HTTP request to QFPay, ready to send: the parameters signed on their raw UTF-8 values and
/// form-encoded into the body (or the query string for GET).
public struct SignedRequest: Sendable, Hashable {
    /// `POST` or `GET`.
    public let method: String
    /// The endpoint path, such as `/trade/v1/payment`.
    public let path: String
    /// The full URL (with the query string for GET).
    public let url: URL
    /// The parameters as signed (empty values left out).
    public let parameters: [String: String]
    /// `X-QF-SIGN`.
    public let signature: String
    /// Every header to send: `X-QF-APPCODE`, `X-QF-SIGN`, `X-QF-SIGNTYPE` for SHA-256, content type.
    public let headers: [String: String]
    /// The form-encoded body (empty for GET).
    public let body: [UInt8]

    /// Signs `parameters` for `path` with the configuration's key.
    public init(
        method: String = "POST", path: String, parameters: [String: String], configuration: QFPayConfiguration
    ) throws(QFPayError) {
        try configuration.validate()
        let parameters = parameters.filter { !$0.value.isEmpty }
        let signature = configuration.signer.requestSignature(parameters)
        let form = Self.formEncode(parameters)
        var headers = ["X-QF-APPCODE": configuration.appCode, "X-QF-SIGN": signature]
        if configuration.signType == .sha256 { headers["X-QF-SIGNTYPE"] = "SHA256" }
        let base =
            configuration.baseURL.absoluteString.hasSuffix("/")
            ? String(configuration.baseURL.absoluteString.dropLast()) : configuration.baseURL.absoluteString
        var urlText = base + path
        if method == "GET" {
            if !form.isEmpty { urlText += "?" + form }
        } else {
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
        }
        guard let url = URL(string: urlText) else {
            throw QFPayError(.invalidConfiguration, "cannot form a URL from \(base) and \(path)", field: "base_url")
        }
        self.method = method
        self.path = path
        self.url = url
        self.parameters = parameters
        self.signature = signature
        self.headers = headers
        self.body = method == "GET" ? [] : Array(form.utf8)
    }

    /// `application/x-www-form-urlencoded` text of `parameters`, sorted by name: every byte but
    /// `A-Z a-z 0-9 - . _ ~` percent-encoded (space as `%20`), UTF-8.
    public static func formEncode(_ parameters: [String: String]) -> String {
        parameters
            .sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            .map { percentEncode($0.key) + "=" + percentEncode($0.value) }
            .joined(separator: "&")
    }

    /// `text` with every byte outside the unreserved set percent-encoded.
    public static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count * 3)
        for byte in text.utf8 {
            switch byte {
            case 48...57, 65...90, 97...122, 45, 46, 95, 126: out.append(byte)
            default: out += [37, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses a form-encoded text (`+` as space) into parameters, the inverse of `formEncode`.
    public static func formDecode(_ text: String) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = percentDecode(String(parts[0]))
            parameters[name] = parts.count > 1 ? percentDecode(String(parts[1])) : ""
        }
        return parameters
    }

    static func percentDecode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out = [UInt8]()
        var index = 0
        func value(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 48...57: byte - 48
            case 65...70: byte - 55
            case 97...102: byte - 87
            default: nil
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 37, index + 2 < bytes.count, let high = value(bytes[index + 1]),
                let low = value(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte == 43 ? 32 : byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
