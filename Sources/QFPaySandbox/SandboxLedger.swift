import Foundation
import QFPay
import Synchronization

/// A request the sandbox received, as tests inspect it.
public struct SandboxRequestRecord: Sendable, Hashable {
    /// The path: `/trade/v1/payment`, ...
    public var path: String
    /// The parameters as received (raw UTF-8 values).
    public var parameters: [String: String]
    /// The `respcd` answered; `nil` when no JSON answer was made (fault before processing, zip).
    public var respcd: String?
    /// The fault applied, if any.
    public var fault: SandboxFault?
    /// Sandbox time of arrival.
    public var time: Date
}

/// A notification the sandbox sends, and how its delivery went.
public struct SandboxNotification: Sendable, Hashable {
    /// `payment`, `refund` or `close`.
    public var notifyType: String
    /// The `syssn` the notification is about (the refund's or close's own when it has one).
    public var syssn: String
    /// The exact JSON body sent.
    public var body: String
    /// Attempts made so far.
    public var attempts: Int
    /// Whether the receiver answered `SUCCESS`.
    public var delivered: Bool
}

/// Everything the sandbox gateway knows: orders with their refunds and closes, requests received
/// and notifications sent. Thread-safe; tests read it through the methods below.
public final class SandboxLedger: Sendable {
    let state = Mutex(LedgerState())

    init() {}

    /// Every order, oldest first.
    public func orders() -> [SandboxOrder] { state.withLock { $0.orders } }

    /// The order with this QFPay order number (a payment's syssn, or one of its refunds' or close's).
    public func order(syssn: String) -> SandboxOrder? {
        state.withLock { state in state.orderIndex(syssn: syssn).map { state.orders[$0] } }
    }

    /// The order with this merchant order number (the payment's, or one of its refunds').
    public func order(outTradeNo: String) -> SandboxOrder? {
        state.withLock { state in state.orderIndex(outTradeNo: outTradeNo).map { state.orders[$0] } }
    }

    /// What the customer of this order is out of pocket (0 when unknown, unpaid or reversed).
    public func chargedAmount(outTradeNo: String) -> Int { order(outTradeNo: outTradeNo)?.chargedAmount ?? 0 }

    /// What all customers are out of pocket together: paid orders less refunds.
    public func totalCharged() -> Int { state.withLock { $0.orders.reduce(0) { $0 + $1.chargedAmount } } }

    /// Every request received, oldest first.
    public func requests() -> [SandboxRequestRecord] { state.withLock { $0.requests } }

    /// The requests received on `path`, oldest first.
    public func requests(path: String) -> [SandboxRequestRecord] {
        state.withLock { $0.requests.filter { $0.path == path } }
    }

    /// Every notification, oldest first.
    public func notifications() -> [SandboxNotification] { state.withLock { $0.notifications } }
}

/// The ledger's contents, changed only under `SandboxLedger.state`'s lock.
struct LedgerState {
    var orders: [SandboxOrder] = []
    var requests: [SandboxRequestRecord] = []
    var notifications: [SandboxNotification] = []
    /// QR orders that a timer or the clock will pay: syssn → when.
    var autoPayAt: [String: Date] = [:]
    private var sequence = 0
    private var bySyssn: [String: Int] = [:]
    private var byOutTradeNo: [String: Int] = [:]

    /// A new 26-digit QFPay order number for `date`.
    mutating func nextSyssn(day: String) -> String {
        sequence += 1
        let number = String(sequence)
        return day + "00010002" + String(repeating: "0", count: max(0, 10 - number.count)) + number
    }

    func orderIndex(syssn: String) -> Int? { bySyssn[syssn] }
    func orderIndex(outTradeNo: String) -> Int? { byOutTradeNo[outTradeNo] }

    /// Whether `outTradeNo` is the payment's own order number (not one of its refunds').
    func isPaymentNumber(_ outTradeNo: String) -> Bool {
        byOutTradeNo[outTradeNo].map { orders[$0].outTradeNo == outTradeNo } ?? false
    }

    mutating func insert(_ order: SandboxOrder) -> Int {
        orders.append(order)
        let index = orders.count - 1
        bySyssn[order.syssn] = index
        byOutTradeNo[order.outTradeNo] = index
        return index
    }

    mutating func addRefund(_ refund: SandboxRefund, to index: Int) {
        orders[index].refunds.append(refund)
        bySyssn[refund.syssn] = index
        byOutTradeNo[refund.outTradeNo] = index
    }

    mutating func setClose(_ close: SandboxClose, on index: Int) {
        orders[index].close = close
        if let syssn = close.syssn { bySyssn[syssn] = index }
    }
}
