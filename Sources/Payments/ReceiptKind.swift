/// Which receipt a transition prints.
public enum ReceiptKind: Sendable, Equatable {
    /// The dynamic QR code for the customer to scan.
    case qrCode
    /// Payment receipt.
    case payment
    /// Cancellation slip (the till cancelled; the customer was not charged or was refunded in full).
    case cancellation
    /// One refund's receipt.
    case refund(RefundOrder)
}
