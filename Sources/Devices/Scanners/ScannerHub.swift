import Dispatch
import Logging

/// A change in which scanners are being read.
public enum ScannerAttachment: Sendable, Equatable {
    /// A scanner was opened and is being read.
    case attached(DeviceInfo)
    /// A scanner was closed (unplugged, or no longer a scanner).
    case detached(DeviceInfo)
    /// A scanner could not be opened; retried (see `ScannerHub`).
    case failed(DeviceInfo, DevicesError)
}

/// Reads the scanners the configuration uses, as a `DeviceMonitor` finds them: opens a
/// `SerialScanner`, `KeyboardWedgeScanner` or `HIDPOSScanner` for each scanner device a
/// configuration rule (a lane) uses, with that rule's settings; closes it when it goes away, and
/// opens it again, with the same settings, when it comes back (its stable identity matches the
/// same rule). All reads arrive at one handler.
///
/// A scanner no rule uses is left alone: not opened, so a keyboard-wedge scanner of a known
/// maker that is the till's own product scanner keeps typing into the till. One node has one
/// reader: a node already read under another identity is not opened twice (and serial ports
/// are opened exclusively, so no other process reads them either).
///
/// Retries: a node that cannot be opened yet (udev still applying permissions) is tried every
/// 250 ms for 10 s; a node another reader holds (`busy`, or an evdev grab held elsewhere) every
/// second for as long as it is there, and is read as soon as it is free.
///
/// Confinement: the reader and problem tables live on `queue`.
public final class ScannerHub: @unchecked Sendable {
    /// A device being read.
    private struct Reader {
        var info: DeviceInfo
        let scanner: any Scanner
        /// The node's identity when it was opened.
        let number: DeviceNumber?
    }

    /// A device a rule uses that could not be opened, and how often it was tried.
    private struct Problem {
        let device: DeviceInfo
        let error: DevicesError
        let attempts: Int
        let isRetrying: Bool
    }

    private let monitor: DeviceMonitor
    private let configuration: DevicesConfiguration
    private let logger: Logger
    private let handler: ScannerHandler
    private let queue = DispatchQueue(label: "qfpos.devices.scanners")
    // Confined to `queue`.
    private var readers: [String: Reader] = [:]
    private var problems: [String: Problem] = [:]
    private var isRunning = false
    private var attachmentSubscribers: [Int: @Sendable (ScannerAttachment) -> Void] = [:]
    private var nextSubscriber = 0
    private var subscription: Int?

    /// Delay between attempts to open a scanner that failed to open.
    public static let retryInterval: DispatchTimeInterval = .milliseconds(250)
    /// Attempts before giving up on a scanner until its next udev event (10 s).
    public static let maximumAttempts = 40
    /// Delay between attempts to open a scanner another reader holds; tried while it is there.
    public static let busyRetryInterval: DispatchTimeInterval = .seconds(1)

    /// - Parameter handler: receives every scan and drop, on the scanner's queue; must not block.
    public init(
        monitor: DeviceMonitor, configuration: DevicesConfiguration, logger: Logger,
        handler: @escaping ScannerHandler
    ) {
        self.monitor = monitor
        self.configuration = configuration
        self.logger = logger
        self.handler = handler
    }

    /// Follows the monitor's events. Call before `monitor.start()` to attach the scanners found
    /// at start; devices already known are attached now.
    public func start() {
        let token = monitor.subscribe { [weak self] event in
            guard let self else { return }
            self.queue.async { self.handle(event) }
        }
        let present = monitor.devices
        queue.sync {
            subscription = token
            isRunning = true
            for device in present where readers[device.id] == nil { attachIfUsedScanner(device) }
        }
    }

    /// Closes every scanner and stops following the monitor.
    public func stop() {
        let token = queue.sync { subscription }
        if let token { monitor.unsubscribe(token) }
        queue.sync {
            for (_, reader) in readers { reader.scanner.stop() }
            readers.removeAll()
            problems.removeAll()
            subscription = nil
            isRunning = false
        }
    }

    /// The devices being read now.
    public var attachedDevices: [DeviceInfo] {
        queue.sync { readers.values.map(\.info).sorted { $0.id < $1.id } }
    }

    /// How each scanner a rule uses is held, by device id: open (exclusive, grabbed) or why not.
    /// Devices no rule uses are absent: the hub never opens them.
    public var readerStatus: [String: ReaderStatus] {
        queue.sync {
            var status: [String: ReaderStatus] = [:]
            for (id, problem) in problems {
                status[id] = ReaderStatus(isOpen: false, problem: problem.error.description)
            }
            for (id, reader) in readers {
                let access = reader.scanner.access
                status[id] = ReaderStatus(isOpen: true, isExclusive: access.isExclusive, isGrabbed: access.isGrabbed)
            }
            return status
        }
    }

    /// Calls `handler` on the hub's queue for every attach, detach and failure from now on; it
    /// must not block or call back into the hub. Returns a token for `unsubscribe`.
    @discardableResult
    public func subscribe(_ handler: @escaping @Sendable (ScannerAttachment) -> Void) -> Int {
        queue.sync {
            nextSubscriber += 1
            attachmentSubscribers[nextSubscriber] = handler
            return nextSubscriber
        }
    }

    /// Stops calling a subscribed handler.
    public func unsubscribe(_ token: Int) {
        queue.async { _ = self.attachmentSubscribers.removeValue(forKey: token) }
    }

