import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Monotonic timestamps of the steps of a sale, for the latency benchmark (`QFPOS_BENCH=latency`).
///
/// Off unless the process starts with `QFPOS_LATENCY_TRACE=<file>` in its environment: then each
/// `mark` takes one `CLOCK_MONOTONIC` reading and appends it in memory, and `write()` (qfposd
/// calls it as it exits) puts every mark in the file, one `nanoseconds step key` line each. Off,
/// a mark is one test of a constant. The clock is the one every process on the machine shares, so
/// the benchmark lines the daemon's marks up with its own instants (scan written, request
/// received at the gateway, event read).
public enum LatencyTrace {
    /// A step of a sale's path, in the order a scan sale takes them.
    public enum Step: String, Sendable, CaseIterable {
        /// A scanner's code is decoded (keyed by lane).
        case scanDecoded = "scan-decoded"
        /// The code is given to the lane's waiting sale (keyed by out_trade_no from here on).
        case saleMatched = "sale-matched"
        /// The scan's journal entry is durable: the payment request may go out.
        case scanDurable = "scan-durable"
        /// The gateway call begins (the pipeline's request task runs).
        case requestStarted = "request-started"
        /// The request is signed and handed to the HTTP transport.
        case requestSigned = "request-signed"
        /// The payment request's last byte is written to the gateway's connection.
        case requestWritten = "request-written"
        /// The gateway's whole answer is read.
        case answerRead = "answer-read"
        /// The answer's journal entry is durable.
        case answerDurable = "answer-durable"
        /// The sale's final `sale.updated` event is handed to the control socket's subscribers.
        case eventSent = "event-sent"
    }

    private struct Mark {
        var nanoseconds: UInt64
        var step: Step
        var key: String
    }

    /// The file the marks go to, or nil: tracing is off.
    public static let path: String? = getenv("QFPOS_LATENCY_TRACE").map { String(cString: $0) }
    /// Whether marks are kept (read once, at the first mark).
    public static let isEnabled = path != nil
    private static let marks = Mutex<[Mark]>([])

    /// Records that `step` happened now for `key` (a lane or an out_trade_no), when tracing is on.
    @inline(__always)
    public static func mark(_ step: Step, _ key: @autoclosure () -> String) {
        guard isEnabled else { return }
        record(step, key())
    }

    private static func record(_ step: Step, _ key: String) {
        let now = nanoseconds()
        marks.withLock { $0.append(Mark(nanoseconds: now, step: step, key: key)) }
    }

    /// `CLOCK_MONOTONIC` in nanoseconds: the clock of the marks.
    public static func nanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Writes every mark so far to `path` (replacing the file) and forgets them.
    public static func write() {
        guard let path else { return }
        let lines = marks.withLock { marks in
            defer { marks = [] }
            return marks.map { "\($0.nanoseconds) \($0.step.rawValue) \($0.key)\n" }.joined()
        }
        guard let file = fopen(path, "w") else { return }
        fputs(lines, file)
        fclose(file)
    }
}
