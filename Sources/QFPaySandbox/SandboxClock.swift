import Foundation
import Synchronization

/// The sandbox's notion of time: wall-clock time sped up by `scale`, plus whatever tests add with
/// `advance(by:)`. With `scale` 1000, a QR code's 30 minutes last 1.8 real seconds and the
/// notification retry schedule (1m … 15h) runs in under two real minutes; `advance(by:)` jumps
/// ahead at once.
public final class SandboxClock: Sendable {
    /// How many sandbox seconds pass in one real second.
    public let scale: Double
    private let realStart: ContinuousClock.Instant
    private let start: Date
    private let offset = Mutex<Duration>(.zero)

    /// A clock starting at `start` (now by default) and running `scale` times faster than real time.
    public init(scale: Double = 1, start: Date = Date()) {
        precondition(scale > 0, "time scale must be positive")
        self.scale = scale
        self.start = start
        self.realStart = .now
    }

    /// The current sandbox time.
    public func now() -> Date {
        let elapsed = ContinuousClock.now - realStart
        return start.addingTimeInterval(elapsed.seconds * scale + offset.withLock { $0 }.seconds)
    }

    /// Moves sandbox time forward by `duration` at once. Due QR payments, expiries and
    /// notification retries happen on the sandbox's next request or timer
    /// (`SandboxServer.runDueEvents()` runs them immediately).
    public func advance(by duration: Duration) {
        offset.withLock { $0 += duration }
    }

    /// The real time that a sandbox `duration` lasts.
    public func realDuration(of duration: Duration) -> Duration {
        .nanoseconds(Int64((duration.seconds / scale * 1e9).rounded(.up)))
    }
}

extension Duration {
    /// The duration in seconds as a floating-point number.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
