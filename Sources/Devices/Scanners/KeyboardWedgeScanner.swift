import CLinuxShims
import Glibc
import Logging
import Synchronization

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
    private let loop: ScannerReadLoop
    // Confined to the loop's queue.
    private var decoder: KeyboardWedgeDecoder
    private var pending: [UInt8] = []
    /// Whether `start` grabbed the device; set before reading starts, read from anywhere after.
    private let grabbed = Mutex(false)

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
        self.loop = ScannerReadLoop(
            name: "keyboard-wedge scanner", queueLabel: "qfpos.scanner.evdev.\(deviceID)", source: source,
            settings: settings, logger: logger, onDisconnect: onDisconnect, handler: handler)
        let translator = try KeyTranslator(layout: settings.keyboardLayout, variant: settings.keyboardVariant)
        self.decoder = KeyboardWedgeDecoder(
            translator: translator, maximumLength: settings.maximumLength,
            timeout: .milliseconds(settings.interCharacterTimeoutMilliseconds))
    }

    /// Grabbed unless the grab failed and `requiresExclusiveGrab` let it read anyway.
    public var access: ScannerAccess { ScannerAccess(isGrabbed: grabbed.withLock { $0 }) }

    public func start() throws {
        // umockdev emulates evdev nodes with a pty, which the loop puts in raw mode.
        let descriptor = try ScannerReadLoop.openInputNode(path)
        let isGrabbed = CLinuxShims_evdev_grab(descriptor, 1) == 0
        grabbed.withLock { $0 = isGrabbed }
        if !isGrabbed {
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
        loop.start(
            descriptor: descriptor, chunkSize: Self.eventSize * 64,
            details: ["keyboard.layout": "\(settings.keyboardLayout)"],
            onBytes: { [weak self] bytes in self?.received(bytes) },
            onTimeout: { [weak self] in self?.timedOut() },
            onEnd: { [weak self] in self?.reset() })
    }

    /// Stops reading and closes the device; returns once it is closed (and the grab released).
    /// Must not be called from the scanner's handler.
    public func stop() { loop.stop() }

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
        loop.restartTimeout(pending: decoder.hasPendingKeys)
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
        switch output {
        case .code(let text): loop.deliver(loop.validator.validate(text: text, completedAt: instant))
        case .partial(let count): loop.drop(.partial, length: count)
        case .overlong(let count): loop.drop(.overlong, length: count)
        }
    }

    private func reset() {
        _ = decoder.flush()
        pending.removeAll()
    }
}
