/// The answer to `/download/v1/trade_bill`: a zip archive of the day's transactions, or a JSON
/// error. The raw bytes are kept as they came; the layout inside the zip is not public.
public struct TradeBill: Sendable, Hashable {
    /// The raw body bytes.
    public let body: [UInt8]
    /// Whether the body is a zip archive (starts with `PK\x03\x04`).
    public let isZip: Bool
    /// The `respcd` of a JSON answer (an error, or 0000); nil for a zip.
    public let respcd: ResponseCode?
    /// The `resperr` of a JSON answer.
    public let resperr: String?
    /// Whether the answer carried an `X-QF-SIGN` that verified. Zip downloads may come unsigned;
    /// a JSON answer is only accepted signed.
    public let signatureVerified: Bool

    /// Whether a zip archive came.
    public var isSuccess: Bool { isZip }

    /// Reads `body`: a zip, or a JSON object with `respcd`. Throws `unparsableBody` otherwise.
    public init(body: [UInt8], signatureVerified: Bool) throws(QFPayError) {
        self.body = body
        self.signatureVerified = signatureVerified
        if body.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            isZip = true
            respcd = nil
            resperr = nil
        } else {
            let json = try JSONBody.gatewayObject(body, what: "trade_bill")
            isZip = false
            let status = json.gatewayStatus
            respcd = status.respcd
            resperr = status.resperr
        }
    }

    /// Checks a `trade_date` (`YYYY-MM-DD`).
    public static func validate(date: String) throws(QFPayError) { try FieldValidation.tradeDate(date) }
}
