import Dispatch
import Synchronization
import TestSupport

/// Collects values delivered by callbacks on other queues, for a test to take one by one with a
/// generous liveness bound (not a timing assertion).
final class Inbox<Value: Sendable>: Sendable {
    private struct State {
        var items: [Value] = []
        var waiter: (id: Int, continuation: CheckedContinuation<Value?, Never>)?
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    /// Delivers a value (from any thread).
    func put(_ value: Value) {
        let waiter: CheckedContinuation<Value?, Never>? = state.withLock { state in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter.continuation
            }
            state.items.append(value)
            return nil
        }
        waiter?.resume(returning: value)
    }

    /// The next value; throws when none arrives within `seconds`.
    func next(within seconds: Double = 10) async throws -> Value {
        let value: Value? = await withCheckedContinuation { continuation in
            let id: Int? = state.withLock { state in
                if !state.items.isEmpty {
                    continuation.resume(returning: state.items.removeFirst())
                    return nil
                }
                state.nextWaiter += 1
                state.waiter = (state.nextWaiter, continuation)
                return state.nextWaiter
            }
            guard let id else { return }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
                let expired: CheckedContinuation<Value?, Never>? = state.withLock { state in
                    guard let waiter = state.waiter, waiter.id == id else { return nil }
                    state.waiter = nil
                    return waiter.continuation
                }
                expired?.resume(returning: nil)
            }
        }
        guard let value else { throw TestSupportError("nothing arrived within \(seconds) s") }
        return value
    }

    /// The next value matching `predicate`, skipping others.
    func next(within seconds: Double = 10, where predicate: (Value) -> Bool) async throws -> Value {
        while true {
            let value = try await next(within: seconds)
            if predicate(value) { return value }
        }
    }

    /// Values delivered and not yet taken.
    var pending: [Value] { state.withLock { $0.items } }
}
