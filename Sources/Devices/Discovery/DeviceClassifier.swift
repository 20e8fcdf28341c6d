/// Answers two separate questions about a discovered device.
///
/// **Its role**, in this order: the `QFPOS_ROLE` property set by our udev rules, a configuration
/// rule (vendor:product, serial number, by-id/by-path path, a static path naming the node), then
/// the built-in `DeviceTable` (printer-class interfaces, IEEE 1284 ids naming ESC/POS, known
/// scanner and printer makers, the HID POS usage page). Real keyboards are never taken as
/// scanners by the table: only keyboards of known scanner makers, or those a technician names.
///
/// **Its lane**, whatever gave the role: the first configuration rule matching the device (by
/// ids, or by node identity: the node, one of its links, or its device number), when the rule
/// names the device in the role it has. A device no rule uses is "not used by any lane", and
/// qfposd leaves it alone.
struct DeviceClassifier: Sendable {
    let configuration: DevicesConfiguration

    /// The device as qfpos sees it, or nil when it is not a candidate at all (a mouse, a virtual
    /// console, a USB hub).
    func classify(_ facts: DeviceFacts) -> DeviceInfo? {
        guard let transport = transport(of: facts), let node = facts.devnode else { return nil }
        var info = DeviceInfo(
            id: Self.identity(of: facts, transport: transport), role: .ignored, transport: transport, reason: "",
            subsystem: facts.subsystem, node: node, stablePath: Self.stablePath(of: facts), syspath: facts.syspath,
            vendorID: facts.vendorID, productID: facts.productID, serialNumber: facts.serialNumber,
            vendor: facts.manufacturer, model: facts.product, isInitialized: facts.isInitialized,
            deviceNumber: facts.deviceNumber, links: facts.devlinks)
        let rule = configuration.rule(for: info, links: facts.devlinks)

        let classified: DeviceInfo?
        if let role = facts.properties["QFPOS_ROLE"].flatMap(DeviceRole.init(rawValue:)) {
            let detail = facts.properties["QFPOS_REASON"].map { ": \($0)" } ?? ""
            classified = settle(
                &info, role: role, reason: "udev rule QFPOS_ROLE=\(role.rawValue)\(detail)", facts: facts,
                isNamed: true)
        } else if let rule {
            classified = settle(
                &info, role: rule.role, reason: "config rule '\(rule.name)' (\(rule.match.summary))", facts: facts,
                isNamed: true)
        } else {
            classified = builtIn(&info, facts: facts)
        }
        guard var device = classified else { return nil }
        Self.assignLane(&device, rule: rule)
        return device
    }

    /// Gives the device the matching rule's lane when the rule names it in the role it has.
    static func assignLane(_ device: inout DeviceInfo, rule: DeviceRule?) {
        device.configurationRule = nil
        device.lane = nil
        guard let rule else {
            device.laneReason = "\(DeviceInfo.unusedReason): no lane's match or path names it"
            return
        }
        guard device.role == rule.role else {
            let role = device.role == .ignored ? "it is ignored" : "it is a \(device.role.rawValue)"
            device.laneReason =
                "\(DeviceInfo.unusedReason): \(rule.laneReason) names a \(rule.role.rawValue), but \(role) "
                + "(\(device.reason))"
            return
        }
        device.configurationRule = rule.name
        device.lane = rule.lane
        device.laneReason = rule.laneReason
    }

    private func builtIn(_ info: inout DeviceInfo, facts: DeviceFacts) -> DeviceInfo? {
        let printerClass = DeviceTable.printerInterfaceClass
        if let id = facts.ieee1284ID, DeviceTable.ieee1284IDNamesESCPOS(id) {
            return settle(&info, role: .printer, reason: "IEEE 1284 device id names CMD:ESC/POS", facts: facts)
        }
        if facts.interfaceClass == printerClass.interfaceClass, facts.interfaceSubclass == printerClass.subclass {
            return settle(&info, role: .printer, reason: "USB printer-class interface 07/01", facts: facts)
        }
        if facts.subsystem == "usbmisc" {
            return settle(&info, role: .printer, reason: "USB printer node (usblp)", facts: facts)
        }
        if let entry = DeviceTable.entry(vendorID: facts.vendorID, manufacturer: facts.manufacturer) {
            let how: String
            switch entry.match {
            case .vendor(let id): how = "vendor \(id.hex4)"
            case .manufacturer(let name): how = "manufacturer \(name)"
            }
            return settle(&info, role: entry.role, reason: "built-in table: \(entry.maker) (\(how))", facts: facts)
        }
        if facts.subsystem == "hidraw", hasPOSUsagePage(facts) {
            return settle(&info, role: .scanner, reason: "HID POS usage page 0x8C", facts: facts)
        }
        // Unknown devices are reported but left alone.
        switch facts.subsystem {
        case "input":
            info.reason = "keyboard of no known scanner maker: never taken as a scanner"
        case "hidraw":
            return nil  // every keyboard and mouse has a hidraw node: not worth reporting
        default:
            info.reason = "no udev rule, config rule or table entry names it"
        }
        return info
    }

