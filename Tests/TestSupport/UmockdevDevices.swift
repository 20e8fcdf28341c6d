import Synchronization

/// A device to put in the umockdev testbed: its umockdev-record description (a USB device, its
/// interface and the node's device, parents first), and where it shows up.
public struct FakeDevice: Sendable {
    /// umockdev-record text for `UmockdevTestbed.add` / `plug`.
    public let description: String
    /// The node the code under test opens (`/dev/ttyACM3`).
    public let node: String
    /// The sysfs paths of the devices described, parents first (for `unplug`).
    public let syspaths: [String]
    /// The sysfs path of the node's device.
    public var nodeSyspath: String { syspaths.last! }

    public init(description: String, node: String, syspaths: [String]) {
        self.description = description
        self.node = node
        self.syspaths = syspaths
    }

    /// The same device with these udev properties on its node (as rules would set them).
    public func withNodeProperties(_ properties: [String: String]) -> FakeDevice {
        let lines = properties.sorted { $0.key < $1.key }.map { "E: \($0.key)=\($0.value)\n" }.joined()
        return FakeDevice(description: description + lines, node: node, syspaths: syspaths)
    }
}

/// Descriptions of point-of-sale devices as the kernel shows them (sysfs attributes and
/// uevent properties only, no udev-made properties: under a testbed no rules run). Node and
/// port numbers come from a process-wide counter so that no two tests collide.
public enum FakeDevices {
    private static let counter = Mutex(40)

    /// A fresh number for a node or a USB port.
    public static func uniqueNumber() -> Int {
        counter.withLock { value in
            value += 1
            return value
        }
    }

    /// A USB CDC-ACM scanner (`ttyACM*`), e.g. a Honeywell in USB serial mode.
    public static func cdcACMScanner(
        vendor: UInt16 = 0x0c2e, product: UInt16 = 0x0b61, serial: String? = "17035B2A6E",
        manufacturer: String = "Honeywell Imaging & Mobility", model: String = "1900G",
        port: Int = uniqueNumber(), node: Int = uniqueNumber(), extraProperties: [String: String] = [:]
    ) -> FakeDevice {
        let usb = usbDevice(
            port: port, vendor: vendor, product: product, serial: serial, manufacturer: manufacturer, model: model)
        let interface = usbInterface(usb.path, interfaceClass: "02", subclass: "02", protocol: "01", driver: "cdc_acm")
        let ttyPath = "\(interface.path)/tty/ttyACM\(node)"
        let tty = deviceNode(
            ttyPath, name: "ttyACM\(node)", subsystem: "tty", major: 166, minor: node, properties: extraProperties)
        return fakeDevice([usb, interface], tty)
    }

    /// A scanner behind a USB-serial converter (`ttyUSB*`), e.g. a Datalogic RS-232 model on an FTDI cable
    /// that reports Datalogic's vendor id.
    public static func usbSerialScanner(
        vendor: UInt16 = 0x05f9, product: UInt16 = 0x4204, serial: String? = "DL0042",
        manufacturer: String = "Datalogic", model: String = "QuickScan QD2430",
        port: Int = uniqueNumber(), node: Int = uniqueNumber()
    ) -> FakeDevice {
        let usb = usbDevice(
            port: port, vendor: vendor, product: product, serial: serial, manufacturer: manufacturer, model: model)
        let interface = usbInterface(usb.path, interfaceClass: "ff", subclass: "ff", protocol: "ff", driver: "ftdi_sio")
        let portPath = "\(interface.path)/ttyUSB\(node)"
        let portDevice = stanza(portPath, properties: ["SUBSYSTEM": "usb-serial", "DRIVER": "ftdi_sio"])
        let tty = deviceNode(
            "\(portPath)/tty/ttyUSB\(node)", name: "ttyUSB\(node)", subsystem: "tty", major: 188, minor: node)
        return fakeDevice([usb, interface, (portPath, portDevice)], tty)
    }

    /// A USB HID keyboard: a keyboard-wedge scanner when the vendor is a scanner maker
    /// (default: Zebra/Symbol), a real keyboard otherwise (e.g. Logitech `046d`).
    public static func keyboard(
        vendor: UInt16 = 0x05e0, product: UInt16 = 0x1200, serial: String? = "S/N:2A8F",
        manufacturer: String = "Symbol Technologies, Inc, 2008", model: String = "Symbol Bar Code Scanner",
        port: Int = uniqueNumber(), node: Int = uniqueNumber()
    ) -> FakeDevice {
        let usb = usbDevice(
            port: port, vendor: vendor, product: product, serial: serial, manufacturer: manufacturer, model: model)
        let interface = usbInterface(usb.path, interfaceClass: "03", subclass: "01", protocol: "01", driver: "usbhid")
        let inputPath = "\(interface.path)/0003:\(hex(vendor)):\(hex(product)).00\(node % 100)/input/input\(node)"
        let input = stanza(
            inputPath,
            properties: [
                "SUBSYSTEM": "input", "NAME": "\"\(manufacturer) \(model)\"", "EV": "120013",
                "KEY": "1000000000007 ff9f207ac14057ff febeffdfffefffff fffffffffffffffe",
            ],
            attributes: ["name": "\(manufacturer) \(model)"])
        let event = deviceNode(
            "\(inputPath)/event\(node)", name: "input/event\(node)", subsystem: "input", major: 13, minor: 64 + node)
        return fakeDevice([usb, interface, (inputPath, input)], event)
    }

