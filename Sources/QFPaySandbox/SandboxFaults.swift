/// Faults the sandbox injects into API requests (`/trade/v1/*`, `/download/v1/*`), each drawn
/// with its probability from a PRNG seeded with `seed`, so a run can be repeated exactly.
public struct SandboxFaults: Sendable, Hashable {
    /// The seed of the fault draws.
    public var seed: UInt64 = 0
    /// Probability of an added delay of `latency` before the answer.
    public var latencyProbability: Double = 0
    /// The added delay (real time, not scaled).
    public var latency: Duration = .milliseconds(200)
    /// Probability of an HTTP 5xx (`serverErrorStatus`) before the request is processed: nothing happens.
    public var serverErrorBeforeProcessing: Double = 0
    /// Probability of an HTTP 5xx after the request was processed: the ledger changed, the answer is lost.
    public var serverErrorAfterProcessing: Double = 0
    /// The status of injected server errors (500, 502, 503, 504).
    public var serverErrorStatus: Int = 502
    /// Probability that the connection is dropped, without an answer, after the request was processed.
    public var dropAfterProcessing: Double = 0
    /// Probability that the answer carries a wrong `X-QF-SIGN` (the request was processed).
    public var wrongSignature: Double = 0
    /// Probability of HTTP 429 (rate limited) before processing.
    public var tooManyRequests: Double = 0
    /// Paths the faults apply to (`/trade/v1/payment`, ...); every API path when empty.
    public var paths: Set<String> = []

    public init(
        seed: UInt64 = 0,
        latencyProbability: Double = 0,
        latency: Duration = .milliseconds(200),
        serverErrorBeforeProcessing: Double = 0,
        serverErrorAfterProcessing: Double = 0,
        serverErrorStatus: Int = 502,
        dropAfterProcessing: Double = 0,
        wrongSignature: Double = 0,
        tooManyRequests: Double = 0,
        paths: Set<String> = []
    ) {
        self.seed = seed
        self.latencyProbability = latencyProbability
        self.latency = latency
        self.serverErrorBeforeProcessing = serverErrorBeforeProcessing
        self.serverErrorAfterProcessing = serverErrorAfterProcessing
        self.serverErrorStatus = serverErrorStatus
        self.dropAfterProcessing = dropAfterProcessing
        self.wrongSignature = wrongSignature
        self.tooManyRequests = tooManyRequests
        self.paths = paths
    }

    /// No faults.
    public static let none = SandboxFaults()
}

/// One fault applied to one request.
public enum SandboxFault: Sendable, Hashable {
    /// Answer after an extra delay (real time).
    case latency(Duration)
    /// Answer HTTP `status` without processing the request.
    case serverErrorBeforeProcessing(status: Int)
    /// Process the request, then answer HTTP `status` instead of its answer.
    case serverErrorAfterProcessing(status: Int)
    /// Process the request, then close the connection without answering.
    case dropAfterProcessing
    /// Process the request and answer it with a wrong `X-QF-SIGN`.
    case wrongSignature
    /// Process the request and answer it without `X-QF-SIGN`.
    case missingSignature
    /// Answer HTTP 429 without processing the request.
    case tooManyRequests
}
