import Foundation
import QFPay

/// The life of one sale, as a value with no I/O (swift-nio's state-machine pattern).
///
/// Every input is a `mutating func` that returns an `Action` for the owner (the pipeline) to carry
/// out: journal the input when `Action.journal` is set, and only then send the request, start the
/// timer and print the receipt. Replaying a sale's journaled inputs gives back its state.
/// States and transitions: docs/payments.md.
public struct SaleStateMachine: Sendable {
    /// What the owner must do after an input.
    public struct Action: Sendable, Equatable {
        /// A request to the gateway.
        public enum Request: Sendable, Equatable {
            /// `/trade/v1/payment` with the order (and, for barcode, the scanned code).
            case payment
            /// `/trade/v1/query` by the payment's `out_trade_no`.
            case query
            /// `/trade/v1/close` (or reversal) of the payment.
            case close
            /// `/trade/v1/refund` of the payment.
            case refund(RefundOrder)
            /// `/trade/v1/query` by a refund's own `out_trade_no`.
            case queryRefund(RefundOrder)
        }

        /// Append the input to the journal (and wait for the commit) before anything else.
        public var journal: Bool
        /// The request to send, after the journal commit.
        public var request: Request?
        /// Deliver `timerFired` after this delay (replaces any earlier timer of the sale).
        public var timer: Duration?
        /// The receipt to print. A printer problem never changes the sale.
        public var receipt: ReceiptKind?

        public init(journal: Bool = false, request: Request? = nil, timer: Duration? = nil, receipt: ReceiptKind? = nil)
        {
            self.journal = journal
            self.request = request
            self.timer = timer
            self.receipt = receipt
        }

        /// Nothing to do.
        public static let none = Action()
    }

    /// Why an order is being closed.
    private enum CloseReason: Sendable, Equatable {
        case window, till, qrExpiry
    }

    private enum CancelPhase: Sendable, Equatable {
        /// Still polling until the order is old enough to close.
        case waitingForMinimumAge
        /// Close sent, no answer yet.
        case closing
        /// Close answered (or lost): querying to learn what really happened.
        case confirming
    }

    private enum State: Sendable, Equatable {
        case awaitingScan
        case submitting
        case pending
        case cancelling(CancelPhase, CloseReason)
        case paid
        case refunding(RefundOrder, automatic: Bool)
        case failed
        case cancelled
        case expired
        case refunded
    }

    private var state: State
    /// The sale's fixed facts.
    public private(set) var order: SaleOrder
    /// When the sale was created (its first journal entry).
    public let createdAt: Date
    /// QFPay's order number of the payment, once known.
    public private(set) var syssn: String?
    /// The dynamic-QR URL, once issued.
    public private(set) var qrcode: String?
    /// The last response code that decided something, and its meaning.
    public private(set) var lastRespcd: String?
    /// Meaning of `lastRespcd` (or why the outcome is unknown).
    public private(set) var lastMessage: String?
    /// The scanned code, masked.
    public private(set) var maskedCode: String?
    /// Amount the customer paid (0 until paid).
    public private(set) var paidAmount: Int = 0
    /// Sum of refunds that went through.
    public private(set) var refundedAmount: Int = 0
    /// Refunds that went through, in order.
    public private(set) var refunds: [RefundOrder] = []
    /// Refund order numbers ever issued (for the next unique one).
    private var refundsIssued = 0
    /// The till asked to cancel.
    public private(set) var cancelRequested = false
    /// The outcome is still unknown after many attempts.
    public private(set) var needsAttention = false
    private var polls = 0
    private var unknowns = 0
    private var closeAttempts = 0
    private let policy: SalePolicy

    /// A new sale. Barcode sales wait for a scan; dynamic-QR sales are already submitting (their
    /// first journal entry is the payment intent): carry out `start()`.
    public init(order: SaleOrder, createdAt: Date, policy: SalePolicy) {
        self.order = order
        self.createdAt = createdAt
        self.policy = policy
        self.state = order.flow == .barcode ? .awaitingScan : .submitting
    }

    /// The action that follows creation (the creation entry itself is journaled by the owner).
    public func start() -> Action {
        switch state {
        case .awaitingScan: Action(timer: policy.scanTimeout)
        case .submitting: Action(request: .payment)
        default: .none
        }
    }

