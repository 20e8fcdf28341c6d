/// What became of a request to QFPay. Only `.answered` carries the gateway's word; the two other
/// cases say whether the request may have been processed.
public enum GatewayResult<Response: Sendable>: Sendable {
    /// The gateway answered, the answer's signature verified, and the body parsed. The outcome is
    /// in the response's `respcd`: a declined payment is an answer, not an error.
    case answered(Response)
    /// The request was sent (or may have been) but no trustworthy answer came: a timeout after
    /// sending, a dropped connection, HTTP 5xx, a missing or wrong response signature, a body that
    /// does not parse. The request may or may not have been processed: resolve by query.
    case outcomeUnknown(UnknownOutcome)
    /// Nothing reached the gateway, or it refused the request before processing it (validation
    /// error, connection refused, rate limited): safe to treat as not happened.
    case notSent(QFPayError)

    /// The response when answered.
    public var response: Response? {
        if case .answered(let response) = self { return response }
        return nil
    }

    /// The same result with the response transformed.
    public func map<Other: Sendable>(_ transform: (Response) -> Other) -> GatewayResult<Other> {
        switch self {
        case .answered(let response): .answered(transform(response))
        case .outcomeUnknown(let unknown): .outcomeUnknown(unknown)
        case .notSent(let error): .notSent(error)
        }
    }
}

/// Why a request's outcome is unknown.
public struct UnknownOutcome: Error, Sendable, CustomStringConvertible {
    /// The kind of failure after the request may have been sent.
    public enum Reason: String, Sendable, Hashable {
        /// No answer within the timeout.
        case timedOut = "timed_out"
        /// The connection dropped before the whole answer came.
        case connectionLost = "connection_lost"
        /// HTTP 5xx.
        case serverError = "server_error"
        /// An HTTP status other than 200, 429 and 5xx.
        case unexpectedStatus = "unexpected_status"
        /// No `X-QF-SIGN` on the answer.
        case missingSignature = "missing_signature"
        /// `X-QF-SIGN` does not match the body.
        case invalidSignature = "invalid_signature"
        /// The signed body is not the JSON QFPay sends.
        case unparsableBody = "unparsable_body"
        /// The task was cancelled while the request was in flight.
        case cancelled
        /// Another transport failure.
        case transportError = "transport_error"
    }

    public let reason: Reason
    /// A human message.
    public let message: String
    /// The HTTP status, when an answer came.
    public let httpStatus: Int?
    /// The body, when one came (unverified: never trust it).
    public let body: [UInt8]

    public init(_ reason: Reason, _ message: String, httpStatus: Int? = nil, body: [UInt8] = []) {
        self.reason = reason
        self.message = message
        self.httpStatus = httpStatus
        self.body = body
    }

    public var description: String {
        "\(reason.rawValue): \(message)" + (httpStatus.map { " (HTTP \($0))" } ?? "")
    }
}
