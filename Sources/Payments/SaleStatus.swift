/// Where a sale stands, as the till and the journal see it.
///
/// The states and their transitions are drawn in docs/payments.md.
public enum SaleStatus: String, Sendable, Codable, CaseIterable {
    /// A barcode sale waiting for the customer's code from the scanner.
    case awaitingScan
    /// The payment request is being written ahead and sent.
    case submitting
    /// The gateway has not settled the payment yet (or its answer was lost): queried on a schedule.
    case pending
    /// Paid in full, nothing refunded.
    case paid
    /// Declined or refused by the gateway: the customer was not charged.
    case failed
    /// The order is being closed (window elapsed or cancelled by the till), then confirmed by query.
    case cancelling
    /// Closed before payment, or reversed: the customer was not charged.
    case cancelled
    /// A refund is in flight.
    case refunding
    /// Paid, and some of it refunded.
    case partiallyRefunded
    /// Paid, and all of it refunded.
    case refunded
    /// No scan came in time, or the dynamic QR code expired unpaid and was closed.
    case expired
    /// The outcome is still unknown after every recovery step; qfpos keeps asking, the till is told.
    case needsAttention

    /// Whether the sale needs no more requests to the gateway unless the till asks for a refund.
    public var isSettled: Bool {
        switch self {
        case .paid, .failed, .cancelled, .partiallyRefunded, .refunded, .expired: true
        case .awaitingScan, .submitting, .pending, .cancelling, .refunding, .needsAttention: false
        }
    }

    /// Whether the customer ends up charged (some amount kept by the shop).
    public var isCharged: Bool { self == .paid || self == .partiallyRefunded }
}
