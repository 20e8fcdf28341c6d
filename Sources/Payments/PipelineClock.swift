import Foundation

/// The pipeline's clock: wall time for the journal and for the ages of orders, and sleeps for
/// its timers. Injected so that tests run the production schedule in milliseconds.
public protocol PipelineClock: Sendable {
    /// Now.
    func now() -> Date
    /// Sleeps for `duration` of this clock's time.
    func sleep(for duration: Duration) async throws
}

/// Real time.
public struct SystemPipelineClock: PipelineClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

/// Time that runs `factor` times faster than real time, from the moment it is made: schedules of
/// minutes take milliseconds, and ages of orders advance consistently with the sleeps.
public struct ScaledPipelineClock: PipelineClock {
    private let origin: Date
    private let start: ContinuousClock.Instant
    private let factor: Double

    public init(factor: Double, origin: Date = Date()) {
        precondition(factor > 0, "a clock's scale factor must be positive")
        self.factor = factor
        self.origin = origin
        self.start = .now
    }

    public func now() -> Date {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return origin.addingTimeInterval(seconds * factor)
    }

    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration / factor) }
}
