import ControlProtocol
import Devices
import Foundation
import LatencyTrace
import Logging
import Synchronization

/// ``DevicesPort`` over the Devices library: discovery (udev monitor plus the lanes' static
/// paths), the scanners the lanes use read by the `ScannerHub` (one reader a device; serial
/// ports exclusive, keyboards grabbed; a scanner no lane uses left alone), scans handed to the
/// lane's waiting sale, and every device change and scan (masked) published as events.
public final class LaneDevices: DevicesPort {
    /// What runs for the current configuration.
    private struct Running {
        var monitor: DeviceMonitor?
        var hub: ScannerHub?
        /// Devices a lane uses that another reader holds: announced as removed until they are free.
        var busy: Set<String> = []
    }

    private let logger: Logger
    private let scanTarget: Mutex<ScanTarget?> = Mutex(nil)

    /// Where scans go, and the executor their task starts on.
    private struct ScanTarget: Sendable {
        var executor: (any TaskExecutor)?
        var deliver: @Sendable (String, String) async -> Void
    }
    /// Who hears the events, and those made before anyone did (at most 4096, the newest).
    private let events = Mutex<(observer: (@Sendable (EventNotification) -> Void)?, early: [EventNotification])>(
        (nil, []))
    private let state = Mutex(Running())

    /// Starts discovery for `configuration`'s lanes.
    public init(configuration: DaemonConfiguration, logger: Logger) {
        self.logger = logger
        start(configuration)
    }

    /// Where scans go: `(lane, code)`; set once the payment pipeline exists. Each scan's task
    /// starts on `executor` (the pipeline's queue: one hop from the scanner's queue, not two).
    public func routeScans(
        on executor: (any TaskExecutor)? = nil,
        to target: @escaping @Sendable (_ lane: String, _ code: String) async -> Void
    ) {
        scanTarget.withLock { $0 = ScanTarget(executor: executor, deliver: target) }
    }

    /// Publishes an event to the observer (printer status from ``LanePrinter``).
    public func publish(_ event: EventNotification) {
        events.withLock { events in
            // Under the lock: events from different queues reach the observer one at a time,
            // in the order they were made.
            if let observer = events.observer {
                observer(event)
            } else {
                events.early.append(event)
                if events.early.count > 4096 { events.early.removeFirst() }
            }
        }
    }

    public func deviceList() async -> JSONValue {
        let (monitor, hub) = state.withLock { ($0.monitor, $0.hub) }
        let readers = hub?.readerStatus ?? [:]
        return .array((monitor?.devices ?? []).map { Self.entry($0, reader: readers[$0.id]) })
    }

