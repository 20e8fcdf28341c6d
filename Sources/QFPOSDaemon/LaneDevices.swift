import ControlProtocol
import Devices
import Foundation
import Logging
import Synchronization

/// ``DevicesPort`` over the Devices library: discovery (udev monitor plus the lanes' static
/// paths), one scanner per lane read by the `ScannerHub`, scans handed to the lane's waiting
/// sale, and every device change and scan (masked) published as events.
public final class LaneDevices: DevicesPort {
    private let logger: Logger
    private let scanTarget: Mutex<(@Sendable (String, String) async -> Void)?> = Mutex(nil)
    private let events: AsyncStream<EventNotification>
    private let eventContinuation: AsyncStream<EventNotification>.Continuation
    private let state: Mutex<(monitor: DeviceMonitor?, hub: ScannerHub?, lanesByRule: [String: String])>

    /// Starts discovery for `configuration`'s lanes.
    public init(configuration: DaemonConfiguration, logger: Logger) {
        self.logger = logger
        (events, eventContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(4096))
        state = Mutex((nil, nil, [:]))
        start(configuration)
    }

    /// Where scans go: `(lane, code)`; set once the payment pipeline exists.
    public func routeScans(to target: @escaping @Sendable (_ lane: String, _ code: String) async -> Void) {
        scanTarget.withLock { $0 = target }
    }

    /// Publishes an event through this port's stream (printer status from ``LanePrinter``).
    public func publish(_ event: EventNotification) {
        eventContinuation.yield(event)
    }

    public func deviceList() async -> JSONValue {
        let devices = state.withLock { $0.monitor?.devices ?? [] }
        let lanes = state.withLock { $0.lanesByRule }
        return .array(
            devices.map { device in
                var members: [String: JSONValue] = [
                    "id": .string(device.id), "role": .string(device.role.rawValue),
                    "transport": .string(device.transport.rawValue), "node": .string(device.node),
                    "reason": .string(device.reason),
                ]
                if let stable = device.stablePath { members["stable_path"] = .string(stable) }
                if let vendor = device.vendor { members["vendor"] = .string(vendor) }
                if let model = device.model { members["model"] = .string(model) }
                if let usb = device.usbID { members["usb_id"] = .string(usb) }
                if let rule = device.configurationRule, let lane = lanes[rule] { members["lane"] = .string(lane) }
                return .object(members)
            })
    }

    public func deviceEvents() -> AsyncStream<EventNotification> { events }

    public func reload(_ configuration: DaemonConfiguration) async throws {
        stop()
        start(configuration)
    }

    /// Stops reading every scanner and following udev.
    public func stop() {
        let (monitor, hub) = state.withLock { state in
            defer {
                state.monitor = nil
                state.hub = nil
            }
            return (state.monitor, state.hub)
        }
        hub?.stop()
        monitor?.stop()
    }

    // MARK: - Wiring

    /// The Devices library's configuration for `configuration`'s lanes, with each lane's rule names.
    public static func devicesConfiguration(for configuration: DaemonConfiguration) -> DevicesConfiguration {
        rules(for: configuration).configuration
    }

    private static func rules(for configuration: DaemonConfiguration) -> (
        configuration: DevicesConfiguration, lanesByRule: [String: String]
    ) {
        var rules: [DeviceRule] = []
        var lanesByRule: [String: String] = [:]
        for lane in configuration.lanes {
            if let spec = lane.scanner, let match = Self.match(spec) {
                let name = "lane-\(lane.id)-scanner"
                var settings = ScannerSettings()
                if let baud = spec.baud { settings.baudRate = baud }
                if let suffix = spec.suffix.flatMap(ScannerSettings.Terminator.init(rawValue:)) {
                    settings.terminator = suffix
                }
                if let layout = spec.layout { settings.keyboardLayout = layout }
                rules.append(DeviceRule(name: name, match: match, role: .scanner, scanner: settings))
                lanesByRule[name] = lane.id
            }
            if let spec = lane.printer, let match = Self.match(spec) {
                let name = "lane-\(lane.id)-printer"
                let transport: DeviceTransport = if case .network = match { .network } else { .serial }
                rules.append(DeviceRule(name: name, match: match, role: .printer, transport: transport))
                lanesByRule[name] = lane.id
            }
        }
        return (DevicesConfiguration(devices: rules), lanesByRule)
    }

    private func start(_ configuration: DaemonConfiguration) {
        let (devicesConfiguration, lanesByRule) = Self.rules(for: configuration)
        let monitor = DeviceMonitor(configuration: devicesConfiguration, logger: logger)
        let hub = ScannerHub(monitor: monitor, configuration: devicesConfiguration, logger: logger) {
            [weak self] output in
            self?.scanned(output)
        }
        state.withLock {
            $0.monitor = monitor
            $0.hub = hub
            $0.lanesByRule = lanesByRule
        }
        monitor.subscribe { [weak self] event in self?.deviceChanged(event) }
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
        case .removed: name = EventName.deviceRemoved
        case .changed: return
        }
        let device = event.device
        guard device.role != .ignored else { return }
        let lane = device.configurationRule.flatMap { rule in state.withLock { $0.lanesByRule[rule] } }
        var params: [String: JSONValue] = [
            "id": .string(device.id), "role": .string(device.role.rawValue), "node": .string(device.node),
        ]
        if let lane { params["lane"] = .string(lane) }
        eventContinuation.yield(EventNotification(method: name, params: .object(params)))
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
        let rule = state.withLock { state in
            state.monitor?.devices.first { $0.id == scan.source.deviceID }?.configurationRule
        }
        let lane = rule.flatMap { rule in state.withLock { $0.lanesByRule[rule] } }
        var params: [String: JSONValue] = [
            "code": .string(scan.maskedText), "device": .string(scan.source.deviceID),
            "kind": .string("\(scan.classification)"),
        ]
        if let lane { params["lane"] = .string(lane) }
        if let symbology = scan.symbology { params["symbology"] = .string(symbology) }
        eventContinuation.yield(EventNotification(method: EventName.scan, params: .object(params)))
        logger.info("scan", metadata: ["scan.code": "\(scan.maskedText)", "lane": "\(lane ?? "-")"])
        guard let lane, let target = scanTarget.withLock({ $0 }) else { return }
        let code = scan.text
        Task { await target(lane, code) }
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
