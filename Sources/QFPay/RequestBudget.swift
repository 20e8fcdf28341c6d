import Synchronization

/// QFPay's published rate limits for one merchant (100 requests a second, 400 a minute), shared
/// by every lane and client that talks for that merchant. Waiting requests are served by priority
/// (new payments before follow-ups before polls), then in arrival order. A request that fits the
/// budget takes it under a lock, on the caller's thread: a payment does not hop to another
/// executor and back before it is written.
public final class RequestBudget: Sendable {
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

    private struct State {
        var sent: [Duration] = []
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
        var pumping = false
    }

    /// Requests allowed in any one second.
    public let requestsPerSecond: Int
    /// Requests allowed in any one minute.
    public let requestsPerMinute: Int

    private let now: @Sendable () -> Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private let state = Mutex(State())

    /// A budget on the continuous clock.
    public convenience init(requestsPerSecond: Int = 100, requestsPerMinute: Int = 400) {
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
    public var waitingCount: Int { state.withLock { $0.waiters.count } }

    /// Requests counted in the last minute.
    public var recentCount: Int {
        let time = now()
        return state.withLock { state in
            Self.prune(&state.sent, time)
            return state.sent.count
        }
    }

    /// Requests that may still be sent now in each window (metrics, the status page).
    public struct Remaining: Sendable, Hashable {
        public var second: Int
        public var minute: Int
    }

    /// What is left of the budget at this instant.
    public var remaining: Remaining {
        let time = now()
        return state.withLock { state in
            Self.prune(&state.sent, time)
            let lastSecond = state.sent.lazy.filter { $0 > time - .seconds(1) }.count
            return Remaining(
                second: max(0, requestsPerSecond - lastSecond), minute: max(0, requestsPerMinute - state.sent.count))
        }
    }

    /// Waits until a request may be sent, and counts it. Throws `CancellationError` when the task
    /// is cancelled while waiting (the request is then not counted).
    public func acquire(_ priority: Priority) async throws {
        try Task.checkCancellation()
        let time = now()
        let taken = state.withLock { state -> Bool in
            guard state.waiters.isEmpty, delay(&state, at: time) == nil else { return false }
            state.sent.append(time)
            return true
        }
        if taken { return }
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                let startPump = state.withLock { state -> Bool in
                    state.waiters.append(Waiter(id: id, priority: priority, continuation: continuation))
                    defer { state.pumping = true }
                    return !state.pumping
                }
                if startPump { Task { await self.pump() } }
            }
        } onCancel: {
            cancelWaiter(id)
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: CancellationError())
    }

    /// Serves the waiters, best priority first, as the windows allow; one pump at a time.
    private func pump() async {
        enum Step {
            case wait(Duration)
            case serve(Waiter)
            case done
        }
        while true {
            let time = now()
            let step = state.withLock { state -> Step in
                if state.waiters.isEmpty {
                    state.pumping = false
                    return .done
                }
                if let wait = delay(&state, at: time) { return .wait(wait) }
                var best = 0
                for index in state.waiters.indices.dropFirst()
                where state.waiters[index].priority > state.waiters[best].priority {
                    best = index
                }
                state.sent.append(time)
                return .serve(state.waiters.remove(at: best))
            }
            switch step {
            case .done: return
            case .wait(let wait): try? await sleep(wait)
            case .serve(let waiter): waiter.continuation.resume()
            }
        }
    }

    /// How long until one more request fits both windows, nil if it fits now.
    private func delay(_ state: inout State, at time: Duration) -> Duration? {
        Self.prune(&state.sent, time)
        var wait = Duration.zero
        if state.sent.count >= requestsPerMinute {
            wait = max(wait, state.sent[state.sent.count - requestsPerMinute] + .seconds(60) - time)
        }
        let lastSecond = state.sent.lazy.filter { $0 > time - .seconds(1) }
        if lastSecond.count >= requestsPerSecond {
            let inWindow = Array(lastSecond)
            wait = max(wait, inWindow[inWindow.count - requestsPerSecond] + .seconds(1) - time)
        }
        return wait > .zero ? wait : nil
    }

    private static func prune(_ sent: inout [Duration], _ time: Duration) {
        let horizon = time - .seconds(60)
        if let keep = sent.firstIndex(where: { $0 > horizon }) {
            if keep > 0 { sent.removeFirst(keep) }
        } else {
            sent.removeAll()
        }
    }
}