    /// The sale's status for the till and the journal.
    public var status: SaleStatus {
        let base: SaleStatus =
            switch state {
            case .awaitingScan: .awaitingScan
            case .submitting: .submitting
            case .pending: .pending
            case .cancelling: .cancelling
            case .paid: refundedAmount > 0 ? .partiallyRefunded : .paid
            case .refunding: .refunding
            case .failed: .failed
            case .cancelled: .cancelled
            case .expired: .expired
            case .refunded: .refunded
            }
        return needsAttention && !base.isSettled ? .needsAttention : base
    }

    /// Amount still refundable.
    public var refundableAmount: Int { max(0, paidAmount - refundedAmount) }

    /// The next refund's own merchant order number: the payment's, `R` and a counter.
    public var nextRefundOutTradeNo: String { "\(order.outTradeNo)R\(refundsIssued + 1)" }

    /// Applies one input at time `now`.
    public mutating func apply(_ event: SaleEvent, at now: Date) -> Action {
        switch event {
        case .scanned(let masked, _, let payType): return scanned(masked: masked, payType: payType)
        case .paymentAnswered(let answer): return paymentAnswered(answer, now: now)
        case .paymentUnknown(let reason): return paymentUnknown(reason)
        case .paymentNotSent(let reason): return paymentNotSent(reason)
        case .queried(let orderState): return queried(orderState, now: now)
        case .queryUnknown(let reason): return unknownAgain(reason)
        case .closeAnswered(let answer): return closeAnswered(answer)
        case .closeUnknown(let reason): return closeUnknown(reason)
        case .refundRequested(let refund): return refundRequested(refund)
        case .refundAnswered(let refund, let answer): return refundAnswered(refund, answer)
        case .refundUnknown(let refund, let reason): return refundUnknown(refund, reason)
        case .refundNotSent(let refund, let reason): return refundFailed(refund, respcd: nil, message: reason)
        case .refundQueried(let refund, let orderState): return refundQueried(refund, orderState)
        case .cancelRequested: return cancel(now: now)
        case .timerFired: return timerFired(now: now)
        case .resumed: return resumed()
        case .notified: return notified()
        }
    }

    /// Applies a journaled entry as it happened: its input at its time, and the needs-attention
    /// flag it recorded (the count of unknown answers behind the flag is not journaled).
    public mutating func replay(_ entry: Journal.Entry) {
        if let event = entry.event { _ = apply(event, at: entry.at) }
        if entry.status == .needsAttention, !status.isSettled { needsAttention = true }
    }

    // MARK: - Inputs

    private mutating func scanned(masked: String, payType: PayType) -> Action {
        guard case .awaitingScan = state else { return .none }  // a late scan: the pipeline reports it
        maskedCode = masked
        order.payType = payType
        state = .submitting
        return Action(journal: true, request: .payment)
    }

    private mutating func paymentAnswered(_ answer: GatewayAnswer, now: Date) -> Action {
        guard case .submitting = state else { return .none }  // a stale answer after a restart
        remember(answer)
        if let qr = answer.qrcode { qrcode = qr }
        let qrIssued = order.flow == .dynamicQR && answer.outcome != .failed
        if answer.outcome == .success && !qrIssued {
            return becomePaid(amount: order.amount)
        }
        if answer.outcome == .failed {
            state = .failed
            return Action(journal: true)
        }
        state = .pending
        unknowns = 0
        if cancelRequested { state = .cancelling(.waitingForMinimumAge, .till) }
        return Action(journal: true, timer: nextPoll(now: now), receipt: qrIssued && qrcode != nil ? .qrCode : nil)
    }

    private mutating func paymentUnknown(_ reason: String) -> Action {
        guard case .submitting = state else { return .none }
        lastMessage = reason
        state = cancelRequested ? .cancelling(.waitingForMinimumAge, .till) : .pending
        unknowns = 1
        // The till has given up on the sale: resolve it at the poll pace, not the retry backoff.
        let delay = cancelRequested ? policy.pollDelay(after: 0) : policy.unknownDelay(attempt: 1)
        return Action(journal: true, timer: delay)
    }

    private mutating func paymentNotSent(_ reason: String) -> Action {
        guard case .submitting = state else { return .none }
        lastMessage = reason
        state = .failed
        return Action(journal: true)
    }

