/// QFPay's published rate limits for one merchant (100 requests a second, 400 a minute), shared
/// by every lane and client that talks for that merchant. Waiting requests are served by priority
/// (new payments before follow-ups before polls), then in arrival order.
public actor RequestBudget {
    /// Which waiting request goes first when the budget is spent.
    public enum Priority: Int, Sendable, Hashable, Comparable, CaseIterable {
        /// Status polls (`query` while a payment is pending).
        case poll = 0
        /// Cancels, refunds, recovery queries, downloads.
        case followUp = 1
        /// New payments: a customer is waiting at the till.
        case payment = 2

        public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private struct Waiter {
        let id: UInt64
        let priority: Priority
        let continuation: CheckedContinuation<Void, any Error>
    }

    /// Requests allowed in any one second.
    public nonisolated let requestsPerSecond: Int
    /// Requests allowed in any one minute.
    public nonisolated let requestsPerMinute: Int

    private let now: @Sendable () -> Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private var sent: [Duration] = []
    private var waiters: [Waiter] = []
    private var nextID: UInt64 = 0
    private var pumping = false

    /// A budget on the continuous clock.
    public init(requestsPerSecond: Int = 100, requestsPerMinute: Int = 400) {
        self.init(requestsPerSecond: requestsPerSecond, requestsPerMinute: requestsPerMinute, clock: ContinuousClock())
    }

    /// A budget on `clock` (tests inject a manual clock).
    public init<C: Clock>(requestsPerSecond: Int, requestsPerMinute: Int, clock: C) where C.Duration == Duration {
        self.requestsPerSecond = max(1, requestsPerSecond)
        self.requestsPerMinute = max(1, requestsPerMinute)
        let origin = clock.now
        self.now = { origin.duration(to: clock.now) }
        self.sleep = { delay in try await clock.sleep(until: clock.now.advanced(by: delay), tolerance: nil) }
    }

    /// Requests waiting for the budget.
    public var waitingCount: Int { waiters.count }

    /// Requests counted in the last minute.
    public var recentCount: Int {
        prune(now())
        return sent.count
    }

    /// Requests that may still be sent now in each window (metrics, the status page).
    public struct Remaining: Sendable, Hashable {
        public var second: Int
        public var minute: Int
    }

    /// What is left of the budget at this instant.
    public var remaining: Remaining {
        let time = now()
        prune(time)
        let lastSecond = sent.lazy.filter { $0 > time - .seconds(1) }.count
        return Remaining(
            second: max(0, requestsPerSecond - lastSecond), minute: max(0, requestsPerMinute - sent.count))
    }

    /// Waits until a request may be sent, and counts it. Throws `CancellationError` when the task
    /// is cancelled while waiting (the request is then not counted).
    public func acquire(_ priority: Priority) async throws {
        try Task.checkCancellation()
        let time = now()
        if waiters.isEmpty, delay(at: time) == nil {
            sent.append(time)
            return
        }
        nextID += 1
        let id = nextID
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                waiters.append(Waiter(id: id, priority: priority, continuation: continuation))
                if !pumping {
                    pumping = true
                    Task { await self.pump() }
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    private func pump() async {
        while !waiters.isEmpty {
            let time = now()
            if let wait = delay(at: time) {
                try? await sleep(wait)
                continue
            }
            var best = 0
            for index in waiters.indices.dropFirst() where waiters[index].priority > waiters[best].priority {
                best = index
            }
            sent.append(time)
            waiters.remove(at: best).continuation.resume()
        }
        pumping = false
    }

    /// How long until one more request fits both windows, nil if it fits now.
    private func delay(at time: Duration) -> Duration? {
        prune(time)
        var wait = Duration.zero
        if sent.count >= requestsPerMinute {
            wait = max(wait, sent[sent.count - requestsPerMinute] + .seconds(60) - time)
        }
        let lastSecond = sent.lazy.filter { $0 > time - .seconds(1) }
        if lastSecond.count >= requestsPerSecond {
            let inWindow = Array(lastSecond)
            wait = max(wait, inWindow[inWindow.count - requestsPerSecond] + .seconds(1) - time)
        }
        return wait > .zero ? wait : nil
    }

    private func prune(_ time: Duration) {
        let horizon = time - .seconds(60)
        if let keep = sent.firstIndex(where: { $0 > horizon }) {
            if keep > 0 { sent.removeFirst(keep) }
        } else {
            sent.removeAll()
        }
    }
}
