/// Splits the byte stream of a serial scanner into codes: at a terminator (CR, LF, CR LF, TAB,
/// ETX), or, without one, when the line goes quiet (`flush()` on the inter-character timeout).
///
/// Memory is bounded: a frame longer than `capacity` is not kept; the decoder counts and discards
/// bytes until the next terminator and reports the frame as overlong, so a flood of any size
/// costs at most `capacity` bytes and the stream keeps working afterwards.
struct SerialFrameDecoder: Sendable {
    /// What the decoder found.
    enum Output: Equatable, Sendable {
        /// A complete code, terminator removed.
        case frame(ArraySlice<UInt8>)
        /// A frame longer than the capacity was discarded; its length in bytes.
        case overlong(Int)
        /// Bytes without a terminator when the line went quiet; their count.
        case partial(Int)
    }

    private let terminator: [UInt8]
    private let capacity: Int
    private var buffer: [UInt8]
    private var discarded = 0
    private var isDiscarding = false

    /// - Parameters:
    ///   - terminator: the suffix that ends a frame, or empty to frame by silence only.
    ///   - capacity: the longest frame kept, in bytes (terminator excluded).
    init(terminator: [UInt8], capacity: Int) {
        self.terminator = terminator
        self.capacity = capacity
        self.buffer = []
        buffer.reserveCapacity(capacity + terminator.count)
    }

    /// Whether bytes are waiting for a terminator or a timeout.
    var hasPendingBytes: Bool { isDiscarding || !buffer.isEmpty }

    /// Bytes currently held (never more than capacity plus the terminator length).
    var bufferedByteCount: Int { buffer.count }

    /// Feeds bytes read from the line; calls `emit` for each frame or overlong run they complete.
    mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes, emit: (Output) -> Void) {
        for byte in bytes {
            buffer.append(byte)
            if isDiscarding { discarded += 1 }
            if !terminator.isEmpty, endsWithTerminator() {
                if isDiscarding {
                    emit(.overlong(discarded - terminator.count))
                    isDiscarding = false
                    discarded = 0
                } else {
                    emit(.frame(buffer[0..<(buffer.count - terminator.count)]))
                }
                buffer.removeAll(keepingCapacity: true)
                continue
            }
            if isDiscarding {
                // Keep only what could start a terminator.
                if buffer.count >= terminator.count, !buffer.isEmpty {
                    buffer.removeFirst(buffer.count - max(terminator.count - 1, 0))
                }
            } else if buffer.count > capacity + max(terminator.count - 1, 0) {
                isDiscarding = true
                discarded = buffer.count
                buffer.removeFirst(buffer.count - max(terminator.count - 1, 0))
            }
        }
    }

    /// The line went quiet for the inter-character timeout: without a terminator the pending
    /// bytes are a frame; with one they are a partial code.
    mutating func flush() -> Output? {
        defer {
            buffer.removeAll(keepingCapacity: true)
            isDiscarding = false
            discarded = 0
        }
        if isDiscarding { return .overlong(discarded) }
        guard !buffer.isEmpty else { return nil }
        return terminator.isEmpty ? .frame(buffer[...]) : .partial(buffer.count)
    }

    private func endsWithTerminator() -> Bool {
        guard buffer.count >= terminator.count else { return false }
        var index = buffer.count - terminator.count
        for byte in terminator {
            if buffer[index] != byte { return false }
            index += 1
        }
        return true
    }
}
