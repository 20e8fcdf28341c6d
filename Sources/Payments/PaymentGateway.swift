import Foundation
import QFPay

/// The outcome of one gateway call, as the pipeline must treat it.
public enum GatewayCall<Value: Sendable>: Sendable {
    /// A signed and verified answer.
    case answered(Value)
    /// The request may have been processed (timeout, dropped connection, 5xx after sending, bad
    /// response signature): never a failure, resolved by query.
    case outcomeUnknown(String)
    /// The request was never sent (validation, connection refused), or the gateway refused it
    /// before processing (`respcd`): safe, nothing happened.
    case notSent(String, respcd: String? = nil)
}

/// One row of the reconciliation file.
public struct BillRow: Sendable, Equatable {
    public var syssn: String
    public var outTradeNo: String?
    public var amount: Int
    /// `payment`, `refund` or `close`.
    public var orderType: String
    public var respcd: String
    /// For refunds and closes: the payment's `syssn`.
    public var origSyssn: String?

    public init(
        syssn: String, outTradeNo: String?, amount: Int, orderType: String, respcd: String, origSyssn: String? = nil
    ) {
        self.syssn = syssn
        self.outTradeNo = outTradeNo
        self.amount = amount
        self.orderType = orderType
        self.respcd = respcd
        self.origSyssn = origSyssn
    }
}

/// What the pipeline needs from QFPay, in the pipeline's own terms. `QFPayGateway` implements it
/// over `QFPayClient`; the contract for every call: `.answered` only for signed, verified answers.
public protocol PaymentGateway: Sendable {
    /// Checks every field of the order the payment request would carry (all but the customer's
    /// code), as the request's own validation would: a sale QFPay would refuse is refused before
    /// anything is scanned. Throws `PaymentsError(.invalidRequest)` naming the field and the rule.
    func validate(_ order: SaleOrder) throws
    /// `/trade/v1/payment`. `authCode` for barcode sales (sent once, never stored).
    func pay(_ order: SaleOrder, authCode: String?, at: Date) async -> GatewayCall<GatewayAnswer>
    /// `/trade/v1/query` of a sale's payment or one of its refunds, within a time range around
    /// `lookup.sentAt`, the matching row read as the order's state.
    func query(_ lookup: OrderLookup) async -> GatewayCall<OrderState>
    /// `/trade/v1/close` (or the reversal endpoint configured for the pay type).
    func close(_ order: SaleOrder, syssn: String?, at: Date) async -> GatewayCall<GatewayAnswer>
    /// `/trade/v1/refund` of the payment `syssn`, under the refund's own order number.
    func refund(_ refund: RefundOrder, of order: SaleOrder, syssn: String, at: Date) async
        -> GatewayCall<GatewayAnswer>
    /// `/download/v1/trade_bill` for a day (`YYYY-MM-DD`, shop local time).
    func tradeBill(date: String) async -> GatewayCall<[BillRow]>
    /// Where the pipeline runs its gateway calls: the executor of the loop the client's exchanges
    /// run on saves a thread hop each way; nil runs them on Swift's pool.
    var taskExecutor: (any TaskExecutor)? { get }
}

extension PaymentGateway {
    public var taskExecutor: (any TaskExecutor)? { nil }
}
