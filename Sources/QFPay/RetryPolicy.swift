/// How requests refused with HTTP 429 are retried: the same request (same `out_trade_no`) after a
/// capped exponential backoff with full jitter, honouring `Retry-After` up to the cap.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// Backoff before the first retry.
    public var initialBackoff: Duration
    /// Longest backoff.
    public var maxBackoff: Duration

    public init(maxAttempts: Int = 5, initialBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(5))
    {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// The backoff before retry number `retry` (1 for the first retry): uniformly random between
    /// zero and `min(maxBackoff, initialBackoff * 2^(retry-1))`, or `retryAfter` if the gateway
    /// asked for it, capped.
    public func backoff(beforeRetry retry: Int, retryAfter: Duration? = nil) -> Duration {
        if let retryAfter { return min(retryAfter, maxBackoff) }
        let exponent = min(max(retry - 1, 0), 30)
        let ceiling = min(maxBackoff, initialBackoff * (1 << exponent))
        let ceilingNanoseconds = max(Int64(1), ceiling.nanoseconds)
        return .nanoseconds(Int64.random(in: 0...ceilingNanoseconds))
    }
}