    /// Applies a role, refusing combinations the transport cannot serve. `isNamed`: a udev or
    /// configuration rule gave the role (a refused hidraw node is then reported, not dropped).
    private func settle(
        _ info: inout DeviceInfo, role: DeviceRole, reason: String, facts: DeviceFacts, isNamed: Bool = false
    ) -> DeviceInfo? {
        info.role = role
        info.reason = reason
        switch (role, facts.subsystem) {
        case (.scanner, "input") where !facts.isKeyboard:
            info.role = .ignored
            info.reason = reason + "; not a keyboard-capable event node"
        case (.scanner, "hidraw") where !hasPOSUsagePage(facts):
            // A keyboard-wedge scanner also has a hidraw node; it is read through evdev.
            guard isNamed else { return nil }
            info.role = .ignored
            info.reason = reason + "; hidraw without the HID POS usage page (read through its keyboard node)"
        case (.printer, "input"), (.printer, "hidraw"):
            return nil
        case (.scanner, "usbmisc"):
            info.role = .ignored
            info.reason = reason + "; a USB printer node cannot be a scanner"
        default:
            break
        }
        return info
    }

    /// Whether a configured path (a udev link or a static path) names the node: itself, a link
    /// of it, or a path with its device number.
    private func isNamedByPath(_ facts: DeviceFacts) -> Bool {
        configuration.devices.contains { rule in
            switch rule.match {
            case .devicePath(let path), .staticPath(let path):
                if path == facts.devnode || facts.devlinks.contains(path) { return true }
                guard let number = facts.deviceNumber else { return false }
                return DeviceNumber.ofCharacterDevice(atPath: path) == number
            default:
                return false
            }
        }
    }

    private func hasPOSUsagePage(_ facts: DeviceFacts) -> Bool {
        guard let descriptor = facts.hidReportDescriptor else { return false }
        return DeviceFacts.reportDescriptor(descriptor, declaresUsagePage: DeviceTable.hidPOSUsagePage)
    }

    /// How qfpos would talk to the device, or nil when it is no candidate.
    func transport(of facts: DeviceFacts) -> DeviceTransport? {
        switch facts.subsystem {
        case "tty":
            // Only USB serial adapters, or ports named by our rules or by a configured path: not
            // the 32 virtual consoles.
            guard facts.vendorID != nil || facts.properties["QFPOS_ROLE"] != nil || isNamedByPath(facts) else {
                return nil
            }
            return .serial
        case "input":
            guard facts.sysname.hasPrefix("event"), facts.isKeyboard || facts.properties["QFPOS_ROLE"] != nil
            else { return nil }
            return .keyboardWedge
        case "hidraw":
            return .hidPOS
        case "usbmisc":
            return facts.sysname.hasPrefix("lp") ? .usbPrinter : nil
        default:
            return nil
        }
    }

    /// A stable identity: USB ids and serial number (or port path) and interface, never an index.
    static func identity(of facts: DeviceFacts, transport: DeviceTransport) -> String {
        guard let vendorID = facts.vendorID, let productID = facts.productID else {
            let anchor = stablePath(of: facts) ?? facts.syspath
            return "\(facts.subsystem)-\(anchor)"
        }
        let instance: String
        if let serial = facts.serialNumber, !serial.isEmpty {
            instance = serial.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
        } else {
            instance = "port\(facts.usbPortPath ?? "?")"
        }
        let interface = facts.interfaceNumber.map { "-if\($0)" } ?? ""
        return "usb-\(vendorID.hex4):\(productID.hex4)-\(instance)\(interface)-\(transport.rawValue)"
    }

    /// The first by-id link, else the first by-path link.
    static func stablePath(of facts: DeviceFacts) -> String? {
        facts.devlinks.first { $0.contains("/by-id/") } ?? facts.devlinks.first { $0.contains("/by-path/") }
            ?? facts.devlinks.first { $0.hasPrefix("/dev/qfpos/") }
    }
}