    /// A USB printer-class printer (`/dev/usb/lp*`), default an Epson TM-T88V.
    public static func usbPrinter(
        vendor: UInt16 = 0x04b8, product: UInt16 = 0x0202, serial: String? = "X3PT012345",
        manufacturer: String = "EPSON", model: String = "TM-T88V",
        ieee1284ID: String = "MFG:EPSON;CMD:ESC/POS;MDL:TM-T88V;CLS:PRINTER;",
        port: Int = uniqueNumber(), node: Int = uniqueNumber()
    ) -> FakeDevice {
        let usb = usbDevice(
            port: port, vendor: vendor, product: product, serial: serial, manufacturer: manufacturer, model: model)
        let interface = usbInterface(usb.path, interfaceClass: "07", subclass: "01", protocol: "02", driver: "usblp")
        let lp = deviceNode(
            "\(interface.path)/usbmisc/lp\(node)", name: "usb/lp\(node)", subsystem: "usbmisc", major: 180,
            minor: node, attributes: ["ieee1284_id": ieee1284ID])
        return fakeDevice([usb, interface], lp)
    }

    /// A HID POS scanner (usage page 0x8C) on hidraw, default a Honeywell in HID POS mode.
    public static func hidPOSScanner(
        vendor: UInt16 = 0x0c2e, product: UInt16 = 0x0b6a, serial: String? = "18125B1F22",
        port: Int = uniqueNumber(), node: Int = uniqueNumber()
    ) -> FakeDevice {
        let usb = usbDevice(
            port: port, vendor: vendor, product: product, serial: serial, manufacturer: "Honeywell", model: "HID POS")
        let interface = usbInterface(usb.path, interfaceClass: "03", subclass: "00", protocol: "00", driver: "usbhid")
        let hidPath = "\(interface.path)/0003:\(hex(vendor)):\(hex(product)).00\(node % 100)"
        // Usage Page (0x8C, bar code scanner), Usage (0x02), Collection (Application) … End Collection.
        let hid = stanza(
            hidPath, properties: ["SUBSYSTEM": "hid", "HID_ID": "0003:0000\(hex(vendor)):0000\(hex(product))"],
            binaryAttributes: ["report_descriptor": "068C000902A101850209FE1500260000750895387400C0"])
        let hidraw = deviceNode(
            "\(hidPath)/hidraw/hidraw\(node)", name: "hidraw\(node)", subsystem: "hidraw", major: 245, minor: node)
        return fakeDevice([usb, interface, (hidPath, hid)], hidraw)
    }

    // MARK: - Building blocks

    /// A device: its parents' stanzas, parents first, then the node's device.
    private static func fakeDevice(
        _ parents: [(path: String, text: String)], _ device: (path: String, text: String, node: String)
    ) -> FakeDevice {
        let all = parents + [(device.path, device.text)]
        return FakeDevice(
            description: all.map(\.text).joined(separator: "\n"), node: device.node,
            syspaths: all.map { "/sys" + $0.path })
    }

    /// A device with a node in `/dev`: `name` there, its major and minor numbers, and what
    /// `properties` and `attributes` add.
    private static func deviceNode(
        _ path: String, name: String, subsystem: String, major: Int, minor: Int,
        properties: [String: String] = [:], attributes: [String: String] = [:]
    ) -> (path: String, text: String, node: String) {
        let text = stanza(
            path, node: name,
            properties: ["SUBSYSTEM": subsystem, "DEVNAME": "/dev/\(name)", "MAJOR": "\(major)", "MINOR": "\(minor)"]
                .merging(properties) { $1 },
            attributes: ["dev": "\(major):\(minor)"].merging(attributes) { $1 })
        return (path, text, "/dev/\(name)")
    }

    private static func usbDevice(
        port: Int, vendor: UInt16, product: UInt16, serial: String?, manufacturer: String, model: String
    ) -> (path: String, text: String) {
        let path = "/devices/pci0000:00/0000:00:14.0/usb1/1-\(port)"
        var attributes = [
            "idVendor": hex(vendor), "idProduct": hex(product), "manufacturer": manufacturer, "product": model,
            "busnum": "1", "devnum": "\(port)",
        ]
        if let serial { attributes["serial"] = serial }
        let text = stanza(
            path,
            properties: [
                "SUBSYSTEM": "usb", "DEVTYPE": "usb_device", "PRODUCT": "\(hex(vendor))/\(hex(product))/100",
                "BUSNUM": "001",
            ],
            attributes: attributes)
        return (path, text)
    }

    private static func usbInterface(
        _ parent: String, interfaceClass: String, subclass: String, protocol: String, driver: String
    ) -> (path: String, text: String) {
        let name = parent.split(separator: "/").last! + ":1.0"
        let path = "\(parent)/\(name)"
        let text = stanza(
            path,
            properties: [
                "SUBSYSTEM": "usb", "DEVTYPE": "usb_interface", "DRIVER": driver,
                "INTERFACE":
                    "\(Int(interfaceClass, radix: 16)!)/\(Int(subclass, radix: 16)!)/\(Int(`protocol`, radix: 16)!)",
            ],
            attributes: [
                "bInterfaceClass": interfaceClass, "bInterfaceSubClass": subclass, "bInterfaceProtocol": `protocol`,
                "bInterfaceNumber": "00",
            ])
        return (path, text)
    }

    private static func stanza(
        _ path: String, node: String? = nil, properties: [String: String], attributes: [String: String] = [:],
        binaryAttributes: [String: String] = [:]
    ) -> String {
        var lines = ["P: \(path)"]
        if let node { lines.append("N: \(node)") }
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) { lines.append("E: \(key)=\(value)") }
        for (key, value) in attributes.sorted(by: { $0.key < $1.key }) { lines.append("A: \(key)=\(value)") }
        for (key, value) in binaryAttributes.sorted(by: { $0.key < $1.key }) { lines.append("H: \(key)=\(value)") }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func hex(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
