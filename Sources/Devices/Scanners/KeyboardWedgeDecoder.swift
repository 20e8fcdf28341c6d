/// Turns a keyboard-wedge scanner's key events into codes: text from `KeyTranslator`, Enter or
/// Tab ends a code, a gap longer than the inter-key timeout drops the partial code, and input
/// longer than the maximum length is dropped as overlong (memory stays bounded).
///
/// Not thread-safe: owned by one scanner and used on its queue.
struct KeyboardWedgeDecoder {
    /// What the decoder found.
    enum Output: Equatable {
        case code(String)
        case partial(Int)
        case overlong(Int)
    }

    /// evdev key codes that end a code: KEY_TAB, KEY_ENTER, KEY_KPENTER.
    static let endKeys: Set<UInt16> = [15, 28, 96]

    private let translator: KeyTranslator
    private let maximumLength: Int
    private let timeout: Duration
    private var text = ""
    private var length = 0
    private var isDiscarding = false
    private var lastKeyAt: ContinuousClock.Instant?

    init(translator: KeyTranslator, maximumLength: Int, timeout: Duration) {
        self.translator = translator
        self.maximumLength = maximumLength
        self.timeout = timeout
    }

    /// Whether a partial code is waiting for Enter or the timeout.
    var hasPendingKeys: Bool { length > 0 || isDiscarding }

    /// One EV_KEY event: `value` 1 press, 2 repeat, 0 release.
    mutating func key(code: UInt16, value: Int32, at instant: ContinuousClock.Instant, emit: (Output) -> Void) {
        if value != 0, let last = lastKeyAt, instant - last > timeout, hasPendingKeys {
            if let dropped = flush() { emit(dropped) }
        }
        if value != 0 { lastKeyAt = instant }
        let produced = translator.key(code: code, value: value)
        guard value != 0 else { return }
        if Self.endKeys.contains(code) {
            if isDiscarding {
                emit(.overlong(length))
            } else if length > 0 {
                emit(.code(text))
            }
            clear()
            return
        }
        guard let produced, !produced.isEmpty else { return }
        length += produced.utf8.count
        if isDiscarding { return }
        if length > maximumLength {
            isDiscarding = true
            text = ""
        } else {
            text += produced
        }
    }

    /// The keys stopped for the inter-key timeout, or the event stream lost sync: drops what is
    /// pending and forgets held modifiers.
    mutating func flush() -> Output? {
        defer {
            clear()
            translator.reset()
        }
        if isDiscarding { return .overlong(length) }
        return length > 0 ? .partial(length) : nil
    }

    private mutating func clear() {
        text = ""
        length = 0
        isDiscarding = false
    }
}
