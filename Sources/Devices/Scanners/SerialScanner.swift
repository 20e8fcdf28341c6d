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
    private let loop: ScannerReadLoop
    // Confined to the loop's queue.
    private var decoder: SerialFrameDecoder

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
        self.loop = ScannerReadLoop(
            name: "serial scanner", queueLabel: "qfpos.scanner.serial.\(deviceID)", source: source,
            settings: settings, logger: logger, onDisconnect: onDisconnect, handler: handler)
        let affixes = settings.prefix.utf8.count + settings.suffix.utf8.count + 3
        self.decoder = SerialFrameDecoder(
            terminator: settings.terminator?.bytes ?? [], capacity: settings.maximumLength + affixes)
    }

    /// A started serial scanner holds its port exclusively (`TIOCEXCL`).
    public var access: ScannerAccess { ScannerAccess(isExclusive: true) }

    /// Opens the port exclusively (`SerialPort.open`: `busy` when another reader holds it) and
    /// starts reading.
    public func start() throws {
        let descriptor = try SerialPort.open(path, settings: settings)
        loop.start(
            descriptor: descriptor, details: ["serial.baud": "\(settings.baudRate)", "serial.exclusive": "true"],
            onBytes: { [weak self] bytes in self?.received(bytes) },
            onTimeout: { [weak self] in self?.timedOut() },
            onEnd: { [weak self] in _ = self?.decoder.flush() },
            willClose: { SerialPort.release($0) })
    }

    /// Stops reading and closes the device; returns once it is closed. Must not be called from
    /// the scanner's handler.
    public func stop() { loop.stop() }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        let now = ContinuousClock.now
        decoder.feed(bytes) { output in deliver(output, at: now) }
        loop.restartTimeout(pending: decoder.hasPendingBytes)
    }

    private func timedOut() {
        if let output = decoder.flush() { deliver(output, at: .now) }
    }

    private func deliver(_ output: SerialFrameDecoder.Output, at instant: ContinuousClock.Instant) {
        switch output {
        case .frame(let bytes): loop.deliver(loop.validator.validate(bytes, completedAt: instant))
        case .overlong(let count): loop.drop(.overlong, length: count)
        case .partial(let count): loop.drop(.partial, length: count)
        }
    }
}
