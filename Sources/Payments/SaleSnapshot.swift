import Foundation
import QFPay

/// A sale as the till sees it: the payload of every update event and of every API answer.
public struct SaleSnapshot: Sendable, Equatable {
    public var saleID: String
    public var order: SaleOrder
    public var status: SaleStatus
    /// The last response code that decided something, and its meaning for the cashier.
    public var respcd: String?
    public var message: String?
    public var syssn: String?
    /// The dynamic-QR URL, once issued.
    public var qrcode: String?
    /// The scanned code, masked (`1346••••••••4254`).
    public var maskedCode: String?
    public var paidAmount: Int
    public var refundedAmount: Int
    /// Refunds that went through.
    public var refunds: [RefundOrder]
    public var createdAt: Date
    public var updatedAt: Date

    init(_ machine: SaleStateMachine, updatedAt: Date) {
        saleID = machine.order.saleID
        order = machine.order
        status = machine.status
        respcd = machine.lastRespcd
        message = machine.lastMessage
        syssn = machine.syssn
        qrcode = machine.qrcode
        maskedCode = machine.maskedCode
        paidAmount = machine.paidAmount
        refundedAmount = machine.refundedAmount
        refunds = machine.refunds
        createdAt = machine.createdAt
        self.updatedAt = updatedAt
    }
}

/// What the till asks for to start a sale.
public struct SaleRequest: Sendable, Equatable {
    /// The till's order id: the idempotency key (a retried start returns the existing sale).
    public var orderID: String
    /// Amount in the currency's minimal unit.
    public var amount: Int
    public var currency: String
    public var flow: SaleFlow
    /// For barcode sales: the wallet if the till knows it (otherwise settled from the scanned
    /// code, or all-in-one 800008). For dynamic QR: required.
    public var wallet: Wallet?
    public var lane: String
    public var goodsName: String?
    /// The customer's code when the till scanned it itself (sent once, never stored whole).
    public var authCode: String?

    public init(
        orderID: String, amount: Int, currency: String = "JPY", flow: SaleFlow, wallet: Wallet? = nil,
        lane: String, goodsName: String? = nil, authCode: String? = nil
    ) {
        self.orderID = orderID
        self.amount = amount
        self.currency = currency
        self.flow = flow
        self.wallet = wallet
        self.lane = lane
        self.goodsName = goodsName
        self.authCode = authCode
    }
}

/// Which sales `PaymentPipeline.sales(_:)` lists.
public struct SaleFilter: Sendable, Equatable {
    public var statuses: Set<SaleStatus>?
    public var lane: String?
    public var limit: Int

    public init(statuses: Set<SaleStatus>? = nil, lane: String? = nil, limit: Int = 100) {
        self.statuses = statuses
        self.lane = lane
        self.limit = limit
    }
}
