import Glibc

/// What a device tells about itself through sysfs and udev properties: the input of
/// `DeviceClassifier`. Gathered from libudev by `init(device:)`; tests build it directly.
struct DeviceFacts: Sendable, Equatable {
    var syspath: String
    var subsystem: String
    var sysname: String
    var devnode: String?
    /// The node's identity (major:minor).
    var deviceNumber: DeviceNumber?
    var properties: [String: String] = [:]
    var devlinks: [String] = []
    var isInitialized = false
    var vendorID: UInt16?
    var productID: UInt16?
    var serialNumber: String?
    var manufacturer: String?
    var product: String?
    var interfaceClass: UInt8?
    var interfaceSubclass: UInt8?
    var interfaceNumber: String?
    /// The USB device's sysfs name, its port path (`1-1.5`): stable while it stays in that port.
    var usbPortPath: String?
    var ieee1284ID: String?
    /// An evdev node that can type digits and Enter.
    var isKeyboard = false
    /// The HID report descriptor, for hidraw nodes.
    var hidReportDescriptor: [UInt8]?

    init(syspath: String, subsystem: String, sysname: String, devnode: String? = nil) {
        self.syspath = syspath
        self.subsystem = subsystem
        self.sysname = sysname
        self.devnode = devnode
    }

    /// Reads the facts of a udev device and its USB, input and HID ancestors.
    init?(device: UdevDevice) {
        guard let syspath = device.syspath, let subsystem = device.subsystem, let sysname = device.sysname else {
            return nil
        }
        self.init(syspath: syspath, subsystem: subsystem, sysname: sysname, devnode: device.devnode)
        isInitialized = device.isInitialized
        deviceNumber = device.deviceNumber
        devlinks = device.devlinks
        for name in [
            "QFPOS_ROLE", "QFPOS_REASON", "ID_VENDOR_ID", "ID_MODEL_ID", "ID_SERIAL_SHORT", "ID_VENDOR", "ID_MODEL",
            "ID_INPUT_KEYBOARD", "ID_USB_INTERFACE_NUM", "DEVLINKS",
        ] {
            if let value = device.property(name) { properties[name] = value }
        }
        if devlinks.isEmpty, let links = properties["DEVLINKS"] {
            devlinks = links.split(separator: " ").map(String.init)
        }
        if let usbDevice = device.parent(subsystem: "usb", devtype: "usb_device") {
            vendorID = usbDevice.attribute("idVendor").flatMap { UInt16($0, radix: 16) }
            productID = usbDevice.attribute("idProduct").flatMap { UInt16($0, radix: 16) }
            serialNumber = usbDevice.attribute("serial")
            manufacturer = usbDevice.attribute("manufacturer")
            product = usbDevice.attribute("product")
            usbPortPath = usbDevice.sysname
        }
        if let interface = device.parent(subsystem: "usb", devtype: "usb_interface") {
            interfaceClass = interface.attribute("bInterfaceClass").flatMap { UInt8($0, radix: 16) }
            interfaceSubclass = interface.attribute("bInterfaceSubClass").flatMap { UInt8($0, radix: 16) }
            interfaceNumber = interface.attribute("bInterfaceNumber")
        }
        vendorID = vendorID ?? properties["ID_VENDOR_ID"].flatMap { UInt16($0, radix: 16) }
        productID = productID ?? properties["ID_MODEL_ID"].flatMap { UInt16($0, radix: 16) }
        serialNumber = serialNumber ?? properties["ID_SERIAL_SHORT"]
        manufacturer = manufacturer ?? properties["ID_VENDOR"]
        product = product ?? properties["ID_MODEL"]
        interfaceNumber = interfaceNumber ?? properties["ID_USB_INTERFACE_NUM"]
        ieee1284ID = device.attribute("ieee1284_id")
        if subsystem == "input" {
            isKeyboard = properties["ID_INPUT_KEYBOARD"] == "1"
            // The input device's uevent carries its key capability bitmap (KEY=…).
            if !isKeyboard, let input = device.parent(subsystem: "input"),
                let keys = input.property("KEY") ?? input.attribute("capabilities/key")
            {
                isKeyboard = Self.keyBitmapCanTypeCodes(keys)
            }
        }
        if subsystem == "hidraw", let hid = device.parent(subsystem: "hid"), let path = hid.syspath {
            hidReportDescriptor = Self.readFile(path + "/report_descriptor", limit: 4096)
        }
    }

    /// Whether an evdev key capability bitmap (`capabilities/key`: hex words, most significant
    /// first) has the digit keys KEY_1…KEY_0 (codes 2…11) and KEY_ENTER (28).
    static func keyBitmapCanTypeCodes(_ bitmap: String) -> Bool {
        let words = bitmap.split(separator: " ").reversed().map { UInt64($0, radix: 16) ?? 0 }
        func has(_ code: Int) -> Bool {
            let word = code / 64
            return word < words.count && words[word] & (1 << UInt64(code % 64)) != 0
        }
        return (2...11).allSatisfy(has) && has(28)
    }

    /// Whether a HID report descriptor declares a usage page (global item Usage Page, tag 0x04).
    static func reportDescriptor(_ descriptor: [UInt8], declaresUsagePage page: UInt16) -> Bool {
        var index = 0
        while index < descriptor.count {
            let prefix = descriptor[index]
            if prefix == 0xFE {  // long item: size in the next byte
                guard index + 1 < descriptor.count else { return false }
                index += 3 + Int(descriptor[index + 1])
                continue
            }
            let size = [0, 1, 2, 4][Int(prefix & 0x03)]
            guard index + size < descriptor.count else { return false }
            if prefix & 0xFC == 0x04 {
                var value: UInt32 = 0
                for offset in 0..<size { value |= UInt32(descriptor[index + 1 + offset]) << (8 * UInt32(offset)) }
                if value == UInt32(page) { return true }
            }
            index += 1 + size
        }
        return false
    }

    static func readFile(_ path: String, limit: Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: limit)
        let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count >= 0 else { return nil }
        return Array(bytes[0..<count])
    }
}
