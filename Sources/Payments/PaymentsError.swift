/// The one error type of the Payments module: a stable code, a message for people, and the
/// underlying error when there is one. A declined payment is a result (a sale's status), not an error.
public struct PaymentsError: Error, Sendable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable {
        /// The journal could not be opened, migrated, or is not durable (`synchronous` is not FULL).
        case journalUnavailable
        /// A journal write failed; the request it guarded was not sent.
        case journalWriteFailed
        /// No sale with this id.
        case saleNotFound
        /// The request does not fit the sale's state (refund of an unpaid sale, cancel of a paid one).
        case invalidState
        /// A refund above the amount still refundable, refused before anything was sent.
        case refundExceedsRemaining
        /// Bad input from the till: amount, order id, flow, or a field QFPay would refuse.
        case invalidRequest
        /// An order id the journal has, with other parameters (`field` names the first that differs).
        case orderConflict
        /// A scanned code that is not a payment code (product barcode, noise): nothing was sent.
        case notAPaymentCode
        /// No sale on this lane is waiting for a scan.
        case noSaleAwaitingScan
        /// The pipeline was stopped.
        case stopped
        /// The gateway could not give the reconciliation file.
        case reconciliationFailed
    }

    /// What went wrong, stable across versions.
    public var code: Code
    /// A message for people; never holds the key or a whole auth code.
    public var message: String
    /// The request field at fault, when there is one (`amount`, `goods_name`).
    public var field: String?
    /// The rule the field broke, by a stable name (`goods_name.max_20_bytes`).
    public var rule: String?
    /// The error underneath, if any.
    public var underlying: (any Error)?

    public init(
        _ code: Code, _ message: String, field: String? = nil, rule: String? = nil, underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.field = field
        self.rule = rule
        self.underlying = underlying
    }

    public var description: String {
        if let underlying { return "\(code.rawValue): \(message) (\(underlying))" }
        return "\(code.rawValue): \(message)"
    }
}
