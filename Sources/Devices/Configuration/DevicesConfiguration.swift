import Foundation

/// One configured device: how to find it, what it is, and how to read it.
public struct DeviceRule: Sendable, Equatable, Codable {
    /// A name for logs and reports (`front-scanner`, `receipt`).
    public var name: String
    public var match: DeviceMatch
    public var role: DeviceRole
    /// For static paths: how to talk to the node (`serial` by default for scanners and printers).
    public var transport: DeviceTransport?
    /// Settings for a scanner; the configuration's defaults when absent.
    public var scanner: ScannerSettings?
    /// The lane this device serves (qfposd's lanes; absent in a plain device configuration).
    public var lane: String?

    public init(
        name: String, match: DeviceMatch, role: DeviceRole, transport: DeviceTransport? = nil,
        scanner: ScannerSettings? = nil, lane: String? = nil
    ) {
        self.name = name
        self.match = match
        self.role = role
        self.transport = transport
        self.scanner = scanner
        self.lane = lane
    }

    /// Why a device this rule uses has its lane: `lane front: config rule 'x' (usb 0c2e:0b61)`.
    public var laneReason: String {
        let rule = "config rule '\(name)' (\(match.summary))"
        return lane.map { "lane \($0): \(rule)" } ?? rule
    }
}

/// The devices part of qfpos's configuration.
///
/// JSON form (what `qfposd --list-devices --config FILE` reads):
/// ```json
/// {"devices": [{"name": "front", "role": "scanner", "match": {"usb": "0c2e:0b61"},
///               "scanner": {"keyboardLayout": "jp", "terminator": "cr"}}],
///  "defaultScanner": {"baudRate": 9600}}
/// ```
public struct DevicesConfiguration: Sendable, Equatable, Codable {
    /// Configured devices, matched in order; the first match wins.
    public var devices: [DeviceRule]
    /// Scanner settings for scanners without settings of their own (found by udev or the table).
    public var defaultScanner: ScannerSettings

    public init(devices: [DeviceRule] = [], defaultScanner: ScannerSettings = ScannerSettings()) {
        self.devices = devices
        self.defaultScanner = defaultScanner
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        devices = try container.decodeIfPresent([DeviceRule].self, forKey: .devices) ?? []
        defaultScanner = try container.decodeIfPresent(ScannerSettings.self, forKey: .defaultScanner) ?? .init()
    }

    /// Reads a JSON configuration file.
    public static func load(contentsOf path: String) throws -> DevicesConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DevicesError(.invalidConfiguration, "cannot read configuration file \(path)")
        }
        do {
            return try JSONDecoder().decode(DevicesConfiguration.self, from: data)
        } catch let error as DevicesError {
            throw error
        } catch {
            throw DevicesError(.invalidConfiguration, "\(path): \(error)")
        }
    }

    /// The first rule matching a discovered device (by ids, or by node: a path naming the same
    /// node, through a link or its device number).
    public func rule(for device: DeviceInfo, links: [String] = []) -> DeviceRule? {
        devices.first { $0.match.matches(device, links: links) }
    }

    /// The rule with this name.
    public func rule(named name: String?) -> DeviceRule? {
        guard let name else { return nil }
        return devices.first { $0.name == name }
    }

    /// Scanner settings for a device: its rule's, or the defaults.
    public func scannerSettings(for device: DeviceInfo) -> ScannerSettings {
        rule(named: device.configurationRule)?.scanner ?? defaultScanner
    }

    /// Devices named by static paths or network addresses, as they are now: present whether or
    /// not udev reports them. A static path naming a node udev reports is that udev device
    /// (`DeviceMonitor` then lists the udev device only); its `deviceNumber` says which node the
    /// path names now (nil while it names none).
    public var staticDevices: [DeviceInfo] {
        devices.compactMap { rule in
            switch rule.match {
            case .staticPath(let path):
                let transport = rule.transport ?? .serial
                return DeviceInfo(
                    id: "static-\(rule.name)", role: rule.role, transport: transport,
                    reason: "config rule '\(rule.name)' (\(rule.match.summary))", subsystem: "config", node: path,
                    stablePath: path, configurationRule: rule.name,
                    deviceNumber: DeviceNumber.ofCharacterDevice(atPath: path), lane: rule.lane,
                    laneReason: rule.laneReason)
            case .network(let host, let port):
                return DeviceInfo(
                    id: "network-\(rule.name)", role: rule.role, transport: .network,
                    reason: "config rule '\(rule.name)' (\(rule.match.summary))", subsystem: "config",
                    node: "\(host):\(port)", stablePath: "\(host):\(port)", configurationRule: rule.name,
                    lane: rule.lane, laneReason: rule.laneReason)
            default:
                return nil
            }
        }
    }

    /// The static devices that are no udev device of `discovered`: a static path naming a node
    /// udev reports (the node itself, one of its links, or its device number) is that device.
    public func staticDevices(besides discovered: [DeviceInfo]) -> [DeviceInfo] {
        staticDevices.filter { device in
            guard device.transport != .network else { return true }
            return !discovered.contains { other in
                other.subsystem != "config"
                    && (other.node == device.node || other.links.contains(device.node)
                        || (device.deviceNumber != nil && other.deviceNumber == device.deviceNumber))
            }
        }
    }
}
