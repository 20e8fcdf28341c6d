import ControlProtocol
import Synchronization

/// Fans events out to the connections that subscribed to them. Each connection gets a bounded
/// queue: a subscriber that stops reading fills its queue and is disconnected (its `onOverflow`
/// runs) instead of holding memory or slowing anyone else down. Publishing never waits.
public final class EventHub: Sendable {
    /// Events queued per subscriber before it counts as stuck.
    public let queueLimit: Int

    private struct Subscriber {
        var names: Set<String>
        var continuation: AsyncStream<EventNotification>.Continuation
        var onOverflow: @Sendable () -> Void
    }

    private struct State {
        var nextID = 1
        var subscribers: [Int: Subscriber] = [:]
    }

    private let state = Mutex(State())

    public init(queueLimit: Int = 1024) {
        self.queueLimit = queueLimit
    }

    /// Registers a subscriber that receives nothing until ``setNames(_:for:)`` gives it events.
    /// - Returns: its id and the stream of its events, which ends on ``remove(_:)``.
    public func add(onOverflow: @escaping @Sendable () -> Void) -> (id: Int, events: AsyncStream<EventNotification>) {
        let (stream, continuation) = AsyncStream<EventNotification>.makeStream(
            bufferingPolicy: .bufferingOldest(queueLimit))
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.subscribers[state.nextID] = Subscriber(names: [], continuation: continuation, onOverflow: onOverflow)
            return state.nextID
        }
        return (id, stream)
    }

    /// Sets the event names subscriber `id` receives.
    public func setNames(_ names: Set<String>, for id: Int) {
        state.withLock { $0.subscribers[id]?.names = names }
    }

    /// Removes subscriber `id` and ends its stream.
    public func remove(_ id: Int) {
        let removed = state.withLock { $0.subscribers.removeValue(forKey: id) }
        removed?.continuation.finish()
    }

    /// How many subscribers receive at least one event.
    public var subscriberCount: Int {
        state.withLock { $0.subscribers.values.filter { !$0.names.isEmpty }.count }
    }

    /// Sends `event` to every subscriber of its name, in publishing order per subscriber.
    public func publish(_ event: EventNotification) {
        let overflowed: [(Int, @Sendable () -> Void)] = state.withLock { state in
            var overflowed: [(Int, @Sendable () -> Void)] = []
            for (id, subscriber) in state.subscribers where subscriber.names.contains(event.method) {
                if case .dropped = subscriber.continuation.yield(event) {
                    overflowed.append((id, subscriber.onOverflow))
                }
            }
            for (id, _) in overflowed {
                state.subscribers.removeValue(forKey: id)?.continuation.finish()
            }
            return overflowed
        }
        for (_, onOverflow) in overflowed { onOverflow() }
    }
}
