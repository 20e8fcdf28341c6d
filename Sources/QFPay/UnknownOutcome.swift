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