    /// One device of `devices.list` (docs/protocol.md): what it is, its lane or why it has
    /// none, and how qfposd holds it.
    static func entry(_ device: DeviceInfo, reader: ReaderStatus?) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(device.id), "role": .string(device.role.rawValue),
            "transport": .string(device.transport.rawValue), "node": .string(device.node),
            "reason": .string(device.reason), "lane_reason": .string(device.laneReason),
            "open": .bool(reader?.isOpen ?? false), "exclusive": .bool(reader?.isExclusive ?? false),
            "grabbed": .bool(reader?.isGrabbed ?? false),
        ]
        if let stable = device.stablePath { members["stable_path"] = .string(stable) }
        if let vendor = device.vendor { members["vendor"] = .string(vendor) }
        if let model = device.model { members["model"] = .string(model) }
        if let usb = device.usbID { members["usb_id"] = .string(usb) }
        if let number = device.deviceNumber { members["device_number"] = .string(number.description) }
        if let lane = device.lane { members["lane"] = .string(lane) }
        if let problem = reader?.problem { members["open_error"] = .string(problem) }
        return .object(members)
    }

    /// The reader states in a `devices.list` result, by device id (what `--list-devices` shows
    /// of a running daemon).
    public static func readerStatus(inDeviceList list: JSONValue) -> [String: ReaderStatus] {
        var status: [String: ReaderStatus] = [:]
        for entry in list.arrayValue ?? [] {
            guard let id = entry["id"]?.stringValue else { continue }
            status[id] = ReaderStatus(
                isOpen: entry["open"]?.boolValue ?? false, isExclusive: entry["exclusive"]?.boolValue ?? false,
                isGrabbed: entry["grabbed"]?.boolValue ?? false, problem: entry["open_error"]?.stringValue)
        }
        return status
    }

    public func observeEvents(_ observer: @escaping @Sendable (EventNotification) -> Void) async {
        events.withLock { events in
            for event in events.early { observer(event) }
            events.early = []
            events.observer = observer
        }
    }

    public func reload(_ configuration: DaemonConfiguration) async throws {
        stop()
        start(configuration)
    }

    public func close() async {
        stop()
    }

    /// Stops reading every scanner and following udev.
    public func stop() {
        let (monitor, hub) = state.withLock { state in
            defer { state = Running() }
            return (state.monitor, state.hub)
        }
        hub?.stop()
        monitor?.stop()
    }

    // MARK: - Wiring

    /// The Devices library's configuration for `configuration`'s lanes: a rule for each lane's
    /// scanner and printer, carrying the lane's id.
    public static func devicesConfiguration(for configuration: DaemonConfiguration) -> DevicesConfiguration {
        var rules: [DeviceRule] = []
        for lane in configuration.lanes {
            if let spec = lane.scanner, let match = Self.match(spec) {
                var settings = ScannerSettings()
                if let baud = spec.baud { settings.baudRate = baud }
                if let suffix = spec.suffix.flatMap(ScannerSettings.Terminator.init(rawValue:)) {
                    settings.terminator = suffix
                }
                if let layout = spec.layout { settings.keyboardLayout = layout }
                rules.append(
                    DeviceRule(
                        name: "lane-\(lane.id)-scanner", match: match, role: .scanner, scanner: settings, lane: lane.id)
                )
            }
            if let spec = lane.printer, let match = Self.match(spec) {
                let transport: DeviceTransport = if case .network = match { .network } else { .serial }
                rules.append(
                    DeviceRule(
                        name: "lane-\(lane.id)-printer", match: match, role: .printer, transport: transport,
                        lane: lane.id))
            }
        }
        return DevicesConfiguration(devices: rules)
    }

    private func start(_ configuration: DaemonConfiguration) {
        let devicesConfiguration = Self.devicesConfiguration(for: configuration)
        let monitor = DeviceMonitor(configuration: devicesConfiguration, logger: logger)
        let hub = ScannerHub(monitor: monitor, configuration: devicesConfiguration, logger: logger) {
            [weak self] output in
            self?.scanned(output)
        }
        state.withLock {
            $0.monitor = monitor
            $0.hub = hub
            $0.busy = []
        }
        monitor.subscribe { [weak self] event in self?.deviceChanged(event) }
        hub.subscribe { [weak self] attachment in self?.readerChanged(attachment) }
        hub.start()
        do {
            try monitor.start()
        } catch {
            logger.error("device discovery failed to start", metadata: ["error": "\(error)"])
        }
    }

    private func deviceChanged(_ event: DeviceEvent) {
        let name: String
        switch event {
        case .added: name = EventName.deviceAdded
        case .removed:
            name = EventName.deviceRemoved
            // A busy device that goes away was announced as removed already.
            let wasBusy = state.withLock { $0.busy.remove(event.device.id) != nil }
            if wasBusy { return }
        case .changed: return
        }
        let device = event.device
        guard device.role != .ignored else { return }
        publish(EventNotification(method: name, params: .object(Self.eventParams(device))))
    }

    /// A lane's scanner that another reader holds is announced as removed (`reason: busy`), and
    /// as added again (`open: true`) once qfposd reads it.
    private func readerChanged(_ attachment: ScannerAttachment) {
        switch attachment {
        case .failed(let device, let error) where error.isHeldElsewhere:
            guard state.withLock({ $0.busy.insert(device.id).inserted }) else { return }
            var params = Self.eventParams(device)
            params["reason"] = "busy"
            params["message"] = .string(error.message)
            publish(EventNotification(method: EventName.deviceRemoved, params: .object(params)))
        case .attached(let device):
            guard state.withLock({ $0.busy.remove(device.id) != nil }) else { return }
            var params = Self.eventParams(device)
            params["open"] = true
            publish(EventNotification(method: EventName.deviceAdded, params: .object(params)))
        case .failed, .detached:
            break
        }
    }

    private static func eventParams(_ device: DeviceInfo) -> [String: JSONValue] {
        var params: [String: JSONValue] = [
            "id": .string(device.id), "role": .string(device.role.rawValue), "node": .string(device.node),
        ]
        if let lane = device.lane { params["lane"] = .string(lane) }
        return params
    }

    private func scanned(_ output: ScannerOutput) {
        guard case .scan(let scan) = output else {
            if case .dropped(let drop) = output {
                logger.info(
                    "scan dropped",
                    metadata: ["scan.reason": "\(drop.reason.rawValue)", "device.id": "\(drop.source.deviceID)"])
            }
            return
        }
        // The monitor's table, not the hub's: the hub's queue may be waiting for this scanner's
        // queue (closing a scanner), while the monitor's never does.
        let monitor = state.withLock { $0.monitor }
        let lane = monitor?.devices.first { $0.id == scan.source.deviceID }?.lane
        LatencyTrace.mark(.scanDecoded, lane ?? "-")
        // The scan's event first, so that the till hears of the scan before of the sale it starts
        // (a few microseconds: it is handed to the subscribers' connections); then the sale; the
        // log line is written while the scan is on its way.
        var params: [String: JSONValue] = [
            "code": .string(scan.maskedText), "device": .string(scan.source.deviceID),
            "kind": .string("\(scan.classification)"),
        ]
        if let lane { params["lane"] = .string(lane) }
        if let symbology = scan.symbology { params["symbology"] = .string(symbology) }
        publish(EventNotification(method: EventName.scan, params: .object(params)))
        if let lane, let target = scanTarget.withLock({ $0 }) {
            let code = scan.text
            Task(executorPreference: target.executor) { await target.deliver(lane, code) }
        }
        logger.info("scan", metadata: ["scan.code": "\(scan.maskedText)", "lane": "\(lane ?? "-")"])
    }

    /// `path: /dev/ttyACM0` → static path, `host:9100` → network, `match: usb:0c2e:0b61`,
    /// `match: serial:ABC123`, `match: path:/dev/serial/by-id/...`.
    static func match(_ spec: DaemonConfiguration.DeviceSpec) -> DeviceMatch? {
        if let path = spec.path {
            if !path.hasPrefix("/"), let colon = path.lastIndex(of: ":"),
                let port = Int(path[path.index(after: colon)...])
            {
                return .network(host: String(path[..<colon]), port: port)
            }
            return .staticPath(path)
        }
        guard let match = spec.match else { return nil }
        let parts = match.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[0] {
        case "usb":
            let ids = parts[1].split(separator: ":")
            guard let vendor = ids.first.flatMap({ UInt16($0, radix: 16) }) else { return nil }
            return .usb(vendorID: vendor, productID: ids.count > 1 ? UInt16(ids[1], radix: 16) : nil)
        case "serial": return .serialNumber(parts[1])
        case "path": return .devicePath(parts[1])
        default: return nil
        }
    }
}
