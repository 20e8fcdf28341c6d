import Dispatch
import Logging

/// A change in which scanners are being read.
public enum ScannerAttachment: Sendable, Equatable {
    /// A scanner was opened and is being read.
    case attached(DeviceInfo)
    /// A scanner was closed (unplugged, or no longer a scanner).
    case detached(DeviceInfo)
    /// A scanner could not be opened; retried on its next udev event.
    case failed(DeviceInfo, DevicesError)
}

/// Reads every scanner a `DeviceMonitor` finds: opens a `SerialScanner`, `KeyboardWedgeScanner`
/// or `HIDPOSScanner` for each scanner device with the settings of its configuration rule,
/// closes it when it goes away, and opens it again, with the same settings, when it comes back
/// (its stable identity matches the same rule). All reads arrive at one handler.
///
/// Confinement: the attached-scanner table lives on `queue`.
public final class ScannerHub: @unchecked Sendable {
    private let monitor: DeviceMonitor
    private let configuration: DevicesConfiguration
    private let logger: Logger
    private let handler: ScannerHandler
    private let queue = DispatchQueue(label: "qfpos.devices.scanners")
    // Confined to `queue`.
    private var scanners: [String: (info: DeviceInfo, scanner: any Scanner)] = [:]
    /// Scanners that could not be opened yet (node not there or not accessible yet, grab held),
    /// and how many attempts were made.
    private var retries: [String: (device: DeviceInfo, attempts: Int)] = [:]
    private var isRunning = false
    private var attachmentSubscribers: [Int: @Sendable (ScannerAttachment) -> Void] = [:]
    private var nextSubscriber = 0
    private var subscription: Int?

    /// Delay between attempts to open a scanner that failed to open.
    public static let retryInterval: DispatchTimeInterval = .milliseconds(250)
    /// Attempts before giving up on a scanner until its next udev event (10 s).
    public static let maximumAttempts = 40

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
            for device in present where scanners[device.id] == nil { attachIfScanner(device) }
        }
    }

    /// Closes every scanner and stops following the monitor.
    public func stop() {
        let token = queue.sync { subscription }
        if let token { monitor.unsubscribe(token) }
        queue.sync {
            for (_, entry) in scanners { entry.scanner.stop() }
            scanners.removeAll()
            retries.removeAll()
            subscription = nil
            isRunning = false
        }
    }

    /// The devices being read now.
    public var attachedDevices: [DeviceInfo] {
        queue.sync { scanners.values.map(\.info).sorted { $0.id < $1.id } }
    }

    /// Attach, detach and failure events from now on.
    public func attachments() -> AsyncStream<ScannerAttachment> {
        let (stream, continuation) = AsyncStream.makeStream(of: ScannerAttachment.self)
        let token = queue.sync {
            nextSubscriber += 1
            attachmentSubscribers[nextSubscriber] = { continuation.yield($0) }
            return nextSubscriber
        }
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.queue.async { _ = self.attachmentSubscribers.removeValue(forKey: token) }
        }
        return stream
    }

    private func handle(_ event: DeviceEvent) {
        guard isRunning else { return }
        retries.removeValue(forKey: event.device.id)
        switch event {
        case .added(let device):
            attachIfScanner(device)
        case .changed(let device):
            if let current = scanners[device.id], current.info.node == device.node, device.role == .scanner {
                return
            }
            detach(device.id)
            attachIfScanner(device)
        case .removed(let device):
            detach(device.id)
        }
    }

    private func attachIfScanner(_ device: DeviceInfo) {
        guard device.role == .scanner, scanners[device.id] == nil else { return }
        let settings = configuration.scannerSettings(for: device)
        let handler = self.handler
        let onDisconnect: ScannerDisconnectHandler = { [weak self] source, _ in
            // The read failed before udev's remove arrived: close now, re-open on the next add.
            // A static device has no udev events: try to open it again.
            guard let self else { return }
            self.queue.async {
                self.detach(source.deviceID)
                if device.subsystem == "config" { self.scheduleRetry(device, attempts: 0) }
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
            retries.removeValue(forKey: device.id)
            scanners[device.id] = (device, scanner)
            notify(.attached(device))
        } catch {
            let error = error as? DevicesError ?? DevicesError(.openFailed, "\(error)")
            let attempts = (retries[device.id]?.attempts ?? 0) + 1
            if attempts == 1 {
                logger.error("cannot attach scanner", metadata: ["device.id": "\(device.id)", "error": "\(error)"])
                notify(.failed(device, error))
            }
            // The node may not be accessible yet (udev still applying permissions) or the grab
            // may be held for a moment: try again; a bad layout or line setting will not improve.
            if error.code == .openFailed || error.code == .grabFailed { scheduleRetry(device, attempts: attempts) }
        }
    }

    private func scheduleRetry(_ device: DeviceInfo, attempts: Int) {
        guard attempts < Self.maximumAttempts else {
            retries.removeValue(forKey: device.id)
            logger.error("giving up on scanner until it is plugged again", metadata: ["device.id": "\(device.id)"])
            return
        }
        retries[device.id] = (device, attempts)
        queue.asyncAfter(deadline: .now() + Self.retryInterval) { [weak self] in
            guard let self, self.isRunning, let pending = self.retries[device.id], pending.attempts == attempts,
                self.scanners[device.id] == nil
            else { return }
            self.attachIfScanner(pending.device)
        }
    }

    private func detach(_ id: String) {
        guard let entry = scanners.removeValue(forKey: id) else { return }
        entry.scanner.stop()
        notify(.detached(entry.info))
    }

    private func notify(_ attachment: ScannerAttachment) {
        for subscriber in attachmentSubscribers.values { subscriber(attachment) }
    }
}
