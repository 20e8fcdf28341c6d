extension SaleInfo {
    /// Where a sale stands, as the till sees it (the daemon's `SaleStatus`, in snake_case on the
    /// wire). docs/payments.md draws the transitions.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        case awaitingScan = "awaiting_scan"
        case submitting
        case pending
        case paid
        case failed
        case cancelling
        case cancelled
        case refunding
        case partiallyRefunded = "partially_refunded"
        case refunded
        case expired
        case needsAttention = "needs_attention"

        /// Whether the sale ended without the customer paying, or needs a person: what
        /// `qfposctl sale --wait` reports with exit status 2.
        public var isUnsuccessful: Bool {
            switch self {
            case .failed, .expired, .cancelled, .needsAttention: true
            default: false
            }
        }
    }

    /// How the customer pays: `scan` (the customer shows a code to the lane's scanner, or the
    /// till passes it) or `qr` (the customer scans a QR code the lane prints).
    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        case scan
        case qr
    }

    /// The customer's wallet.
    public enum Wallet: String, Sendable, Hashable, Codable, CaseIterable {
        case wechat
        case alipay
    }
}
