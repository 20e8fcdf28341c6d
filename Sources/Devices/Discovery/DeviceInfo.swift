/// A device qfpos found (by udev or in the configuration), with the role it gave it and why.
///
/// `id` is stable across reboots and re-plugs: it is built from the USB vendor, product and
/// serial number (or the USB port path when the device has no serial number) and the interface,
/// never from a kernel index such as `ttyACM0`.
public struct DeviceInfo: Sendable, Equatable, Hashable {
    /// Stable identity, e.g. `usb-0c2e:0b61-SN12345-if00-serial`.
    public var id: String
    /// What qfpos does with the device.
    public var role: DeviceRole
    /// How qfpos talks to it.
    public var transport: DeviceTransport
    /// Why the role was given: which udev rule, configuration rule or built-in table entry.
    public var reason: String
    /// The kernel subsystem (`tty`, `input`, `hidraw`, `usbmisc`), or `config` for static devices.
    public var subsystem: String
    /// The node to open: `/dev/ttyACM0`, `/dev/input/event5`, `/dev/usb/lp0`, or `host:9100`.
    public var node: String
    /// A stable symlink to the node when udev made one (`/dev/serial/by-id/…`, `/dev/input/by-path/…`).
    public var stablePath: String?
    /// The sysfs path, for udev-discovered devices.
    public var syspath: String?
    /// USB vendor id.
    public var vendorID: UInt16?
    /// USB product id.
    public var productID: UInt16?
    /// USB serial number, when the device reports one.
    public var serialNumber: String?
    /// Manufacturer name as the device reports it.
    public var vendor: String?
    /// Product name as the device reports it.
    public var model: String?
    /// Whether udev had processed the device (false under a testbed or before udev finished).
    public var isInitialized: Bool
    /// The name of the configuration rule that uses the device, if any: it matched the device
    /// and names it in the role the device has (its scanner settings apply, its lane reads it).
    public var configurationRule: String?
    /// The node's identity (`st_rdev`), for nodes udev reports and static paths naming a node:
    /// every path with this number is this device.
    public var deviceNumber: DeviceNumber?
    /// The node's symlinks (`/dev/serial/by-id/…`, `/dev/qfpos/scanner-…`).
    public var links: [String]
    /// The lane using the device (the configuration rule's lane), if any.
    public var lane: String?
    /// Why the device has its lane ("lane front: config rule …"), or why it has none
    /// ("not used by any lane: …").
    public var laneReason: String

    public init(
        id: String, role: DeviceRole, transport: DeviceTransport, reason: String, subsystem: String, node: String,
        stablePath: String? = nil, syspath: String? = nil, vendorID: UInt16? = nil, productID: UInt16? = nil,
        serialNumber: String? = nil, vendor: String? = nil, model: String? = nil, isInitialized: Bool = true,
        configurationRule: String? = nil, deviceNumber: DeviceNumber? = nil, links: [String] = [],
        lane: String? = nil, laneReason: String = DeviceInfo.unusedReason
    ) {
        self.id = id
        self.role = role
        self.transport = transport
        self.reason = reason
        self.subsystem = subsystem
        self.node = node
        self.stablePath = stablePath
        self.syspath = syspath
        self.vendorID = vendorID
        self.productID = productID
        self.serialNumber = serialNumber
        self.vendor = vendor
        self.model = model
        self.isInitialized = isInitialized
        self.configurationRule = configurationRule
        self.deviceNumber = deviceNumber
        self.links = links
        self.lane = lane
        self.laneReason = laneReason
    }

    /// What `laneReason` starts with for a device no lane uses; qfposd leaves such a device
    /// alone (a scanner is not opened, a keyboard not grabbed).
    public static let unusedReason = "not used by any lane"

    /// Whether a configuration rule (a lane) uses the device: only such scanners are read.
    public var isUsed: Bool { configurationRule != nil }

    /// `vendor:product` in lower-case hex (`0c2e:0b61`), or nil without USB ids.
    public var usbID: String? {
        guard let vendorID, let productID else { return nil }
        return "\(vendorID.hex4):\(productID.hex4)"
    }
}

