import Foundation

/// What one QFPay request came to, for monitoring: the endpoint, how the answer classifies, and
/// how long it took (the budget's wait and 429 retries included). It carries no amount, code,
/// order number or key, so that whatever watches it (metrics, the status page) cannot leak one.
public struct GatewayExchange: Sendable {
    /// How the request ended.
    public enum Outcome: Sendable, Equatable {
        /// A signed, verified answer, classified for its endpoint (`success`, `pending`, ...).
        case answered(respcd: String, classification: ResponseCode.Classification)
        /// Refused before processing (an unsigned 1100/1103/1104/1108), or not sent at all.
        case notSent(respcd: String?)
        /// No answer that can be trusted: timeout, dropped connection, bad signature (resolved by query).
        case unknown(UnknownOutcome.Reason)
    }

    /// The endpoint's last path component: `payment`, `query`, `refund`, `close`, `reversal`.
    public var endpoint: String
    public var outcome: Outcome
    public var duration: Duration
    /// When the request ended, on the wall clock (the status page shows it).
    public var finishedAt: Date

    public init(endpoint: String, outcome: Outcome, duration: Duration, finishedAt: Date = Date()) {
        self.endpoint = endpoint
        self.outcome = outcome
        self.duration = duration
        self.finishedAt = finishedAt
    }

    /// Whether the gateway answered at all (even a refusal or a bad signature): timeouts, lost
    /// connections and transport errors say it could not be reached.
    public var reachedGateway: Bool {
        switch outcome {
        case .unknown(.timedOut), .unknown(.connectionLost), .unknown(.transportError): false
        default: true
        }
    }

    /// The exchange that `result` of a request to `path` came to.
    static func of<R: GatewayResponse>(_ result: GatewayResult<R>, path: String, duration: Duration) -> Self {
        let endpoint = String(path.split(separator: "/").last ?? "")
        let outcome: Outcome
        switch result {
        case .answered(let response):
            let on: ResponseCode.Endpoint =
                switch endpoint {
                case "refund": .refund
                case "close", "reversal": .close
                case "query": .queryRow
                default: .payment
                }
            // A query's own respcd says whether the query was served; its rows say the rest.
            let classification =
                endpoint == "query" && response.respcd.isSuccess ? .success : response.respcd.classification(on: on)
            outcome = .answered(respcd: response.respcd.rawValue, classification: classification)
        case .notSent(let error): outcome = .notSent(respcd: error.respcd?.rawValue)
        case .outcomeUnknown(let unknown): outcome = .unknown(unknown.reason)
        }
        return GatewayExchange(endpoint: endpoint, outcome: outcome, duration: duration)
    }
}
