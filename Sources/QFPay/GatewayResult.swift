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
