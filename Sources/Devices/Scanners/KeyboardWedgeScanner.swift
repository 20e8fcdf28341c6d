import CLinuxShims
import Dispatch
import Glibc
import Logging

/// A USB HID keyboard-wedge scanner read through evdev (`/dev/input/event*`): grabbed
/// exclusively (`EVIOCGRAB`) so that no code reaches the till's keyboard focus, key codes turned
/// into text with libxkbcommon in the scanner's layout (`us`, `jp`, …), Enter or Tab ending a
/// code, an inter-key timeout dropping partial codes.
///
/// Reads run on a Dispatch read source on the scanner's own serial queue; the handler is called
/// on that queue.
public final class KeyboardWedgeScanner: Scanner, @unchecked Sendable {
    public let source: ScanSource
    private let path: String
    private let settings: ScannerSettings
    private let logger: Logger
    private let handler: ScannerHandler
    private let onDisconnect: ScannerDisconnectHandler?
    private let queue: DispatchQueue
    private let validator: ScanValidator
    // Confined to `queue`.
    private var decoder: KeyboardWedgeDecoder
    private var pending: [UInt8] = []
    private var reader: DescriptorReader?
    private var timer: (any DispatchSourceTimer)?

    /// Size of `struct input_event`: a `struct timeval`, u16 type, u16 code, s32 value.
    static let eventSize = MemoryLayout<timeval>.size + 8

    /// Compiles the layout at once, so that a bad layout name fails here rather than at the first key.
    public init(
        path: String, deviceID: String, settings: ScannerSettings, logger: Logger,
        onDisconnect: ScannerDisconnectHandler? = nil, handler: @escaping ScannerHandler
    ) throws {
        self.path = path
        self.source = ScanSource(deviceID: deviceID, node: path, transport: .keyboardWedge)
        self.settings = settings
        self.logger = logger
        self.handler = handler
        self.onDisconnect = onDisconnect
        self.queue = DispatchQueue(label: "qfpos.scanner.evdev.\(deviceID)")
        self.validator = ScanValidator(settings: settings, source: source)
        let translator = try KeyTranslator(layout: settings.keyboardLayout, variant: settings.keyboardVariant)
        self.decoder = KeyboardWedgeDecoder(
            translator: translator, maximumLength: settings.maximumLength,
            timeout: .milliseconds(settings.interCharacterTimeoutMilliseconds))
    }

    deinit { reader?.cancel() }

    public func start() throws {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw DevicesError(.openFailed, "cannot open \(path)", systemError: errno) }
        // umockdev emulates evdev nodes with a pty; raw mode keeps the event bytes intact there.
        // A real evdev node is not a terminal and this does nothing.
        if isatty(descriptor) == 1 {
            var attributes = termios()
            tcgetattr(descriptor, &attributes)
            cfmakeraw(&attributes)
            tcsetattr(descriptor, TCSANOW, &attributes)
        }
        if CLinuxShims_evdev_grab(descriptor, 1) != 0 {
            let error = errno
            if settings.requiresExclusiveGrab {
                close(descriptor)
                throw DevicesError(
                    .grabFailed, "cannot grab \(path) exclusively; codes would reach the keyboard focus",
                    systemError: error)
            }
            logger.warning(
                "keyboard-wedge scanner not grabbed: its keys also reach the keyboard focus",
                metadata: ["device.path": "\(path)", "errno": "\(error)"])
        }
        queue.sync {
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.setEventHandler { [weak self] in self?.timedOut() }
            timer.schedule(deadline: .distantFuture)
            timer.resume()
            self.timer = timer
            let reader = DescriptorReader(
                descriptor: descriptor, queue: queue, chunkSize: Self.eventSize * 64,
                onBytes: { [weak self] bytes in self?.received(bytes) },
                onEnd: { [weak self] error in self?.ended(error) })
            self.reader = reader
            reader.resume()
        }
        logger.info(
            "keyboard-wedge scanner attached",
            metadata: [
                "device.path": "\(path)", "device.id": "\(source.deviceID)",
                "keyboard.layout": "\(settings.keyboardLayout)",
            ])
    }

    /// Stops reading and closes the device; returns once it is closed. Must not be called from
    /// the scanner's handler.
    public func stop() {
        let stopped: DescriptorReader? = queue.sync {
            let current = reader
            reader = nil
            timer?.cancel()
            timer = nil
            return current
        }
        stopped?.cancelAndWait()  // closing the descriptor also releases an evdev grab
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        let now = ContinuousClock.now
        pending.append(contentsOf: bytes)
        let size = Self.eventSize
        let timeSize = MemoryLayout<timeval>.size
        var offset = 0
        while pending.count - offset >= size {
            let type = UInt16(pending[offset + timeSize]) | UInt16(pending[offset + timeSize + 1]) << 8
            let code = UInt16(pending[offset + timeSize + 2]) | UInt16(pending[offset + timeSize + 3]) << 8
            var rawValue = UInt32(pending[offset + timeSize + 4])
            rawValue |= UInt32(pending[offset + timeSize + 5]) << 8
            rawValue |= UInt32(pending[offset + timeSize + 6]) << 16
            rawValue |= UInt32(pending[offset + timeSize + 7]) << 24
            event(type: type, code: code, value: Int32(bitPattern: rawValue), at: now)
            offset += size
        }
        pending.removeFirst(offset)
        timer?.schedule(
            deadline: decoder.hasPendingKeys
                ? .now() + .milliseconds(settings.interCharacterTimeoutMilliseconds) : .distantFuture)
    }

    private func event(type: UInt16, code: UInt16, value: Int32, at instant: ContinuousClock.Instant) {
        switch type {
        case 0x01:  // EV_KEY
            decoder.key(code: code, value: value, at: instant) { output in deliver(output, at: instant) }
        case 0x00 where code == 3:  // EV_SYN / SYN_DROPPED: the kernel lost events
            if let output = decoder.flush() { deliver(output, at: instant) }
        default:
            break
        }
    }

    private func timedOut() {
        if let output = decoder.flush() { deliver(output, at: .now) }
    }

    private func deliver(_ output: KeyboardWedgeDecoder.Output, at instant: ContinuousClock.Instant) {
        let result: ScannerOutput
        switch output {
        case .code(let text): result = validator.validate(text: text, completedAt: instant)
        case .partial(let count): result = .dropped(ScanDrop(reason: .partial, length: count, source: source))
        case .overlong(let count): result = .dropped(ScanDrop(reason: .overlong, length: count, source: source))
        }
        ScanLogging.log(result, logger: logger)
        handler(result)
    }

    private func ended(_ error: Int32) {
        reader = nil
        timer?.schedule(deadline: .distantFuture)
        _ = decoder.flush()
        pending.removeAll()
        logger.notice("keyboard-wedge scanner went away", metadata: ["device.path": "\(path)", "errno": "\(error)"])
        onDisconnect?(source, error)
    }
}
