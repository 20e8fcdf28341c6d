import Synchronization

/// At most `limit` exchanges at a time; the others wait in order. Like `URLSession`'s six
/// connections per host: a burst of sales must not open hundreds of connections to the gateway
/// at once (a server whose accept queue overflows resets them, leaving payments unknown).
final class ConnectionLimit: Sendable {
    private struct State {
        var free: Int
        var nextTicket = 0
        var waiters: [(ticket: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    }

    private let state: Mutex<State>

    init(_ limit: Int) {
        state = Mutex(State(free: max(1, limit)))
    }

    /// Waits for a free slot. False when the task was cancelled while waiting (no slot taken).
    func acquire() async -> Bool {
        let ticket: Int? = state.withLock { state in
            if state.free > 0, state.waiters.isEmpty {
                state.free -= 1
                return nil
            }
            defer { state.nextTicket += 1 }
            return state.nextTicket
        }
        guard let ticket else { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let cancelled = state.withLock { state in
                    if Task.isCancelled { return true }
                    state.waiters.append((ticket, continuation))
                    return false
                }
                if cancelled { continuation.resume(returning: false) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.ticket == ticket }.map { state.waiters.remove(at: $0) }
            }
            waiter?.continuation.resume(returning: false)
        }
    }

    /// Frees a slot taken by `acquire()`, handing it to the first waiter if any.
    func release() {
        let next: CheckedContinuation<Bool, Never>? = state.withLock { state in
            if state.waiters.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume(returning: true)
    }
}
