import Dispatch
import Glibc
import Logging

/// What every scanner shares around its own framing: a serial queue, the Dispatch read source on
/// the open node, an optional inter-character timer, the hand-over of each output (logged, then
/// passed to the handler) and the notice when the device went away.
///
/// Confinement: `start` and `stop` are called from outside; `restartTimeout`, `deliver` and
/// `drop`, like the closures given to `start`, run on the scanner's queue.
final class ScannerReadLoop: @unchecked Sendable {
    /// The scanner being read, reported in every output.
    let source: ScanSource
    /// Checks and classifies each complete read.
    let validator: ScanValidator
    /// How the scanner is named in logs: "serial scanner".
    private let name: String
    private let interCharacterTimeoutMilliseconds: Int
    private let logger: Logger
    private let handler: ScannerHandler
    private let onDisconnect: ScannerDisconnectHandler?
    private let queue: DispatchQueue
    // Confined to `queue`.
    private var reader: DescriptorReader?
    private var timer: (any DispatchSourceTimer)?

    /// - Parameters:
    ///   - name: the scanner's kind in logs ("serial scanner").
    ///   - queueLabel: the label of the scanner's own serial queue.
    init(
        name: String, queueLabel: String, source: ScanSource, settings: ScannerSettings, logger: Logger,
        onDisconnect: ScannerDisconnectHandler?, handler: @escaping ScannerHandler
    ) {
        self.name = name
        self.source = source
        self.validator = ScanValidator(settings: settings, source: source)
        self.interCharacterTimeoutMilliseconds = settings.interCharacterTimeoutMilliseconds
        self.logger = logger
        self.handler = handler
        self.onDisconnect = onDisconnect
        self.queue = DispatchQueue(label: queueLabel)
    }

    deinit { reader?.cancel() }

    /// Opens an input node (hidraw, evdev) read-only and non-blocking. A pty standing in for it
    /// (umockdev, tests) is put in raw mode so that the bytes arrive intact; a real node is not a
    /// terminal and this does nothing more.
    static func openInputNode(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw DevicesError(.openFailed, "cannot open \(path)", systemError: errno) }
        if isatty(descriptor) == 1 {
            var attributes = termios()
            tcgetattr(descriptor, &attributes)
            cfmakeraw(&attributes)
            tcsetattr(descriptor, TCSANOW, &attributes)
        }
        return descriptor
    }

    /// Starts reading `descriptor` (which the loop now owns and closes) and logs the attachment.
    /// - Parameters:
    ///   - chunkSize: the most bytes one read takes.
    ///   - details: log metadata beyond the device's path and identity.
    ///   - onBytes: the scanner's framing, called with each chunk read.
    ///   - onTimeout: called when the inter-character timeout expires; no timer without it.
    ///   - onEnd: resets the scanner's framing when the device went away, before the notice.
    ///   - willClose: gives the device back (a serial port's exclusive mode) just before the
    ///     descriptor is closed.
    func start(
        descriptor: Int32, chunkSize: Int = 4096, details: Logger.Metadata = [:],
        onBytes: @escaping (UnsafeRawBufferPointer) -> Void, onTimeout: (() -> Void)? = nil,
        onEnd: @escaping () -> Void = {}, willClose: ((Int32) -> Void)? = nil
    ) {
        queue.sync {
            if let onTimeout {
                let timer = DispatchSource.makeTimerSource(queue: queue)
                timer.setEventHandler(handler: onTimeout)
                timer.schedule(deadline: .distantFuture)
                timer.resume()
                self.timer = timer
            }
            let reader = DescriptorReader(
                descriptor: descriptor, queue: queue, chunkSize: chunkSize, onBytes: onBytes,
                onEnd: { [weak self] error in self?.ended(error, reset: onEnd) }, willClose: willClose)
            self.reader = reader
            reader.resume()
        }
        let metadata: Logger.Metadata = ["device.path": "\(source.node)", "device.id": "\(source.deviceID)"]
        logger.info("\(name) attached", metadata: metadata.merging(details) { _, detail in detail })
    }

    /// Stops reading and closes the device; returns once it is closed. Must not be called from
    /// the scanner's handler.
    func stop() {
        let stopped: DescriptorReader? = queue.sync {
            let current = reader
            reader = nil
            timer?.cancel()
            timer = nil
            return current
        }
        stopped?.cancelAndWait()  // closing the descriptor also releases an evdev grab
    }

    /// Restarts the inter-character timeout while part of a code is waiting; stops it otherwise.
    func restartTimeout(pending: Bool) {
        timer?.schedule(
            deadline: pending ? .now() + .milliseconds(interCharacterTimeoutMilliseconds) : .distantFuture)
    }

    /// Logs an output (codes masked) and hands it to the handler.
    func deliver(_ output: ScannerOutput) {
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
        handler(output)
    }

    /// Delivers a dropped read.
    func drop(_ reason: ScanDrop.Reason, length: Int) {
        deliver(.dropped(ScanDrop(reason: reason, length: length, source: source)))
    }

    private func ended(_ error: Int32, reset: () -> Void) {
        reader = nil
        timer?.schedule(deadline: .distantFuture)
        reset()
        logger.notice("\(name) went away", metadata: ["device.path": "\(source.node)", "errno": "\(error)"])
        onDisconnect?(source, error)
    }
}
