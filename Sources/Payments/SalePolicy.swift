/// Timings of the barcode and dynamic-QR flows. The defaults and why they were chosen are in
/// docs/payments.md ("Poll schedule and windows").
public struct SalePolicy: Sendable, Equatable {
    /// How long a barcode sale waits for a scan before it expires. Default 60 s.
    public var scanTimeout: Duration
    /// Delays between queries of a pending order; the last one repeats. Default 2, 3, 4, 5 s.
    public var pollSchedule: [Duration]
    /// How long after creation a pending barcode order is queried before it is closed. Default 60 s,
    /// at most 120 s (the specification's limit).
    public var pendingWindow: Duration
    /// No order is closed earlier than this after it was created. Default 15 s.
    public var minimumAgeBeforeClose: Duration
    /// How long a dynamic QR code is offered before the order is closed. Default 30 min.
    public var qrExpiry: Duration
    /// Delay before asking again when an answer was lost (first retry); doubles up to `unknownBackoffLimit`.
    public var unknownRetryDelay: Duration
    /// Longest delay between attempts while an outcome is unknown.
    public var unknownBackoffLimit: Duration
    /// After this many unknown outcomes in a row the sale is flagged `needsAttention` (still retried).
    public var unknownAttemptsBeforeAttention: Int
    /// How many closes are sent while the order still reads pending (with a backoff between
    /// them); then the order is followed up by queries only. Default 3.
    public var closeAttempts: Int
    /// How long an order that could not be closed (1297, no `syssn`, or every close spent) is
    /// followed up by queries before the sale needs attention. Default 30 min; it goes on across
    /// restarts, and the sale is still checked afterwards, on `attentionInterval`.
    public var followUpDuration: Duration
    /// Longest delay between follow-up queries (they start at the poll schedule's last delay and
    /// double). Default 60 s.
    public var followUpBackoffLimit: Duration
    /// The slow schedule of a sale that needs attention: at most this long between checks.
    /// Default 10 min.
    public var attentionInterval: Duration
    /// Automatic refunds (money kept for a cancelled sale) tried when the refusal is temporary
    /// (1265, 1269, nothing sent), each with a new order number; then the sale needs attention.
    /// Default 5.
    public var automaticRefundAttempts: Int

    public init(
        scanTimeout: Duration = .seconds(60),
        pollSchedule: [Duration] = [.seconds(2), .seconds(3), .seconds(4), .seconds(5)],
        pendingWindow: Duration = .seconds(60),
        minimumAgeBeforeClose: Duration = .seconds(15),
        qrExpiry: Duration = .seconds(30 * 60),
        unknownRetryDelay: Duration = .seconds(1),
        unknownBackoffLimit: Duration = .seconds(30),
        unknownAttemptsBeforeAttention: Int = 8,
        closeAttempts: Int = 3,
        followUpDuration: Duration = .seconds(30 * 60),
        followUpBackoffLimit: Duration = .seconds(60),
        attentionInterval: Duration = .seconds(10 * 60),
        automaticRefundAttempts: Int = 5
    ) {
        precondition(!pollSchedule.isEmpty, "a poll schedule needs at least one delay")
        self.scanTimeout = scanTimeout
        self.pollSchedule = pollSchedule
        self.pendingWindow = pendingWindow
        self.minimumAgeBeforeClose = minimumAgeBeforeClose
        self.qrExpiry = qrExpiry
        self.unknownRetryDelay = unknownRetryDelay
        self.unknownBackoffLimit = unknownBackoffLimit
        self.unknownAttemptsBeforeAttention = max(1, unknownAttemptsBeforeAttention)
        self.closeAttempts = max(1, closeAttempts)
        self.followUpDuration = followUpDuration
        self.followUpBackoffLimit = followUpBackoffLimit
        self.attentionInterval = attentionInterval
        self.automaticRefundAttempts = max(1, automaticRefundAttempts)
    }

    /// The production defaults.
    public static let standard = SalePolicy()

    /// Every duration divided by `factor` (tests and demos run the same schedule faster).
    public func scaled(by factor: Double) -> SalePolicy {
        func s(_ d: Duration) -> Duration { d / factor }
        return SalePolicy(
            scanTimeout: s(scanTimeout),
            pollSchedule: pollSchedule.map(s),
            pendingWindow: s(pendingWindow),
            minimumAgeBeforeClose: s(minimumAgeBeforeClose),
            qrExpiry: s(qrExpiry),
            unknownRetryDelay: s(unknownRetryDelay),
            unknownBackoffLimit: s(unknownBackoffLimit),
            unknownAttemptsBeforeAttention: unknownAttemptsBeforeAttention,
            closeAttempts: closeAttempts,
            followUpDuration: s(followUpDuration),
            followUpBackoffLimit: s(followUpBackoffLimit),
            attentionInterval: s(attentionInterval),
            automaticRefundAttempts: automaticRefundAttempts
        )
    }

    /// The delay before the poll after `count` polls.
    func pollDelay(after count: Int) -> Duration {
        pollSchedule[min(count, pollSchedule.count - 1)]
    }

    /// The delay before retry number `attempt` (1-based) after unknown outcomes.
    func unknownDelay(attempt: Int) -> Duration {
        var delay = unknownRetryDelay
        for _ in 1..<max(1, attempt) where delay < unknownBackoffLimit { delay = delay * 2 }
        return min(delay, unknownBackoffLimit)
    }

    /// The delay before retry number `attempt` of an outcome that stays unknown: the backoff up
    /// to `unknownBackoffLimit`, and once the sale needs attention, doubling on up to
    /// `attentionInterval` (the slow schedule).
    func retryDelay(attempt: Int) -> Duration {
        var delay = unknownDelay(attempt: attempt)
        var beyond = attempt - unknownAttemptsBeforeAttention
        while beyond > 0, delay < attentionInterval {
            delay = delay * 2
            beyond -= 1
        }
        return min(delay, max(attentionInterval, unknownBackoffLimit))
    }

    /// The delay before follow-up query number `count + 1`: from the poll schedule's last delay,
    /// doubling up to `followUpBackoffLimit`.
    func followUpDelay(after count: Int) -> Duration {
        var delay = pollSchedule[pollSchedule.count - 1]
        for _ in 0..<min(count, 30) where delay < followUpBackoffLimit { delay = delay * 2 }
        return min(delay, max(followUpBackoffLimit, pollSchedule[pollSchedule.count - 1]))
    }
}
