/// The one error type of the QFPay module: a stable `code`, a message that names the field at
/// fault, and an optional underlying error. Messages never contain the key.
public struct QFPayError: Error, Sendable, CustomStringConvertible {
    /// Stable identifiers of the kinds of error, for programs and logs.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A request field is missing.
        public static let missingField = Code(rawValue: "missing_field")
        /// A request field has a value QFPay would refuse.
        public static let invalidField = Code(rawValue: "invalid_field")
        /// The configuration is incomplete or wrong (base URL, app code, key).
        public static let invalidConfiguration = Code(rawValue: "invalid_configuration")
        /// The key file can be read by group or others.
        public static let insecureKeyFile = Code(rawValue: "insecure_key_file")
        /// The gateway could not be reached: nothing was sent.
        public static let connectionFailed = Code(rawValue: "connection_failed")
        /// The gateway kept answering HTTP 429 (too many requests): the request was refused each time.
        public static let rateLimited = Code(rawValue: "rate_limited")
        /// The task was cancelled before anything was sent.
        public static let cancelled = Code(rawValue: "cancelled")
        /// A signature is missing or wrong (notifications).
        public static let invalidSignature = Code(rawValue: "invalid_signature")
        /// A body is not the JSON QFPay sends (notifications).
        public static let unparsableBody = Code(rawValue: "unparsable_body")
        /// The gateway refused the request before processing it (an unsigned 1103, 1104 or 1108
        /// answer from its front end, or 1100 maintenance): nothing happened.
        public static let requestRejected = Code(rawValue: "request_rejected")
    }

    /// What kind of error this is.
    public let code: Code
    /// A human message naming the field at fault, if any.
    public let message: String
    /// The request or configuration field at fault, by its QFPay name (`out_trade_no`).
    public let field: String?
    /// The specification's rule a field broke, by a stable name (`goods_name.max_bytes`), for
    /// programs that explain it; nil when the error is not about one rule.
    public let rule: String?
    /// The gateway's code when it refused the request (`requestRejected`).
    public let respcd: ResponseCode?
    /// The error that caused this one.
    public let underlying: (any Error & Sendable)?

    /// An error of kind `code`.
    public init(
        _ code: Code, _ message: String, field: String? = nil, rule: String? = nil, respcd: ResponseCode? = nil,
        underlying: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.field = field
        self.rule = rule
        self.respcd = respcd
        self.underlying = underlying
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
