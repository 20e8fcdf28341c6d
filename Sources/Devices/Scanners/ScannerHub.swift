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
    private var attachmentSubscribers: [Int: @Sendable (ScannerAttachment) -> Void] = [:]
    private var nextSubscriber = 0
    private var subscription: Int?

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
            subscription = nil
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
            guard let self else { return }
            self.queue.async { self.detach(source.deviceID) }
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
            scanners[device.id] = (device, scanner)
            notify(.attached(device))
        } catch let error as DevicesError {
            logger.error(
                "cannot attach scanner", metadata: ["device.id": "\(device.id)", "error": "\(error)"])
            notify(.failed(device, error))
        } catch {
            notify(.failed(device, DevicesError(.openFailed, "\(error)")))
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