    private mutating func queried(_ orderState: OrderState, now: Date) -> Action {
        switch state {
        case .pending, .cancelling(.waitingForMinimumAge, _):
            return pollAnswered(orderState, now: now)
        case .cancelling(.confirming, let reason):
            return confirmAnswered(orderState, reason: reason)
        case .cancelling(.closing, _):
            return .none  // an earlier poll's answer: the close's own confirmation decides
        case .submitting, .awaitingScan, .paid, .refunding, .failed, .cancelled, .expired, .refunded:
            return .none  // a query answer that arrives after the sale moved on
        }
    }

    private mutating func pollAnswered(_ orderState: OrderState, now: Date) -> Action {
        let wasAttention = needsAttention
        unknowns = 0
        needsAttention = false
        switch orderState {
        case .succeeded(let syssn, let amount):
            self.syssn = syssn
            lastRespcd = "0000"
            if cancelRequested { return becomePaidThenRefund(amount: amount) }
            return becomePaid(amount: amount)
        case .pending(let respcd, let syssn):
            polls += 1
            let learned = syssn != nil && self.syssn == nil
            if let syssn { self.syssn = syssn }
            lastRespcd = respcd
            return Action(journal: learned || wasAttention, timer: nextPoll(now: now))
        case .notFound:
            // The payment may still be on its way (answer lost): keep asking until the window ends.
            polls += 1
            return Action(journal: wasAttention, timer: nextPoll(now: now))
        case .failed(let respcd, let meaning):
            lastRespcd = respcd
            lastMessage = meaning
            // A dynamic QR code the gateway let lapse (1142 closed, 1181 expired) expired unpaid.
            let lapsed = order.flow == .dynamicQR && (respcd == "1142" || respcd == "1181")
            state = lapsed ? .expired : .failed
            return Action(journal: true)
        case .closed:
            lastRespcd = "1142"
            lastMessage = "order closed"
            state = cancelRequested ? .cancelled : .failed
            return Action(journal: true)
        case .refunded:
            paidAmount = order.amount
            refundedAmount = order.amount
            state = .refunded
            return Action(journal: true)
        }
    }

    private mutating func confirmAnswered(_ orderState: OrderState, reason: CloseReason) -> Action {
        unknowns = 0
        needsAttention = false
        switch orderState {
        case .succeeded(let syssn, let amount):
            // Paid despite the close (1297, no syssn, or a close that raced the payment): refund.
            self.syssn = syssn
            return becomePaidThenRefund(amount: amount)
        case .pending(let respcd, _):
            lastRespcd = respcd
            closeAttempts += 1
            if closeAttempts < policy.closeAttempts {
                state = .cancelling(.closing, reason)
                return Action(journal: true, request: .close)
            }
            needsAttention = true
            state = .cancelling(.confirming, reason)
            return Action(journal: true, timer: policy.unknownBackoffLimit)
        case .failed, .closed, .notFound:
            state = reason == .qrExpiry ? .expired : .cancelled
            return Action(journal: true, receipt: reason == .till && paidAmount == 0 ? .cancellation : nil)
        case .refunded:
            paidAmount = order.amount
            refundedAmount = order.amount
            state = .refunded
            return Action(journal: true)
        }
    }

    private mutating func unknownAgain(_ reason: String) -> Action {
        switch state {
        case .pending, .cancelling:
            lastMessage = reason
            unknowns += 1
            let flag = unknowns >= policy.unknownAttemptsBeforeAttention && !needsAttention
            if flag { needsAttention = true }
            return Action(journal: flag, timer: policy.unknownDelay(attempt: unknowns))
        case .refunding:
            lastMessage = reason
            unknowns += 1
            let flag = unknowns >= policy.unknownAttemptsBeforeAttention && !needsAttention
            if flag { needsAttention = true }
            return Action(journal: flag, timer: policy.unknownDelay(attempt: unknowns))
        case .awaitingScan, .submitting, .paid, .failed, .cancelled, .expired, .refunded:
            return .none
        }
    }

    private mutating func closeAnswered(_ answer: GatewayAnswer) -> Action {
        guard case .cancelling(.closing, let reason) = state else { return .none }
        remember(answer)
        // Whatever the close said (0000, 1297, no syssn, 1142...), only a query tells whether the
        // customer was charged: a reversal does not prove it.
        state = .cancelling(.confirming, reason)
        return Action(journal: true, request: .query)
    }

    private mutating func closeUnknown(_ reason: String) -> Action {
        guard case .cancelling(.closing, let reason0) = state else { return .none }
        lastMessage = reason
        state = .cancelling(.confirming, reason0)
        unknowns += 1
        return Action(journal: true, timer: policy.unknownDelay(attempt: unknowns))
    }

