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
    /// USB vendor and product ids.
    public var vendorID: UInt16?
    public var productID: UInt16?
    /// USB serial number, when the device reports one.
    public var serialNumber: String?
    /// Manufacturer and product names as the device reports them.
    public var vendor: String?
    public var model: String?
    /// Whether udev had processed the device (false under a testbed or before udev finished).
    public var isInitialized: Bool
    /// The name of the configuration rule that matched, if any (its scanner settings apply).
    public var configurationRule: String?

    public init(
        id: String, role: DeviceRole, transport: DeviceTransport, reason: String, subsystem: String, node: String,
        stablePath: String? = nil, syspath: String? = nil, vendorID: UInt16? = nil, productID: UInt16? = nil,
        serialNumber: String? = nil, vendor: String? = nil, model: String? = nil, isInitialized: Bool = true,
        configurationRule: String? = nil
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
    }

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