/// A change in the set of devices, published by `DeviceMonitor`.
public enum DeviceEvent: Sendable, Equatable {
    /// A device appeared (plugged in, or found at start).
    case added(DeviceInfo)
    /// A known device changed (udev finished initialising it, or its properties changed).
    case changed(DeviceInfo)
    /// A device went away (unplugged).
    case removed(DeviceInfo)

    /// The device the event is about.
    public var device: DeviceInfo {
        switch self {
        case .added(let device), .changed(let device), .removed(let device): device
        }
    }
}

extension UInt16 {
    /// Four lower-case hex digits, as udev and lsusb print USB ids.
    var hex4: String {
        let digits = String(self, radix: 16)
        return String(repeating: "0", count: Swift.max(0, 4 - digits.count)) + digits
    }
}

extension DeviceInfo: Codable {
    private enum CodingKeys: String, CodingKey {
        case id, role, transport, reason, subsystem, node, stablePath, syspath, vendorID, productID, serialNumber
        case vendor, model, isInitialized = "initialized", configurationRule, deviceNumber, links, lane, laneReason
    }

    /// The JSON of `qfposd --list-devices --json`: USB ids as four hex digits, absent fields omitted.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(role, forKey: .role)
        try container.encode(transport, forKey: .transport)
        try container.encode(reason, forKey: .reason)
        try container.encode(subsystem, forKey: .subsystem)
        try container.encode(node, forKey: .node)
        try container.encodeIfPresent(stablePath, forKey: .stablePath)
        try container.encodeIfPresent(syspath, forKey: .syspath)
        try container.encodeIfPresent(vendorID?.hex4, forKey: .vendorID)
        try container.encodeIfPresent(productID?.hex4, forKey: .productID)
        try container.encodeIfPresent(serialNumber, forKey: .serialNumber)
        try container.encodeIfPresent(vendor, forKey: .vendor)
        try container.encodeIfPresent(model, forKey: .model)
        try container.encode(isInitialized, forKey: .isInitialized)
        try container.encodeIfPresent(configurationRule, forKey: .configurationRule)
        try container.encodeIfPresent(deviceNumber, forKey: .deviceNumber)
        if !links.isEmpty { try container.encode(links, forKey: .links) }
        try container.encodeIfPresent(lane, forKey: .lane)
        try container.encode(laneReason, forKey: .laneReason)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func hex(_ key: CodingKeys) throws -> UInt16? {
            guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let value = UInt16(text, radix: 16) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not hex: \(text)")
            }
            return value
        }
        self.init(
            id: try container.decode(String.self, forKey: .id),
            role: try container.decode(DeviceRole.self, forKey: .role),
            transport: try container.decode(DeviceTransport.self, forKey: .transport),
            reason: try container.decode(String.self, forKey: .reason),
            subsystem: try container.decode(String.self, forKey: .subsystem),
            node: try container.decode(String.self, forKey: .node),
            stablePath: try container.decodeIfPresent(String.self, forKey: .stablePath),
            syspath: try container.decodeIfPresent(String.self, forKey: .syspath), vendorID: try hex(.vendorID),
            productID: try hex(.productID),
            serialNumber: try container.decodeIfPresent(String.self, forKey: .serialNumber),
            vendor: try container.decodeIfPresent(String.self, forKey: .vendor),
            model: try container.decodeIfPresent(String.self, forKey: .model),
            isInitialized: try container.decodeIfPresent(Bool.self, forKey: .isInitialized) ?? true,
            configurationRule: try container.decodeIfPresent(String.self, forKey: .configurationRule),
            deviceNumber: try container.decodeIfPresent(DeviceNumber.self, forKey: .deviceNumber),
            links: try container.decodeIfPresent([String].self, forKey: .links) ?? [],
            lane: try container.decodeIfPresent(String.self, forKey: .lane),
            laneReason: try container.decodeIfPresent(String.self, forKey: .laneReason) ?? Self.unusedReason)
    }
}