    /// Attach, detach and failure events from now on.
    public func attachments() -> AsyncStream<ScannerAttachment> {
        let (stream, continuation) = AsyncStream.makeStream(of: ScannerAttachment.self)
        let token = subscribe { continuation.yield($0) }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(token) }
        return stream
    }

    private func handle(_ event: DeviceEvent) {
        guard isRunning else { return }
        problems.removeValue(forKey: event.device.id)
        switch event {
        case .added(let device):
            attachIfUsedScanner(device)
        case .changed(let device):
            if var current = readers[device.id], current.info.node == device.node, device.role == .scanner,
                device.isUsed
            {
                current.info = device
                readers[device.id] = current
                return
            }
            detach(device.id)
            attachIfUsedScanner(device)
        case .removed(let device):
            detach(device.id)
        }
    }

    private func attachIfUsedScanner(_ device: DeviceInfo) {
        guard device.role == .scanner, device.isUsed, readers[device.id] == nil else { return }
        let number = DeviceNumber.ofCharacterDevice(atPath: device.node) ?? device.deviceNumber
        if let other = readers.values.first(where: {
            $0.info.node == device.node || (number != nil && $0.number == number)
        }) {
            failed(device, DevicesError(.busy, "\(device.node) is already read as \(other.info.id)"))
            return
        }
        let settings = configuration.scannerSettings(for: device)
        let handler = self.handler
        let onDisconnect: ScannerDisconnectHandler = { [weak self] source, _ in
            // The read failed before udev's remove arrived: close now, re-open on the next add.
            // A static device has no udev events: try to open it again.
            guard let self else { return }
            self.queue.async {
                self.detach(source.deviceID)
                if device.subsystem == "config" {
                    self.failed(device, DevicesError(.openFailed, "\(device.node) went away"), notifying: false)
                }
            }
        }
        do {
            let scanner: any Scanner
            switch device.transport {
            case .serial:
                scanner = SerialScanner(
                    path: device.node, deviceID: device.id, settings: settings, logger: logger,
                    onDisconnect: onDisconnect, handler: handler)
            case .keyboardWedge:
                scanner = try KeyboardWedgeScanner(
                    path: device.node, deviceID: device.id, settings: settings, logger: logger,
                    onDisconnect: onDisconnect, handler: handler)
            case .hidPOS:
                scanner = HIDPOSScanner(
                    path: device.node, deviceID: device.id, settings: settings, logger: logger,
                    onDisconnect: onDisconnect, handler: handler)
            case .usbPrinter, .network, .none:
                return
            }
            try scanner.start()
            if let problem = problems.removeValue(forKey: device.id), problem.error.isHeldElsewhere {
                logger.notice(
                    "scanner free again: now read by qfposd",
                    metadata: ["device.id": "\(device.id)", "device.path": "\(device.node)"])
            }
            readers[device.id] = Reader(info: device, scanner: scanner, number: number)
            notify(.attached(device))
        } catch {
            failed(device, error as? DevicesError ?? DevicesError(.openFailed, "\(error)"))
        }
    }

    /// Records why a device a rule uses is not read, tells once, and schedules the next attempt.
    private func failed(_ device: DeviceInfo, _ error: DevicesError, notifying: Bool = true) {
        let previous = problems[device.id]
        let attempts = (previous?.attempts ?? 0) + 1
        // Told once a kind of failure: a static node that appears held by another reader is told
        // as busy after its not-there-yet failures.
        let isNewKind = previous.map { $0.error.code != error.code } ?? true
        let retrying: DispatchTimeInterval?
        switch error.code {
        case .busy, .grabFailed:
            // Held by another reader: tried again for as long as the device is there.
            retrying = Self.busyRetryInterval
        case .openFailed where attempts < Self.maximumAttempts:
            // Not accessible yet (udev still applying permissions, a static node not there yet).
            retrying = Self.retryInterval
        case .openFailed:
            logger.error("giving up on scanner until it is plugged again", metadata: ["device.id": "\(device.id)"])
            retrying = nil
        default:
            retrying = nil  // a bad layout or line setting will not improve
        }
        problems[device.id] = Problem(device: device, error: error, attempts: attempts, isRetrying: retrying != nil)
        if isNewKind, notifying {
            let metadata: Logger.Metadata = [
                "device.id": "\(device.id)", "device.path": "\(device.node)", "error": "\(error)",
            ]
            if error.isHeldElsewhere {
                logger.warning(
                    "scanner busy: another reader holds it; qfposd reads it once it is free", metadata: metadata)
            } else {
                logger.error("cannot attach scanner", metadata: metadata)
            }
            notify(.failed(device, error))
        }
        guard let retrying else { return }
        queue.asyncAfter(deadline: .now() + retrying) { [weak self] in
            guard let self, self.isRunning, let pending = self.problems[device.id], pending.attempts == attempts,
                pending.isRetrying, self.readers[device.id] == nil
            else { return }
            self.attachIfUsedScanner(pending.device)
        }
    }

    private func detach(_ id: String) {
        guard let reader = readers.removeValue(forKey: id) else { return }
        reader.scanner.stop()
        notify(.detached(reader.info))
    }

    private func notify(_ attachment: ScannerAttachment) {
        for subscriber in attachmentSubscribers.values { subscriber(attachment) }
    }
}

extension DevicesError {
    /// Another reader holds the device: a serial port in exclusive mode, an evdev grab, a node
    /// already read.
    public var isHeldElsewhere: Bool { code == .busy || code == .grabFailed }
}
