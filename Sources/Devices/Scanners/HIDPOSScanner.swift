import Dispatch
import Glibc
import Logging

/// A HID POS barcode scanner (usage page 0x8C) read through hidraw, with Honeywell's report
/// layout (`HIDPOSReportDecoder`). Reads run on a Dispatch read source on the scanner's queue.
public final class HIDPOSScanner: Scanner, @unchecked Sendable {
    public let source: ScanSource
    private let path: String
    private let settings: ScannerSettings
    private let logger: Logger
    private let handler: ScannerHandler
    private let onDisconnect: ScannerDisconnectHandler?
    private let queue: DispatchQueue
    private let validator: ScanValidator
    // Confined to `queue`.
    private var decoder: HIDPOSReportDecoder
    private var reader: DescriptorReader?

    public init(
        path: String, deviceID: String, settings: ScannerSettings, logger: Logger,
        onDisconnect: ScannerDisconnectHandler? = nil, handler: @escaping ScannerHandler
    ) {
        self.path = path
        self.source = ScanSource(deviceID: deviceID, node: path, transport: .hidPOS)
        self.settings = settings
        self.logger = logger
        self.handler = handler
        self.onDisconnect = onDisconnect
        self.queue = DispatchQueue(label: "qfpos.scanner.hidpos.\(deviceID)")
        self.validator = ScanValidator(settings: settings, source: source)
        self.decoder = HIDPOSReportDecoder(capacity: settings.maximumLength + 3)
    }

    deinit { reader?.cancel() }

    public func start() throws {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw DevicesError(.openFailed, "cannot open \(path)", systemError: errno) }
        if isatty(descriptor) == 1 {  // a pty standing in for hidraw in tests
            var attributes = termios()
            tcgetattr(descriptor, &attributes)
            cfmakeraw(&attributes)
            tcsetattr(descriptor, TCSANOW, &attributes)
        }
        queue.sync {
            let reader = DescriptorReader(
                descriptor: descriptor, queue: queue, chunkSize: HIDPOSReportDecoder.reportSize,
                onBytes: { [weak self] bytes in self?.received(bytes) },
                onEnd: { [weak self] error in self?.ended(error) })
            self.reader = reader
            reader.resume()
        }
        logger.info(
            "HID POS scanner attached", metadata: ["device.path": "\(path)", "device.id": "\(source.deviceID)"])
    }

    /// Stops reading and closes the device; returns once it is closed. Must not be called from
    /// the scanner's handler.
    public func stop() {
        let stopped: DescriptorReader? = queue.sync {
            let current = reader
            reader = nil
            return current
        }
        stopped?.cancelAndWait()
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        let now = ContinuousClock.now
        decoder.feed(bytes) { output in
            let result: ScannerOutput
            switch output {
            case .code(let data, let symbology):
                result = validator.validate(data[...], symbology: symbology, completedAt: now)
            case .overlong(let count):
                result = .dropped(ScanDrop(reason: .overlong, length: count, source: source))
            }
            ScanLogging.log(result, logger: logger)
            handler(result)
        }
    }

    private func ended(_ error: Int32) {
        reader = nil
        logger.notice("HID POS scanner went away", metadata: ["device.path": "\(path)", "errno": "\(error)"])
        onDisconnect?(source, error)
    }
}
