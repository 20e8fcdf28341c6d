/// How requests refused with HTTP 429 are retried: the same request (same `out_trade_no`) after a
/// capped exponential backoff with "equal" jitter (half the step fixed, half random), honouring
/// `Retry-After` up to the cap. The fixed half matters: QFPay counts 100 requests over a sliding
/// second, and retries that may come back at once (full jitter) can all land in the same full
/// second. The defaults wait 7.75 s at the least over six attempts.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// Backoff before the first retry.
    public var initialBackoff: Duration
    /// Longest backoff.
    public var maxBackoff: Duration

    public init(maxAttempts: Int = 6, initialBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(8))
    {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// The backoff before retry number `retry` (1 for the first retry): between half of and the
    /// whole `min(maxBackoff, initialBackoff * 2^(retry-1))`, uniformly, or `retryAfter` if the
    /// gateway asked for it, capped.
    public func backoff(beforeRetry retry: Int, retryAfter: Duration? = nil) -> Duration {
        if let retryAfter { return min(retryAfter, maxBackoff) }
        let exponent = min(max(retry - 1, 0), 30)
        let ceiling = min(maxBackoff, initialBackoff * (1 << exponent))
        let ceilingNanoseconds = max(Int64(2), ceiling.nanoseconds)
        return .nanoseconds(Int64.random(in: (ceilingNanoseconds / 2)...ceilingNanoseconds))
    }
}
