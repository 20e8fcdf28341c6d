/// What every QFPay answer carries. Each response keeps the raw body bytes it was parsed from
/// (and whose signature was verified).
public protocol GatewayResponse: Sendable {
    /// `respcd` at the top level of the answer.
    var respcd: ResponseCode { get }
    /// `resperr`, the information text (often Chinese).
    var resperr: String { get }
    /// `respmsg`, debug information.
    var respmsg: String { get }
    /// Every top-level scalar field as text, including those not modelled.
    var fields: [String: String] { get }
    /// The raw body bytes.
    var body: [UInt8] { get }

    /// Parses a verified body. Throws `QFPayError` with code `unparsableBody` when it is not the
    /// JSON object QFPay sends.
    init(body: [UInt8]) throws(QFPayError)
}

extension JSONBody {
    /// The body's object with a `respcd`, or an `unparsableBody` error.
    static func gatewayObject(_ bytes: [UInt8], what: String) throws(QFPayError) -> JSONBody {
        guard let json = JSONBody(bytes: bytes) else {
            throw QFPayError(.unparsableBody, "the \(what) answer is not a JSON object (\(bytes.count) bytes)")
        }
        guard let respcd = json.string("respcd"), !respcd.isEmpty else {
            throw QFPayError(.unparsableBody, "the \(what) answer has no respcd", field: "respcd")
        }
        return json
    }

    /// `respcd` (present: `gatewayObject` checked), `resperr` and `respmsg` (empty when absent).
    var gatewayStatus: (respcd: ResponseCode, resperr: String, respmsg: String) {
        (ResponseCode(rawValue: string("respcd")!), string("resperr") ?? "", string("respmsg") ?? "")
    }
}
