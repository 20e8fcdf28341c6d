import Testing

@testable import Devices

/// Role precedence and the built-in table, on device facts as sysfs and udev give them.
@Suite struct DeviceClassifierTests {
    func facts(
        subsystem: String = "tty", sysname: String = "ttyACM0", vendor: UInt16? = 0x0c2e, product: UInt16? = 0x0b61,
        serial: String? = "SN1", properties: [String: String] = [:]
    ) -> DeviceFacts {
        var facts = DeviceFacts(
            syspath: "/sys/devices/x/\(sysname)", subsystem: subsystem, sysname: sysname,
            devnode: "/dev/\(sysname)")
        facts.vendorID = vendor
        facts.productID = product
        facts.serialNumber = serial
        facts.properties = properties
        facts.interfaceNumber = "00"
        facts.usbPortPath = "1-4"
        return facts
    }

    let classifier = DeviceClassifier(configuration: DevicesConfiguration())

    @Test func theUdevRolePropertyComesFirst() throws {
        let configuration = DevicesConfiguration(devices: [
            DeviceRule(name: "lane", match: .usb(vendorID: 0x0c2e, productID: nil), role: .printer)
        ])
        let info = try #require(
            DeviceClassifier(configuration: configuration).classify(
                facts(properties: ["QFPOS_ROLE": "scanner", "QFPOS_REASON": "Honeywell (Metrologic)"])))
        #expect(info.role == .scanner)
        #expect(info.reason == "udev rule QFPOS_ROLE=scanner: Honeywell (Metrologic)")
        // The rule names a printer: it does not use this scanner, and the report says why.
        #expect(info.configurationRule == nil)
        #expect(info.lane == nil)
        #expect(
            info.laneReason
                == "not used by any lane: config rule 'lane' (usb 0c2e) names a printer, but it is a scanner "
                + "(udev rule QFPOS_ROLE=scanner: Honeywell (Metrologic))")
    }

    @Test func aLaneRuleGivesItsLaneWhateverGaveTheRole() throws {
        let configuration = DevicesConfiguration(devices: [
            DeviceRule(
                name: "lane-front-scanner", match: .usb(vendorID: 0x0c2e, productID: 0x0b61), role: .scanner,
                scanner: ScannerSettings(terminator: .lf), lane: "front")
        ])
        let classifier = DeviceClassifier(configuration: configuration)
        let tagged = try #require(
            classifier.classify(facts(properties: ["QFPOS_ROLE": "scanner", "QFPOS_REASON": "Honeywell (Metrologic)"])))
        let untagged = try #require(classifier.classify(facts()))
        for info in [tagged, untagged] {
            #expect(info.role == .scanner)
            #expect(info.configurationRule == "lane-front-scanner")
            #expect(info.lane == "front")
            #expect(info.laneReason == "lane front: config rule 'lane-front-scanner' (usb 0c2e:0b61)")
            #expect(configuration.scannerSettings(for: info).terminator == .lf)
        }
        #expect(tagged.reason == "udev rule QFPOS_ROLE=scanner: Honeywell (Metrologic)")
        #expect(untagged.reason == "config rule 'lane-front-scanner' (usb 0c2e:0b61)")
        // A scanner of the same maker that no lane names is reported and left alone.
        let other = try #require(classifier.classify(facts(product: 0x0b6a)))
        #expect(other.role == .scanner)
        #expect(other.isUsed == false)
        #expect(other.laneReason == "not used by any lane: no lane's match or path names it")
    }

    @Test func aStaticPathNamesTheNodeUdevReportsByLinkOrNode() throws {
        for path in ["/dev/serial/by-id/usb-Honeywell_1900G_SN1-if00", "/dev/ttyACM0"] {
            var device = facts(properties: ["QFPOS_ROLE": "scanner"])
            device.devlinks = ["/dev/serial/by-id/usb-Honeywell_1900G_SN1-if00"]
            let configuration = DevicesConfiguration(devices: [
                DeviceRule(name: "lane-back-scanner", match: .staticPath(path), role: .scanner, lane: "back")
            ])
            let info = try #require(DeviceClassifier(configuration: configuration).classify(device))
            #expect(info.lane == "back", "\(path)")
            // …so the static device is not listed beside it: one node, one device.
            #expect(configuration.staticDevices(besides: [info]).isEmpty, "\(path)")
            #expect(configuration.staticDevices(besides: []).map(\.node) == [path])
        }
    }

    @Test func aConfigurationRuleComesBeforeTheTable() throws {
        let configuration = DevicesConfiguration(devices: [
            DeviceRule(name: "cheap", match: .usb(vendorID: 0x1a86, productID: 0x7523), role: .scanner)
        ])
        let info = try #require(
            DeviceClassifier(configuration: configuration).classify(facts(vendor: 0x1a86, product: 0x7523)))
        #expect(info.role == .scanner)
        #expect(info.configurationRule == "cheap")
        #expect(info.reason == "config rule 'cheap' (usb 1a86:7523)")
        // Without the rule the same adapter is reported and left alone.
        let unknown = try #require(classifier.classify(facts(vendor: 0x1a86, product: 0x7523)))
        #expect(unknown.role == .ignored)
    }

    @Test(arguments: [
        DeviceMatch.serialNumber("SN1"), .devicePath("/dev/serial/by-id/usb-Honeywell_1900G_SN1-if00"),
        .devicePath("/dev/ttyACM0"),
    ])
    func configurationMatchesBySerialAndByPath(match: DeviceMatch) throws {
        var device = facts(vendor: 0x1234, product: 0x5678)
        device.devlinks = ["/dev/serial/by-id/usb-Honeywell_1900G_SN1-if00"]
        let configuration = DevicesConfiguration(devices: [DeviceRule(name: "lane", match: match, role: .scanner)])
        let info = try #require(DeviceClassifier(configuration: configuration).classify(device))
        #expect(info.role == .scanner)
        #expect(info.stablePath == "/dev/serial/by-id/usb-Honeywell_1900G_SN1-if00")
    }

    @Test func knownMakersGetTheirRoleFromTheTable() throws {
        let scanner = try #require(classifier.classify(facts(vendor: 0x05e0, product: 0x1200)))
        #expect(scanner.role == .scanner)
        #expect(scanner.reason == "built-in table: Zebra (Symbol) (vendor 05e0)")
        let printer = try #require(classifier.classify(facts(sysname: "ttyUSB0", vendor: 0x0519, product: 0x0003)))
        #expect(printer.role == .printer)
        var denso = facts(vendor: 0x9999, product: 0x0001)
        denso.manufacturer = "DENSO WAVE INCORPORATED"
        #expect(classifier.classify(denso)?.role == .scanner)
    }

    @Test func aRealKeyboardIsNeverAScannerButAScannerMakersKeyboardIs() throws {
        var keyboard = facts(subsystem: "input", sysname: "event3", vendor: 0x046d, product: 0xc31c)
        keyboard.isKeyboard = true
        let ignored = try #require(classifier.classify(keyboard))
        #expect(ignored.role == .ignored)
        #expect(ignored.transport == .keyboardWedge)
        var wedge = keyboard
        wedge.vendorID = 0x0c2e
        #expect(classifier.classify(wedge)?.role == .scanner)
        // A scanner maker's event node that cannot type (a mouse) is no candidate at all.
        var mouse = wedge
        mouse.isKeyboard = false
        #expect(classifier.classify(mouse) == nil)
    }

    @Test func hidrawIsAScannerOnlyWithThePOSUsagePage() throws {
        var hidraw = facts(subsystem: "hidraw", sysname: "hidraw2", vendor: 0x0c2e, product: 0x0b6a)
        hidraw.hidReportDescriptor = [0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0xC0]  // generic desktop keyboard
        #expect(classifier.classify(hidraw) == nil)
        hidraw.hidReportDescriptor = [0x06, 0x8C, 0x00, 0x09, 0x02, 0xA1, 0x01, 0xC0]
        #expect(classifier.classify(hidraw)?.transport == .hidPOS)
        #expect(classifier.classify(hidraw)?.role == .scanner)
        hidraw.vendorID = 0x4242  // an unknown maker with the POS usage page
        #expect(classifier.classify(hidraw)?.reason == "HID POS usage page 0x8C")
    }

    @Test func printersAreRecognisedByClassAndByIEEE1284Id() throws {
        var classOnly = facts(subsystem: "usbmisc", sysname: "lp0", vendor: 0x4242, product: 0x0001)
        classOnly.interfaceClass = 0x07
        classOnly.interfaceSubclass = 0x01
        #expect(classifier.classify(classOnly)?.reason == "USB printer-class interface 07/01")
        var escpos = facts(subsystem: "tty", sysname: "ttyUSB1", vendor: 0x4242, product: 0x0002)
        escpos.ieee1284ID = "MFG:Generic;CMD:STAR,ESC/POS;MDL:X;"
        #expect(classifier.classify(escpos)?.role == .printer)
        #expect(DeviceTable.ieee1284IDNamesESCPOS("MFG:HP;COMMAND SET:PCL,PJL;") == false)
    }

    @Test func identityIsStableAcrossNodeNamesAndUsesThePortWithoutASerial() {
        let first = DeviceClassifier.identity(of: facts(sysname: "ttyACM0"), transport: .serial)
        let second = DeviceClassifier.identity(of: facts(sysname: "ttyACM3"), transport: .serial)
        #expect(first == second)
        #expect(first == "usb-0c2e:0b61-SN1-if00-serial")
        #expect(
            DeviceClassifier.identity(of: facts(serial: nil), transport: .serial) == "usb-0c2e:0b61-port1-4-if00-serial"
        )
    }

    @Test func anOnBoardSerialPortIsACandidateOnlyWhenAConfigurationPathNamesIt() throws {
        let port = facts(sysname: "ttyS0", vendor: nil, product: nil, serial: nil)
        #expect(classifier.classify(port) == nil)
        let configuration = DevicesConfiguration(devices: [
            DeviceRule(name: "rs232", match: .devicePath("/dev/ttyS0"), role: .scanner)
        ])
        let info = try #require(DeviceClassifier(configuration: configuration).classify(port))
        #expect(info.role == .scanner)
        #expect(info.id == "tty-/sys/devices/x/ttyS0")
    }

    @Test func virtualConsolesAndMiceAreNoCandidates() {
        #expect(classifier.classify(facts(sysname: "tty1", vendor: nil, product: nil)) == nil)
        #expect(classifier.classify(facts(subsystem: "input", sysname: "mouse0")) == nil)
    }

    @Test func theKeyCapabilityBitmapTellsAKeyboard() {
        #expect(DeviceFacts.keyBitmapCanTypeCodes("1000000000007 ff9f207ac14057ff febeffdfffefffff fffffffffffffffe"))
        #expect(!DeviceFacts.keyBitmapCanTypeCodes("1f0000 0 0 0 0"))  // mouse buttons only
    }
}
