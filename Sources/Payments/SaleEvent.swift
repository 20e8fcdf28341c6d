import QFPay

/// An input to a sale's state machine. Every input that changes the sale or precedes a request
/// that is not a query is appended to the journal before the request is sent; replaying a sale's
/// inputs through `SaleStateMachine` gives its current state.
public enum SaleEvent: Sendable, Codable, Equatable {
    /// The customer's code was scanned (stored masked and hashed, never whole). The payment intent.
    case scanned(maskedCode: String, codeHash: String, payType: PayType)
    /// The gateway answered the payment request.
    case paymentAnswered(GatewayAnswer)
    /// The payment request may have been processed but no trustworthy answer came back.
    case paymentUnknown(reason: String)
    /// The payment request was never sent (validation, connection refused), or the gateway's front
    /// end refused it before processing (`respcd` 1103, 1104, 1108, 1100): nothing was charged.
    case paymentNotSent(reason: String, respcd: String? = nil)
    /// A query of the payment's `out_trade_no` answered.
    case queried(OrderState)
    /// A query gave no trustworthy answer.
    case queryUnknown(reason: String)
    /// The gateway answered the close (cancel) request.
    case closeAnswered(GatewayAnswer)
    /// The close request's outcome is unknown (or it could not be sent).
    case closeUnknown(reason: String)
    /// The till (or operator) asked for a refund. The refund intent.
    case refundRequested(RefundOrder)
    /// The gateway answered a refund request.
    case refundAnswered(RefundOrder, GatewayAnswer)
    /// A refund request's outcome is unknown.
    case refundUnknown(RefundOrder, reason: String)
    /// A refund request could not be sent, or was refused unprocessed (`respcd`): nothing was refunded.
    case refundNotSent(RefundOrder, reason: String, respcd: String? = nil)
    /// A query of a refund's own `out_trade_no` answered.
    case refundQueried(RefundOrder, OrderState)
    /// The till cancelled the sale.
    case cancelRequested
    /// The timer the last action asked for fired.
    case timerFired
    /// The pipeline restarted with this sale unfinished.
    case resumed
    /// A verified notification arrived for this sale's order: confirm it by query.
    case notified(notifyType: String)

    /// A short name for logs and the journal's `kind` column.
    public var kind: String {
        switch self {
        case .scanned: "scanned"
        case .paymentAnswered: "payment-answered"
        case .paymentUnknown: "payment-unknown"
        case .paymentNotSent: "payment-not-sent"
        case .queried: "queried"
        case .queryUnknown: "query-unknown"
        case .closeAnswered: "close-answered"
        case .closeUnknown: "close-unknown"
        case .refundRequested: "refund-requested"
        case .refundAnswered: "refund-answered"
        case .refundUnknown: "refund-unknown"
        case .refundNotSent: "refund-not-sent"
        case .refundQueried: "refund-queried"
        case .cancelRequested: "cancel-requested"
        case .timerFired: "timer-fired"
        case .resumed: "resumed"
        case .notified: "notified"
        }
    }
}
