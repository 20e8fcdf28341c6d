/// How a gateway answer is to be taken, from its `respcd` (qfpay-notes.md, "Codes").
public enum AnswerOutcome: String, Sendable, Codable, Equatable {
    /// 0000: done (for a dynamic-QR payment: order placed, QR code issued).
    case success
    /// 1143, 1145, 1298, 2999, 1161...: not settled yet, ask again by query.
    case pending
    /// Any other code: refused or declined.
    case failed
}

/// A signed and verified gateway answer, reduced to what a sale decides on.
public struct GatewayAnswer: Sendable, Codable, Equatable {
    /// QFPay's `respcd`.
    public var respcd: String
    /// How the code is to be taken.
    public var outcome: AnswerOutcome
    /// QFPay's order number (`syssn`), when the answer carries one.
    public var syssn: String?
    /// For dynamic-QR payments: the URL to print as a QR code.
    public var qrcode: String?
    /// The code's meaning for the cashier.
    public var meaning: String?

    public init(
        respcd: String,
        outcome: AnswerOutcome,
        syssn: String? = nil,
        qrcode: String? = nil,
        meaning: String? = nil
    ) {
        self.respcd = respcd
        self.outcome = outcome
        self.syssn = syssn
        self.qrcode = qrcode
        self.meaning = meaning
    }
}

/// What a query says about one order (a payment or a refund), from its `data` row.
public enum OrderState: Sendable, Codable, Equatable {
    /// Row respcd 0000 and `cancel` 0: the payment (or refund) went through.
    case succeeded(syssn: String, amount: Int)
    /// Row respcd pending (1143, 1145, ...): not settled yet.
    case pending(respcd: String, syssn: String?)
    /// Row with a failure code: not charged.
    case failed(respcd: String, meaning: String?)
    /// `cancel` 1 or 2: closed or reversed, not charged.
    case closed
    /// `cancel` 3 or 5: refunded (wholly or partly) outside this sale's own refunds.
    case refunded
    /// No row for the order number: the gateway never took the request.
    case notFound
}