    private mutating func refundRequested(_ refund: RefundOrder) -> Action {
        guard case .paid = state, refund.amount > 0, refund.amount <= refundableAmount else {
            return .none  // the pipeline refuses these before journaling
        }
        refundsIssued += 1
        state = .refunding(refund, automatic: false)
        return Action(journal: true, request: .refund(refund))
    }

    private mutating func refundAnswered(_ refund: RefundOrder, _ answer: GatewayAnswer) -> Action {
        guard case .refunding(let current, _) = state, current == refund else { return .none }
        remember(answer)
        switch answer.outcome {
        case .success: return refundSucceeded(refund)
        case .pending:
            unknowns += 1
            return Action(journal: true, timer: policy.pollDelay(after: 0))
        case .failed: return refundFailed(refund, respcd: answer.respcd, message: answer.meaning)
        }
    }

    private mutating func refundUnknown(_ refund: RefundOrder, _ reason: String) -> Action {
        guard case .refunding(let current, _) = state, current == refund else { return .none }
        lastMessage = reason
        unknowns += 1
        return Action(journal: true, timer: policy.unknownDelay(attempt: unknowns))
    }

    private mutating func refundQueried(_ refund: RefundOrder, _ orderState: OrderState) -> Action {
        guard case .refunding(let current, _) = state, current == refund else { return .none }
        switch orderState {
        case .succeeded:
            return refundSucceeded(refund)
        case .pending(let respcd, _):
            lastRespcd = respcd
            unknowns += 1
            return Action(timer: policy.pollDelay(after: unknowns))
        case .notFound:
            // The refund never reached the gateway: send it again under the same order number.
            unknowns = 0
            return Action(journal: true, request: .refund(refund))
        case .failed(let respcd, let meaning):
            return refundFailed(refund, respcd: respcd, message: meaning)
        case .closed, .refunded:
            return refundFailed(refund, respcd: nil, message: "refund row reads closed")
        }
    }

    private mutating func cancel(now: Date) -> Action {
        switch state {
        case .awaitingScan:
            cancelRequested = true
            state = .cancelled
            return Action(journal: true)
        case .submitting:
            cancelRequested = true
            return Action(journal: true)
        case .pending:
            cancelRequested = true
            if age(now) >= policy.minimumAgeBeforeClose {
                state = .cancelling(.closing, .till)
                return Action(journal: true, request: .close)
            }
            state = .cancelling(.waitingForMinimumAge, .till)
            return Action(journal: true, timer: min(policy.pollDelay(after: 0), remainingBeforeClose(now)))
        case .cancelling, .paid, .refunding, .failed, .cancelled, .expired, .refunded:
            return .none  // already closing, or settled: the pipeline tells the till to refund instead
        }
    }

    private mutating func timerFired(now: Date) -> Action {
        switch state {
        case .awaitingScan:
            if age(now) >= policy.scanTimeout {
                state = .expired
                lastMessage = "no payment code scanned in time"
                return Action(journal: true)
            }
            return Action(timer: policy.scanTimeout - age(now))
        case .pending, .cancelling(.waitingForMinimumAge, _):
            if let reason = closeReason(now: now) {
                if age(now) >= policy.minimumAgeBeforeClose {
                    state = .cancelling(.closing, reason)
                    return Action(journal: true, request: .close)
                }
                if case .pending = state {
                    state = .cancelling(.waitingForMinimumAge, reason)
                }
            }
            return Action(request: .query)
        case .cancelling(.confirming, _):
            return Action(request: .query)
        case .cancelling(.closing, _):
            return .none  // the close is in flight
        case .refunding(let refund, _):
            return Action(request: .queryRefund(refund))
        case .submitting, .paid, .failed, .cancelled, .expired, .refunded:
            return .none  // a stale timer
        }
    }

    private mutating func resumed() -> Action {
        switch state {
        case .awaitingScan:
            // The customer and the scan are gone with the old process; nothing was sent.
            state = .cancelled
            lastMessage = "abandoned at restart before a code was scanned"
            return Action(journal: true)
        case .submitting:
            // The payment may have been sent: never resend it, ask for it.
            state = cancelRequested ? .cancelling(.waitingForMinimumAge, .till) : .pending
            lastMessage = "outcome unknown after restart"
            return Action(journal: true, request: .query)
        case .pending, .cancelling(.waitingForMinimumAge, _):
            return Action(request: .query)
        case .cancelling(.closing, let reason):
            state = .cancelling(.confirming, reason)
            return Action(journal: true, request: .query)
        case .cancelling(.confirming, _):
            return Action(request: .query)
        case .refunding(let refund, _):
            return Action(request: .queryRefund(refund))
        case .paid, .failed, .cancelled, .expired, .refunded:
            return .none
        }
    }

