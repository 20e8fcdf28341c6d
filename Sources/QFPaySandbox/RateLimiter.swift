import Synchronization

/// QFPay's published per-merchant limits (100 requests a second, 400 a minute), counted over
/// sliding windows of real time; requests beyond them are answered HTTP 429.
final class RateLimiter: Sendable {
    private let limits: SandboxConfiguration.RateLimits
    private let arrivals = Mutex<[ContinuousClock.Instant]>([])

    init(_ limits: SandboxConfiguration.RateLimits) { self.limits = limits }

    /// Whether a request arriving now is within the limits (it is then counted).
    func admit(now: ContinuousClock.Instant = .now) -> Bool {
        arrivals.withLock { arrivals in
            arrivals.removeAll { now - $0 >= .seconds(60) }
            let lastSecond = arrivals.reduce(0) { now - $1 < .seconds(1) ? $0 + 1 : $0 }
            guard lastSecond < limits.perSecond, arrivals.count < limits.perMinute else { return false }
            arrivals.append(now)
            return true
        }
    }
}
