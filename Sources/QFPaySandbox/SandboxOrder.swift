import Foundation
import QFPay

/// Where an order stands in the sandbox's ledger.
public enum SandboxOrderState: String, Sendable, Hashable, CaseIterable {
    /// Placed, not paid yet (barcode in progress, or a QR code not yet scanned).
    case pending
    /// Paid: the customer was charged (refunds may have returned part of it).
    case paid
    /// Closed before payment: nothing was charged.
    case closed
    /// Paid, then cancelled by a close: the money went back to the customer.
    case reversed
    /// Declined or expired: nothing was charged.
    case failed
}

/// A refund of a paid order.
public struct SandboxRefund: Sendable, Hashable {
    /// The refund's own QFPay order number.
    public var syssn: String
    /// The merchant's order number for the refund (distinct from the payment's).
    public var outTradeNo: String
    public var amount: Int
    /// The `txdtm` the merchant sent.
    public var requestTime: String
    /// Sandbox time the refund was made.
    public var time: Date
}

/// A close (cancel) of an order: of an unpaid one (closed) or a paid one (reversed).
public struct SandboxClose: Sendable, Hashable {
    /// The close's own QFPay order number; `nil` when the close answered without one.
    public var syssn: String?
    /// The path the close came in on: `/trade/v1/close` or `/trade/v1/reversal`.
    public var endpoint: String
    /// Whether money went back to the customer (the order was paid).
    public var reversed: Bool
    public var requestTime: String
    public var time: Date
}

/// A payment order as the sandbox's ledger holds it.
public struct SandboxOrder: Sendable, Hashable {
    /// QFPay's order number.
    public var syssn: String
    /// The merchant's order number.
    public var outTradeNo: String
    public var mchid: String
    public var payType: PayType
    /// Amount in the currency's minimal unit.
    public var amount: Int
    public var currency: String
    public var goodsName: String?
    /// The customer's payment code (barcode payments).
    public var authCode: String?
    /// The scenario the auth code selected (`.success` for QR orders).
    public var scenario: SandboxScenario
    public var state: SandboxOrderState
    /// The code a query row shows: 0000 paid, 1143 pending, or the failure code.
    public var respcd: String
    /// The `txdtm` the merchant sent.
    public var requestTime: String
    /// Sandbox time the order was placed.
    public var createdAt: Date
    /// Sandbox time the customer paid.
    public var paidAt: Date?
    /// The URL the dynamic QR code holds (QR orders).
    public var qrcode: String?
    /// When an unpaid QR order expires (QR orders).
    public var expiresAt: Date?
    /// The customer's wallet identity (`cardcd`).
    public var cardcd: String
    /// Refunds, oldest first.
    public var refunds: [SandboxRefund]
    /// The close that ended the order, if any.
    public var close: SandboxClose?
    /// How many queries have seen this order while it was pending.
    public var pendingQueriesSeen: Int
    /// Refunds refused so far with 1143 (`refundNotPassedOnce`).
    public var refundsNotPassed = 0
    /// How many closes were refused (1297, or answered without `syssn`) while the order was unpaid.
    public var refusedCloses: Int = 0
    /// Queries that reached the order since its first refused close (`pendingCloseUnsupported`);
    /// `nil` before any close was refused.
    public var queriesAfterRefusedClose: Int?

    /// Total refunded so far.
    public var refundedAmount: Int { refunds.reduce(0) { $0 + $1.amount } }

    /// What the customer is out of pocket for this order: the amount if paid, less refunds; zero
    /// when it was never paid or was reversed.
    public var chargedAmount: Int { state == .paid ? amount - refundedAmount : 0 }

    /// What can still be refunded.
    public var refundableAmount: Int { chargedAmount }
}
