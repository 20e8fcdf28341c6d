/// How a lane of the configuration names its device.
///
/// JSON form (one key): `{"usb": "0c2e:0b61"}` (or `"0c2e"` for any product of a vendor),
/// `{"serial": "17035B2A6E"}`, `{"path": "/dev/serial/by-id/usb-Honeywell…-if00"}`,
/// `{"static": "/dev/ttyS0"}` (a node udev does not report, e.g. a pty), `{"network": "10.0.0.5:9100"}`.
public enum DeviceMatch: Sendable, Equatable, Hashable {
    /// A USB vendor id and, optionally, a product id.
    case usb(vendorID: UInt16, productID: UInt16?)
    /// A USB serial number.
    case serialNumber(String)
    /// A stable udev symlink (`/dev/serial/by-id/…`, `/dev/input/by-path/…`) or the node itself.
    case devicePath(String)
    /// A path that is present whether udev reports it or not (an RS-232 port on a board, a pty
    /// in a demo, a link made by a local udev rule). When udev reports the node it names, that
    /// udev device is the one device.
    case staticPath(String)
    /// A network printer.
    case network(host: String, port: Int)

    /// Whether a discovered device matches. A path (a udev link or a static path) matches the
    /// node it names, however it names it: the node itself, one of the node's links, or a path
    /// whose device number (`stat`, following symlinks) is the node's. Network matches never
    /// match discovered devices.
    public func matches(_ device: DeviceInfo, links: [String] = []) -> Bool {
        switch self {
        case .usb(let vendorID, let productID):
            return device.vendorID == vendorID && (productID == nil || device.productID == productID)
        case .serialNumber(let serial):
            return device.serialNumber == serial
        case .devicePath(let path), .staticPath(let path):
            if device.node == path || device.stablePath == path || links.contains(path) || device.links.contains(path) {
                return true
            }
            guard let number = device.deviceNumber, device.subsystem != "config" else { return false }
            return DeviceNumber.ofCharacterDevice(atPath: path) == number
        case .network:
            return false
        }
    }

    /// A short description for reports: `usb 0c2e:0b61`, `serial 17035B2A6E`, `path …`.
    public var summary: String {
        switch self {
        case .usb(let vendorID, let productID):
            return "usb \(vendorID.hex4)" + (productID.map { ":\($0.hex4)" } ?? "")
        case .serialNumber(let serial): return "serial \(serial)"
        case .devicePath(let path): return "path \(path)"
        case .staticPath(let path): return "static \(path)"
        case .network(let host, let port): return "network \(host):\(port)"
        }
    }
}

extension DeviceMatch: Codable {
    private enum CodingKeys: String, CodingKey {
        case usb, serial, path, `static`, network
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let usb = try container.decodeIfPresent(String.self, forKey: .usb) {
            let parts = usb.split(separator: ":")
            guard (1...2).contains(parts.count), let vendor = UInt16(parts[0], radix: 16) else {
                throw DevicesError(.invalidConfiguration, "usb match must be vendor[:product] in hex, got '\(usb)'")
            }
            var product: UInt16?
            if parts.count == 2 {
                guard let value = UInt16(parts[1], radix: 16) else {
                    throw DevicesError(.invalidConfiguration, "usb product id must be hex, got '\(usb)'")
                }
                product = value
            }
            self = .usb(vendorID: vendor, productID: product)
        } else if let serial = try container.decodeIfPresent(String.self, forKey: .serial) {
            self = .serialNumber(serial)
        } else if let path = try container.decodeIfPresent(String.self, forKey: .path) {
            self = .devicePath(path)
        } else if let path = try container.decodeIfPresent(String.self, forKey: .static) {
            self = .staticPath(path)
        } else if let address = try container.decodeIfPresent(String.self, forKey: .network) {
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                (1...65_535).contains(port)
            else {
                throw DevicesError(.invalidConfiguration, "network match must be host:port, got '\(address)'")
            }
            self = .network(host: String(address[..<colon]), port: port)
        } else {
            throw DevicesError(.invalidConfiguration, "a device match needs one of usb, serial, path, static, network")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .usb(let vendorID, let productID):
            try container.encode(vendorID.hex4 + (productID.map { ":\($0.hex4)" } ?? ""), forKey: .usb)
        case .serialNumber(let serial): try container.encode(serial, forKey: .serial)
        case .devicePath(let path): try container.encode(path, forKey: .path)
        case .staticPath(let path): try container.encode(path, forKey: .static)
        case .network(let host, let port): try container.encode("\(host):\(port)", forKey: .network)
        }
    }
}
