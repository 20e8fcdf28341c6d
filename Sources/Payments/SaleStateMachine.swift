import Foundation
import QFPay
import WallClock

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
            /// `/trade/v1/query` of the payment (by its `syssn` once known, else its `out_trade_no`).
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
        /// The order still read pending after a close: the next close waits for its backoff.
        case retryingClose
        /// No more closes (unsupported, or every attempt spent): the order is queried with
        /// backoff until the gateway reports it final. Paid: refunded; closed or expired: cancelled.
        case followingUp
    }

    private enum State: Sendable, Equatable {
        case awaitingScan
        case submitting
        case pending
        case cancelling(CancelPhase, CloseReason)
        case paid
        case refunding(RefundOrder, automatic: Bool)
        /// Charged for a sale that was cancelled, and the automatic refund did not go through: the
        /// next one (`retry`) or only a check of the payment waits for the timer.
        case refundHeld(RefundOrder, retry: Bool)
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
    /// The outcome is still unknown after many attempts, or money is held that qfpos could not
    /// give back: a person should look (qfpos keeps checking on a slow schedule).
    public private(set) var needsAttention = false
    /// When the payment request was written ahead (its `txdtm`): queries look around this time.
    public private(set) var paymentSentAt: Date?
    /// When the current refund request was written ahead: its queries look around this time.
    public private(set) var refundSentAt: Date?
    /// Whether the gateway has acknowledged the order (a payment answer or a query row).
    public private(set) var acknowledged = false
    /// Whether the gateway said this order cannot be cancelled (1297, or a close answer without
    /// `syssn`): no more closes are sent.
    public private(set) var closeUnsupported = false
    /// Since when the order has been followed up by queries only.
    public private(set) var followUpSince: Date?
    /// Whether a close answered 0000 with its own `syssn`: a later "not found" then means closed.
    private var closeSucceeded = false
    private var polls = 0
    private var unknowns = 0
    private var closeAttempts = 0
    private var followUpQueries = 0
    private var automaticRefundFailures = 0
    private let policy: SalePolicy

    /// A new sale. Barcode sales wait for a scan; dynamic-QR sales are already submitting (their
    /// first journal entry is the payment intent): carry out `start()`.
    public init(order: SaleOrder, createdAt: Date, policy: SalePolicy) {
        self.order = order
        self.createdAt = createdAt
        self.policy = policy
        self.state = order.flow == .barcode ? .awaitingScan : .submitting
        if order.flow == .dynamicQR { paymentSentAt = createdAt }
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
            case .refunding, .refundHeld: .refunding
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

    /// Whether a payment request went out (or may have): the sale must be resolved at the gateway.
    public var paymentMayHaveBeenSent: Bool { paymentSentAt != nil }

    /// Applies one input at time `now`.
    public mutating func apply(_ event: SaleEvent, at now: Date) -> Action {
        switch event {
        case .scanned(let masked, _, let payType): return scanned(masked: masked, payType: payType, now: now)
        case .paymentAnswered(let answer): return paymentAnswered(answer, now: now)
        case .paymentUnknown(let reason): return paymentUnknown(reason)
        case .paymentNotSent(let reason, let respcd): return paymentNotSent(reason, respcd: respcd)
        case .queried(let orderState): return queried(orderState, now: now)
        case .queryUnknown(let reason): return unknownAgain(reason)
        case .closeAnswered(let answer): return closeAnswered(answer, now: now)
        case .closeUnknown(let reason): return closeUnknown(reason)
        case .refundRequested(let refund): return refundRequested(refund, now: now)
        case .refundAnswered(let refund, let answer): return refundAnswered(refund, answer, now: now)
        case .refundUnknown(let refund, let reason): return refundUnknown(refund, reason)
        case .refundNotSent(let refund, let reason, let respcd):
            let outcome: AnswerOutcome = respcd == nil ? .retryLater : .rejected
            return refundFailed(refund, respcd: respcd, message: reason, outcome: outcome, now: now)
        case .refundQueried(let refund, let orderState): return refundQueried(refund, orderState, now: now)
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

    private mutating func scanned(masked: String, payType: PayType, now: Date) -> Action {
        guard case .awaitingScan = state else { return .none }  // a late scan: the pipeline reports it
        maskedCode = masked
        order.payType = payType
        paymentSentAt = now
        state = .submitting
        return Action(journal: true, request: .payment)
    }

    private mutating func paymentAnswered(_ answer: GatewayAnswer, now: Date) -> Action {
        guard case .submitting = state else { return .none }  // a stale answer after a restart
        remember(answer, learnSyssn: true)
        if let qr = answer.qrcode { qrcode = qr }
        acknowledged = true
        switch answer.outcome {
        case .failed, .rejected, .unsupported, .retryLater:
            state = cancelRequested ? .cancelled : .failed
            return Action(journal: true)
        case .success, .pending:
            break
        }
        let qrIssued = order.flow == .dynamicQR
        if answer.outcome == .success && !qrIssued {
            // Paid, but the till cancelled while the request was in flight: give the money back.
            if cancelRequested { return becomePaidThenRefund(amount: order.amount, now: now) }
            return becomePaid(amount: order.amount)
        }
        state = .pending
        unknowns = 0
        if cancelRequested { state = .cancelling(.waitingForMinimumAge, .till) }
        // A QR code is shown only for a sale the till still wants.
        let showQR = qrIssued && qrcode != nil && !cancelRequested
        return Action(journal: true, timer: nextPoll(now: now), receipt: showQR ? .qrCode : nil)
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

    private mutating func paymentNotSent(_ reason: String, respcd: String?) -> Action {
        guard case .submitting = state else { return .none }
        lastMessage = reason
        if let respcd { lastRespcd = respcd }
        // Nothing reached the gateway (or its front end refused the request unprocessed).
        state = cancelRequested ? .cancelled : .failed
        return Action(journal: true)
    }

    private mutating func queried(_ orderState: OrderState, now: Date) -> Action {
        switch state {
        case .pending, .cancelling(.waitingForMinimumAge, _):
            return pollAnswered(orderState, now: now)
        case .cancelling(.confirming, let reason):
            return confirmAnswered(orderState, reason: reason, now: now)
        case .cancelling(.followingUp, let reason):
            return followUpAnswered(orderState, reason: reason, now: now)
        case .refundHeld(let next, let retry):
            return heldRefundChecked(orderState, next: next, retry: retry, now: now)
        case .cancelling(.closing, _), .cancelling(.retryingClose, _):
            return .none  // an earlier poll's answer: the close and its own confirmation decide
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
            acknowledged = true
            lastRespcd = "0000"
            if cancelRequested { return becomePaidThenRefund(amount: amount, now: now) }
            return becomePaid(amount: amount)
        case .pending(let respcd, let syssn):
            polls += 1
            let learned = (syssn != nil && self.syssn == nil) || !acknowledged
            if let syssn, self.syssn == nil { self.syssn = syssn }
            acknowledged = true
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
            state = lapsed ? .expired : (cancelRequested ? .cancelled : .failed)
            return Action(journal: true)
        case .closed:
            lastRespcd = "1142"
            lastMessage = "order closed at the gateway / 注文はクローズされました"
            state = cancelRequested ? .cancelled : (order.flow == .dynamicQR ? .expired : .failed)
            return Action(journal: true)
        case .refunded:
            return becomeRefundedElsewhere()
        }
    }

    private mutating func confirmAnswered(_ orderState: OrderState, reason: CloseReason, now: Date) -> Action {
        unknowns = 0
        needsAttention = false
        switch orderState {
        case .succeeded(let syssn, let amount):
            // Paid despite the close (1297, no syssn, or a close that raced the payment): refund.
            self.syssn = syssn
            return becomePaidThenRefund(amount: amount, now: now)
        case .pending(let respcd, _):
            lastRespcd = respcd
            acknowledged = true
            return stillPendingAfterClose(reason: reason, now: now)
        case .notFound where (acknowledged || syssn != nil) && !closeSucceeded:
            // The gateway knew the order and did not say it closed it: "not found" now proves
            // nothing. Ask again.
            return stillPendingAfterClose(reason: reason, now: now)
        case .failed, .closed, .notFound:
            return becomeCancelled(reason: reason)
        case .refunded:
            return becomeRefundedElsewhere()
        }
    }

    /// After a close the order still reads pending: close again after a backoff, unless closing is
    /// unsupported or every attempt is spent; then follow the order up by queries only.
    private mutating func stillPendingAfterClose(reason: CloseReason, now: Date) -> Action {
        if !closeUnsupported {
            closeAttempts += 1
            if closeAttempts < policy.closeAttempts {
                state = .cancelling(.retryingClose, reason)
                return Action(journal: true, timer: policy.unknownDelay(attempt: closeAttempts))
            }
        }
        return startFollowUp(reason: reason, now: now)
    }

    private mutating func startFollowUp(reason: CloseReason, now: Date) -> Action {
        let wasFollowing = state == .cancelling(.followingUp, reason)
        state = .cancelling(.followingUp, reason)
        if followUpSince == nil { followUpSince = now }
        followUpQueries = 0
        return Action(journal: !wasFollowing, timer: policy.followUpDelay(after: 0))
    }

    private mutating func followUpAnswered(_ orderState: OrderState, reason: CloseReason, now: Date) -> Action {
        unknowns = 0
        switch orderState {
        case .succeeded(let syssn, let amount):
            // The customer paid after all (confirmed on the phone while the close was refused).
            self.syssn = syssn
            needsAttention = false
            return becomePaidThenRefund(amount: amount, now: now)
        case .pending(let respcd, _):
            lastRespcd = respcd
            acknowledged = true
            return followUpNext()
        case .notFound where (acknowledged || syssn != nil) && !closeSucceeded:
            return followUpNext()
        case .failed, .closed, .notFound:
            needsAttention = false
            return becomeCancelled(reason: reason)
        case .refunded:
            needsAttention = false
            return becomeRefundedElsewhere()
        }
    }

    private mutating func followUpNext() -> Action {
        followUpQueries += 1
        return Action(timer: needsAttention ? policy.attentionInterval : policy.followUpDelay(after: followUpQueries))
    }

    private mutating func unknownAgain(_ reason: String) -> Action {
        switch state {
        case .pending, .cancelling, .refunding, .refundHeld:
            lastMessage = reason
            unknowns += 1
            let flag = unknowns >= policy.unknownAttemptsBeforeAttention && !needsAttention
            if flag { needsAttention = true }
            return Action(journal: flag, timer: policy.retryDelay(attempt: unknowns))
        case .awaitingScan, .submitting, .paid, .failed, .cancelled, .expired, .refunded:
            return .none
        }
    }

    private mutating func closeAnswered(_ answer: GatewayAnswer, now: Date) -> Action {
        guard case .cancelling(.closing, let reason) = state else { return .none }
        // The close's `syssn` is the close's own number, never the payment's.
        remember(answer, learnSyssn: false)
        // The specification: 1297, or an answer without syssn, means this order cannot be cancelled.
        if answer.outcome == .unsupported || (answer.outcome == .success && answer.syssn == nil) {
            closeUnsupported = true
        } else if answer.outcome == .success {
            closeSucceeded = true
        }
        // Whatever the close said, only a query tells whether the customer was charged: a
        // reversal does not prove it.
        state = .cancelling(.confirming, reason)
        return Action(journal: true, request: .query)
    }

    private mutating func closeUnknown(_ reason: String) -> Action {
        guard case .cancelling(.closing, let reason0) = state else { return .none }
        lastMessage = reason
        state = .cancelling(.confirming, reason0)
        unknowns += 1
        return Action(journal: true, timer: policy.retryDelay(attempt: unknowns))
    }

    private mutating func refundRequested(_ refund: RefundOrder, now: Date) -> Action {
        guard case .paid = state, refund.amount > 0, refund.amount <= refundableAmount else {
            return .none  // the pipeline refuses these before journaling
        }
        refundsIssued += 1
        refundSentAt = now
        state = .refunding(refund, automatic: false)
        return Action(journal: true, request: .refund(refund))
    }

    private mutating func refundAnswered(_ refund: RefundOrder, _ answer: GatewayAnswer, now: Date) -> Action {
        guard case .refunding(let current, _) = state, current == refund else { return .none }
        remember(answer, learnSyssn: false)
        switch answer.outcome {
        case .success: return refundSucceeded(refund)
        case .pending:
            unknowns += 1
            return Action(journal: true, timer: policy.pollDelay(after: 0))
        case .failed, .rejected, .unsupported, .retryLater:
            return refundFailed(
                refund, respcd: answer.respcd, message: answer.meaning, outcome: answer.outcome, now: now)
        }
    }

    private mutating func refundUnknown(_ refund: RefundOrder, _ reason: String) -> Action {
        guard case .refunding(let current, _) = state, current == refund else { return .none }
        lastMessage = reason
        unknowns += 1
        let flag = unknowns >= policy.unknownAttemptsBeforeAttention && !needsAttention
        if flag { needsAttention = true }
        return Action(journal: true, timer: policy.retryDelay(attempt: unknowns))
    }

    private mutating func refundQueried(_ refund: RefundOrder, _ orderState: OrderState, now: Date) -> Action {
        guard case .refunding(let current, _) = state, current == refund else { return .none }
        switch orderState {
        case .succeeded:
            return refundSucceeded(refund)
        case .pending(let respcd, _):
            lastRespcd = respcd
            unknowns += 1
            let flag = unknowns >= policy.unknownAttemptsBeforeAttention && !needsAttention
            if flag { needsAttention = true }
            return Action(journal: flag, timer: policy.retryDelay(attempt: unknowns))
        case .notFound:
            // The refund never reached the gateway: send it again under the same order number.
            // The count of attempts is kept, so that each lost resend waits longer.
            unknowns += 1
            if unknowns >= policy.unknownAttemptsBeforeAttention { needsAttention = true }
            return Action(journal: true, request: .refund(refund))
        case .failed(let respcd, let meaning):
            return refundFailed(refund, respcd: respcd, message: meaning, outcome: .failed, now: now)
        case .closed, .refunded:
            return refundFailed(refund, respcd: nil, message: "refund row reads closed", outcome: .failed, now: now)
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
        case .cancelling, .paid, .refunding, .refundHeld, .failed, .cancelled, .expired, .refunded:
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
        case .cancelling(.retryingClose, let reason):
            state = .cancelling(.closing, reason)
            return Action(journal: true, request: .close)
        case .cancelling(.followingUp, _):
            if !needsAttention, let since = followUpSince, elapsed(since, now) >= policy.followUpDuration {
                // The gateway has not settled the order within the follow-up time: a person should
                // look. qfpos keeps asking, on the slow schedule.
                needsAttention = true
                lastMessage =
                    "the gateway has not settled the order after \(policy.followUpDuration.minutesText); "
                    + "still checking / ゲートウェイで注文が確定していません（確認を続けます）"
                return Action(journal: true, request: .query)
            }
            return Action(request: .query)
        case .cancelling(.closing, _):
            return .none  // the close is in flight
        case .refunding(let refund, _):
            return Action(request: .queryRefund(refund))
        case .refundHeld:
            // Before another refund, ask what the payment is now (someone may have refunded it).
            return Action(request: .query)
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
        case .pending, .cancelling(.waitingForMinimumAge, _), .cancelling(.followingUp, _), .refundHeld:
            return Action(request: .query)
        case .cancelling(.closing, let reason), .cancelling(.retryingClose, let reason):
            // A close may have gone out: learn what it did before anything else.
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
        case .pending, .cancelling(.waitingForMinimumAge, _), .cancelling(.confirming, _),
            .cancelling(.followingUp, _), .refundHeld:
            return Action(request: .query)  // a notification alone never marks a sale paid
        case .refunding(let refund, _):
            return Action(request: .queryRefund(refund))
        case .submitting, .awaitingScan, .cancelling(.closing, _), .cancelling(.retryingClose, _), .paid, .failed,
            .cancelled, .expired, .refunded:
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

    private mutating func becomePaidThenRefund(amount: Int, now: Date) -> Action {
        paidAmount = amount
        refundsIssued += 1
        let refund = RefundOrder(outTradeNo: "\(order.outTradeNo)R\(refundsIssued)", amount: refundableAmount)
        state = .refunding(refund, automatic: true)
        refundSentAt = now
        unknowns = 0
        return Action(journal: true, request: .refund(refund))
    }

    private mutating func becomeCancelled(reason: CloseReason) -> Action {
        state = reason == .qrExpiry ? .expired : .cancelled
        return Action(journal: true, receipt: reason == .till && paidAmount == 0 ? .cancellation : nil)
    }

    /// The payment reads refunded although this sale refunded nothing (a refund made elsewhere).
    private mutating func becomeRefundedElsewhere() -> Action {
        paidAmount = order.amount
        refundedAmount = order.amount
        state = .refunded
        return Action(journal: true)
    }

    private mutating func refundSucceeded(_ refund: RefundOrder) -> Action {
        guard case .refunding(_, let automatic) = state else { return .none }
        refunds.append(refund)
        refundedAmount += refund.amount
        unknowns = 0
        needsAttention = false
        state = refundedAmount >= paidAmount ? (automatic ? .cancelled : .refunded) : .paid
        if automatic { lastMessage = "paid despite the cancel; refunded in full / 取消後に支払われたため全額返金しました" }
        return Action(journal: true, receipt: automatic ? .cancellation : .refund(refund))
    }

    /// A refund that did not go through. The till's own refund ends there (the sale stays paid,
    /// the code says why). An automatic refund (money kept for a cancelled sale) is tried again,
    /// each time with a new order number and only after the payment is checked, at most
    /// `automaticRefundAttempts` times in all: soon when the refusal is temporary (1265 at 00:31
    /// JST), on the slow schedule when it is not (the sale then needs attention at once). Once every
    /// attempt is spent, the slow checks only ask about the payment: a refund made by hand or a
    /// reversal resolves the sale.
    private mutating func refundFailed(
        _ refund: RefundOrder, respcd: String?, message: String?, outcome: AnswerOutcome, now: Date
    ) -> Action {
        guard case .refunding(_, let automatic) = state else { return .none }
        lastRespcd = respcd
        lastMessage = message
        unknowns = 0
        guard automatic else {
            state = .paid
            return Action(journal: true)
        }
        automaticRefundFailures += 1
        refundsIssued += 1
        let next = RefundOrder(outTradeNo: "\(order.outTradeNo)R\(refundsIssued)", amount: refund.amount)
        let temporary = outcome == .retryLater
        let exhausted = automaticRefundFailures >= policy.automaticRefundAttempts
        // 1125 "already refunded": only a check of the payment can say what is left to do.
        let alreadyRefunded = respcd == "1125"
        if !temporary || exhausted { needsAttention = true }
        state = .refundHeld(next, retry: !exhausted && !alreadyRefunded)
        let delay: Duration
        if alreadyRefunded {
            delay = policy.unknownRetryDelay
        } else if needsAttention {
            delay = policy.attentionInterval
        } else if respcd == "1265" {
            delay = max(policy.unknownRetryDelay, Self.untilRefundsReopen(after: now))
        } else {
            delay = policy.retryDelay(attempt: automaticRefundFailures)
        }
        return Action(journal: true, timer: delay)
    }

    /// The payment's state when a held refund's timer came: retry, wait, or done.
    private mutating func heldRefundChecked(_ orderState: OrderState, next: RefundOrder, retry: Bool, now: Date)
        -> Action
    {
        unknowns = 0
        switch orderState {
        case .succeeded:
            guard retry else { return Action(timer: policy.attentionInterval) }
            state = .refunding(next, automatic: true)
            refundSentAt = now
            return Action(journal: true, request: .refund(next))
        case .closed, .refunded:
            // The money went back another way (a reversal, a refund by hand): nothing is kept.
            refundedAmount = paidAmount
            needsAttention = false
            state = .cancelled
            lastMessage = "the payment reads \(orderState == .closed ? "closed" : "refunded") at the gateway"
            return Action(journal: true, receipt: .cancellation)
        case .pending, .failed, .notFound:
            return Action(timer: policy.attentionInterval)
        }
    }

    private mutating func remember(_ answer: GatewayAnswer, learnSyssn: Bool) {
        lastRespcd = answer.respcd
        lastMessage = answer.meaning
        if learnSyssn, let syssn = answer.syssn, self.syssn == nil { self.syssn = syssn }
    }

    /// Whole milliseconds since creation. The pipeline passes whole-millisecond instants (the
    /// journal's resolution); rounding to nearest keeps `0.4 - 0.0` from reading as 399 ms.
    private func age(_ now: Date) -> Duration { elapsed(createdAt, now) }

    private func elapsed(_ since: Date, _ now: Date) -> Duration {
        .milliseconds(Int64((now.timeIntervalSince(since) * 1000).rounded()))
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

    /// How long from `now` until QFPay takes refunds again: refunds answer 1265 from 23:30 to
    /// 00:30 shop time (qfpay-notes.md); the retry waits until 00:31 JST.
    static func untilRefundsReopen(after now: Date) -> Duration {
        let local = WallClockTime(now, in: .japanStandardTime)
        var reopen = WallClockTime(year: local.year, month: local.month, day: local.day, hour: 0, minute: 31)
        if local.hour >= 1 || (local.hour == 0 && local.minute >= 31) { reopen = reopen.addingDays(1) }
        guard let date = reopen.date(in: .japanStandardTime) else { return .seconds(3600) }
        return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
    }
}

extension Duration {
    /// "30 min", "45 s": for messages.
    var minutesText: String {
        let seconds = components.seconds
        return seconds >= 60 && seconds % 60 == 0 ? "\(seconds / 60) min" : "\(seconds) s"
    }
}
