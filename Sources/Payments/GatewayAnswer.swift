import Foundation

/// How a gateway answer is to be taken, from its `respcd` as its endpoint means it
/// (`ResponseCode.classification(on:)`; docs/payments.md has the table).
public enum AnswerOutcome: String, Sendable, Codable, Equatable {
    /// 0000: done (for a dynamic-QR payment: order placed, QR code issued).
    case success
    /// Not settled yet (1143 and 1145 on a payment; unknown codes, duplicate order numbers):
    /// ask again by query.
    case pending
    /// Declined or refused: nothing was done.
    case failed
    /// The request was refused before processing (1103, 1104, 1108, 1100): nothing was done.
    case rejected
    /// Close: this order cannot be cancelled (1297).
    case unsupported
    /// Refund: not possible now, may be later (1265, 1269).
    case retryLater
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

/// Which order a query asks about, and around when it was sent.
public struct OrderLookup: Sendable, Equatable {
    public enum Target: Sendable, Equatable {
        /// The sale's payment: by its `syssn` once known, otherwise by its `out_trade_no`.
        case payment(syssn: String?)
        /// One of the sale's refunds, by the refund's own `out_trade_no`.
        case refund
    }

    /// The merchant order number: the payment's or the refund's.
    public var outTradeNo: String
    public var target: Target
    /// When the request was written ahead (its `txdtm`): the query's time range is built around
    /// it, never left to the gateway's default of "this month".
    public var sentAt: Date

    public init(outTradeNo: String, target: Target, sentAt: Date) {
        self.outTradeNo = outTradeNo
        self.target = target
        self.sentAt = sentAt
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