    private mutating func notified() -> Action {
        switch state {
        case .pending, .cancelling(.waitingForMinimumAge, _), .cancelling(.confirming, _):
            return Action(request: .query)  // a notification alone never marks a sale paid
        case .submitting, .awaitingScan, .cancelling(.closing, _), .paid, .refunding, .failed, .cancelled,
            .expired, .refunded:
            return .none
        }
    }

    // MARK: - Helpers

    private mutating func becomePaid(amount: Int) -> Action {
        paidAmount = amount
        state = .paid
        lastRespcd = "0000"
        return Action(journal: true, receipt: .payment)
    }

    private mutating func becomePaidThenRefund(amount: Int) -> Action {
        paidAmount = amount
        refundsIssued += 1
        let refund = RefundOrder(outTradeNo: "\(order.outTradeNo)R\(refundsIssued)", amount: refundableAmount)
        state = .refunding(refund, automatic: true)
        unknowns = 0
        return Action(journal: true, request: .refund(refund))
    }

    private mutating func refundSucceeded(_ refund: RefundOrder) -> Action {
        guard case .refunding(_, let automatic) = state else { return .none }
        refunds.append(refund)
        refundedAmount += refund.amount
        unknowns = 0
        needsAttention = false
        state = refundedAmount >= paidAmount ? (automatic ? .cancelled : .refunded) : .paid
        if automatic { lastMessage = "paid despite the cancel; refunded in full" }
        return Action(journal: true, receipt: automatic ? .cancellation : .refund(refund))
    }

    private mutating func refundFailed(_ refund: RefundOrder, respcd: String?, message: String?) -> Action {
        guard case .refunding(_, let automatic) = state else { return .none }
        lastRespcd = respcd
        lastMessage = message
        unknowns = 0
        if automatic {
            // The customer is charged for a cancelled sale: keep trying with a new order number.
            needsAttention = true
            refundsIssued += 1
            let retry = RefundOrder(outTradeNo: "\(order.outTradeNo)R\(refundsIssued)", amount: refund.amount)
            state = .refunding(retry, automatic: true)
            return Action(journal: true, timer: policy.unknownBackoffLimit)
        }
        state = .paid
        return Action(journal: true)
    }

    private mutating func remember(_ answer: GatewayAnswer) {
        lastRespcd = answer.respcd
        lastMessage = answer.meaning
        if let syssn = answer.syssn, self.syssn == nil { self.syssn = syssn }
    }

    /// Whole milliseconds since creation. The pipeline passes whole-millisecond instants (the
    /// journal's resolution); rounding to nearest keeps `0.4 - 0.0` from reading as 399 ms.
    private func age(_ now: Date) -> Duration {
        .milliseconds(Int64((now.timeIntervalSince(createdAt) * 1000).rounded()))
    }

    private func remainingBeforeClose(_ now: Date) -> Duration {
        max(.milliseconds(1), policy.minimumAgeBeforeClose - age(now))
    }

    private func closeReason(now: Date) -> CloseReason? {
        if case .cancelling(.waitingForMinimumAge, let reason) = state { return reason }
        if cancelRequested { return .till }
        switch order.flow {
        case .barcode: return age(now) >= policy.pendingWindow ? .window : nil
        case .dynamicQR: return age(now) >= policy.qrExpiry ? .qrExpiry : nil
        }
    }

    /// The next poll: the schedule's delay, shortened so that the window's end or the minimum age
    /// before closing is not overshot.
    private func nextPoll(now: Date) -> Duration {
        var delay = policy.pollDelay(after: polls)
        let limit = order.flow == .barcode ? policy.pendingWindow : policy.qrExpiry
        let untilEnd = limit - age(now)
        if untilEnd > .zero { delay = min(delay, untilEnd) }
        if case .cancelling(.waitingForMinimumAge, _) = state { delay = min(delay, remainingBeforeClose(now)) }
        return max(delay, .milliseconds(1))
    }
}
