import Dispatch
import Logging

/// A serial barcode scanner (USB CDC-ACM `ttyACM*`, USB-serial `ttyUSB*`, RS-232, or a pty):
/// termios raw mode, frames ending with the configured terminator or an inter-character
/// timeout, prefix and suffix stripped, every read validated and classified.
///
/// Reads run on a Dispatch read source on the scanner's own serial queue; the handler is called
/// on that queue.
public final class SerialScanner: Scanner, @unchecked Sendable {
    public let source: ScanSource
    private let path: String
    private let settings: ScannerSettings
    private let logger: Logger
    private let handler: ScannerHandler
    private let onDisconnect: ScannerDisconnectHandler?
    private let queue: DispatchQueue
    private let validator: ScanValidator
    // Confined to `queue`.
    private var decoder: SerialFrameDecoder
    private var reader: DescriptorReader?
    private var timer: (any DispatchSourceTimer)?

    /// - Parameters:
    ///   - path: the node to open (`/dev/ttyACM0`, a by-id symlink, a pty).
    ///   - deviceID: the device's stable identity, reported in every event.
    public init(
        path: String, deviceID: String, settings: ScannerSettings, logger: Logger,
        onDisconnect: ScannerDisconnectHandler? = nil, handler: @escaping ScannerHandler
    ) {
        self.path = path
        self.source = ScanSource(deviceID: deviceID, node: path, transport: .serial)
        self.settings = settings
        self.logger = logger
        self.handler = handler
        self.onDisconnect = onDisconnect
        self.queue = DispatchQueue(label: "qfpos.scanner.serial.\(deviceID)")
        self.validator = ScanValidator(settings: settings, source: source)
        let affixes = settings.prefix.utf8.count + settings.suffix.utf8.count + 3
        self.decoder = SerialFrameDecoder(
            terminator: settings.terminator?.bytes ?? [], capacity: settings.maximumLength + affixes)
    }

    deinit { reader?.cancel() }

    public func start() throws {
        let descriptor = try SerialPort.open(path, settings: settings)
        queue.sync {
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.setEventHandler { [weak self] in self?.timedOut() }
            timer.schedule(deadline: .distantFuture)
            timer.resume()
            self.timer = timer
            let reader = DescriptorReader(
                descriptor: descriptor, queue: queue,
                onBytes: { [weak self] bytes in self?.received(bytes) },
                onEnd: { [weak self] error in self?.ended(error) })
            self.reader = reader
            reader.resume()
        }
        logger.info(
            "serial scanner attached",
            metadata: [
                "device.path": "\(path)", "device.id": "\(source.deviceID)", "serial.baud": "\(settings.baudRate)",
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
        stopped?.cancelAndWait()
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        let now = ContinuousClock.now
        decoder.feed(bytes) { output in deliver(output, at: now) }
        timer?.schedule(
            deadline: decoder.hasPendingBytes
                ? .now() + .milliseconds(settings.interCharacterTimeoutMilliseconds)
                : .distantFuture)
    }

    private func timedOut() {
        if let output = decoder.flush() { deliver(output, at: .now) }
    }

    private func deliver(_ output: SerialFrameDecoder.Output, at instant: ContinuousClock.Instant) {
        let result: ScannerOutput
        switch output {
        case .frame(let bytes): result = validator.validate(bytes, completedAt: instant)
        case .overlong(let count): result = .dropped(ScanDrop(reason: .overlong, length: count, source: source))
        case .partial(let count): result = .dropped(ScanDrop(reason: .partial, length: count, source: source))
        }
        ScanLogging.log(result, logger: logger)
        handler(result)
    }

    private func ended(_ error: Int32) {
        reader = nil
        timer?.schedule(deadline: .distantFuture)
        _ = decoder.flush()
        logger.notice("serial scanner went away", metadata: ["device.path": "\(path)", "errno": "\(error)"])
        onDisconnect?(source, error)
    }
}

/// Logs scanner output: codes masked, drops with their reason.
enum ScanLogging {
    static func log(_ output: ScannerOutput, logger: Logger) {
        switch output {
        case .scan(let event):
            logger.debug(
                "scanned",
                metadata: [
                    "scan.code": "\(event.maskedText)", "scan.symbology": "\(event.symbology ?? "-")",
                    "device.id": "\(event.source.deviceID)",
                ])
        case .dropped(let drop):
            logger.info(
                "scanner read dropped",
                metadata: [
                    "scan.drop.reason": "\(drop.reason.rawValue)", "scan.drop.length": "\(drop.length)",
                    "device.id": "\(drop.source.deviceID)",
                ])
        }
    }
}
