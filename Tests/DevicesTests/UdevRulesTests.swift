import Foundation
import TestSupport
import Testing

@testable import Devices

/// The rules file and the built-in table are one list: the committed file must be the rendering.
@Suite struct UdevRulesTests {
    static let rulesPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("udev/60-qfpos.rules").path

    @Test func theCommittedRulesFileIsTheRenderingOfTheDeviceTable() throws {
        let committed = try String(contentsOfFile: Self.rulesPath, encoding: .utf8)
        let rendered = UdevRules.render()
        if committed != rendered {
            let fresh = NSTemporaryDirectory() + "60-qfpos.rules"
            try rendered.write(toFile: fresh, atomically: true, encoding: .utf8)
            Issue.record("udev/60-qfpos.rules is stale: cp \(fresh) \(Self.rulesPath)")
        }
    }

    @Test func everyTableEntryHasItsRuleAndComment() {
        let rendered = UdevRules.render()
        for entry in DeviceTable.entries {
            #expect(rendered.contains("# \(entry.maker): \(entry.families)"))
            switch entry.match {
            case .vendor(let id):
                #expect(
                    rendered.contains("ATTRS{idVendor}==\"\(id.hex4)\", ENV{QFPOS_ROLE}=\"\(entry.role.rawValue)\""))
            case .manufacturer(let name):
                #expect(
                    rendered.contains("ATTRS{manufacturer}==\"\(name)*\", ENV{QFPOS_ROLE}=\"\(entry.role.rawValue)\""))
            }
        }
        #expect(rendered.contains("ENV{ID_MM_DEVICE_IGNORE}=\"1\""))
        #expect(rendered.contains("SYMLINK+=\"qfpos/scanner-"))
        #expect(rendered.contains("SYMLINK+=\"qfpos/printer-"))
        #expect(rendered.contains("ATTRS{bInterfaceClass}==\"07\", ATTRS{bInterfaceSubClass}==\"01\""))
        #expect(rendered.contains("GROUP=\"qfpos\", MODE=\"0660\""))
        #expect(!rendered.contains("LIBINPUT_IGNORE_DEVICE"))
    }

    @Test func everyRuleLineIsWellFormedForUdev() {
        for line in UdevRules.render().split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            // key op "value" pairs separated by ", ": quotes balanced, no stray characters.
            #expect(line.filter { $0 == "\"" }.count % 2 == 0, "unbalanced quotes: \(line)")
            for pair in line.components(separatedBy: ", ") {
                #expect(
                    pair.range(of: #"^[A-Z_]+(\{[A-Za-z0-9_]+\})?(==|!=|=|\+=)".*"$"#, options: .regularExpression)
                        != nil, "bad pair: \(pair)")
            }
        }
    }
}

/// The shipped rules evaluated on device descriptions (`UdevRuleSet`, as udev would run them):
/// what each kind of device gets, and that the rules and the daemon's table agree device by device.
@Suite struct UdevRuleEvaluationTests {
    let rules: UdevRuleSet

    init() throws { rules = try ShippedRules.load() }

    @Test func aHoneywellCDCScannerIsTaggedGivenToTheServiceGroupAndLinked() throws {
        let scanner = try FakeDevices.cdcACMScanner().processed(by: rules)
        let identification = "Honeywell_Imaging___Mobility_1900G_17035B2A6E"
        #expect(scanner["QFPOS_ROLE"] == "scanner")
        #expect(scanner["QFPOS_REASON"] == "Honeywell (Metrologic)")
        #expect(scanner["ID_MM_DEVICE_IGNORE"] == "1")
        #expect(scanner["ID_SERIAL"] == identification)
        #expect(scanner["ID_SERIAL_SHORT"] == "17035B2A6E")
        #expect(scanner["ID_VENDOR_ENC"] == "Honeywell\\x20Imaging\\x20\\x26\\x20Mobility")
        #expect(scanner["ID_USB_INTERFACE_NUM"] == "00")
        #expect(scanner["ID_USB_DRIVER"] == "cdc_acm")
        #expect(scanner["ID_TYPE"] == "generic")
        #expect(scanner.outcome.group == "qfpos")
        #expect(scanner.outcome.mode == "0660")
        #expect(scanner.outcome.links == ["/dev/qfpos/scanner-\(identification)"])
    }

    @Test func aScannerMakersKeyboardIsTaggedReadOnlyToTheServiceAndNotHiddenFromTheDesktop() throws {
        let wedge = try FakeDevices.keyboard().processed(by: rules)
        #expect(wedge["QFPOS_ROLE"] == "scanner")
        #expect(wedge["QFPOS_REASON"] == "Zebra (Symbol)")
        #expect(wedge["ID_SERIAL"] == "Symbol_Technologies__Inc__2008_Symbol_Bar_Code_Scanner_S_N:2A8F")
        #expect(wedge["ID_TYPE"] == "hid")
        // One no lane uses may be the till's own product scanner: the desktop keeps its keys.
        #expect(wedge["LIBINPUT_IGNORE_DEVICE"] == nil)
        #expect(wedge["ID_MM_DEVICE_IGNORE"] == nil)
        #expect(wedge.outcome.group == "qfpos")
        #expect(wedge.outcome.mode == "0640")
        #expect(wedge.outcome.links == ["/dev/qfpos/scanner-\(wedge["ID_SERIAL"]!)-event"])
    }

    @Test func aRealKeyboardIsLeftExactlyAsItWas() throws {
        let keyboard = try FakeDevices.keyboard(
            vendor: 0x046d, product: 0xc31c, serial: nil, manufacturer: "Logitech", model: "USB Keyboard"
        ).processed(by: rules)
        #expect(keyboard.outcome == UdevRuleOutcome())
    }

    @Test func printersAndHIDPOSScannersGetTheirRolesAndLinks() throws {
        let printer = try FakeDevices.usbPrinter().processed(by: rules)
        #expect(printer["QFPOS_ROLE"] == "printer")
        #expect(printer["QFPOS_REASON"] == "Epson")
        #expect(printer.outcome.mode == "0660")
        #expect(printer.outcome.links == ["/dev/qfpos/printer-EPSON_TM-T88V_X3PT012345"])
        let unknownPrinter = try FakeDevices.usbPrinter(vendor: 0x4242, manufacturer: "Generic").processed(by: rules)
        #expect(unknownPrinter["QFPOS_REASON"] == "USB printer class 07/01")
        let hidPOS = try FakeDevices.hidPOSScanner().processed(by: rules)
        #expect(hidPOS["QFPOS_ROLE"] == "scanner")
        #expect(hidPOS.outcome.mode == "0640")
        #expect(hidPOS.outcome.links == ["/dev/qfpos/scanner-Honeywell_HID_POS_18125B1F22-hidraw"])
    }

    @Test func theRulesAndTheTableGiveEveryKnownMakerTheSameRole() throws {
        let classifier = DeviceClassifier(configuration: DevicesConfiguration())
        for entry in DeviceTable.entries {
            let vendor: UInt16
            let manufacturer: String
            switch entry.match {
            case .vendor(let id): (vendor, manufacturer) = (id, "Maker")
            case .manufacturer(let name): (vendor, manufacturer) = (0x4242, name + " INCORPORATED")
            }
            let fake =
                entry.role == .scanner
                ? FakeDevices.cdcACMScanner(vendor: vendor, manufacturer: manufacturer)
                : FakeDevices.usbSerialScanner(vendor: vendor, manufacturer: manufacturer)
            let processed = try fake.processed(by: rules)
            #expect(processed["QFPOS_ROLE"] == entry.role.rawValue, "\(entry.maker)")
            #expect(processed["QFPOS_REASON"] == entry.maker, "\(entry.maker)")
            // Without the rules, the daemon's table says the same.
            let chain = UdevRuleDevice.chain(fromUmockdevRecord: fake.description)
            var facts = DeviceFacts(
                syspath: chain[0].syspath, subsystem: "tty", sysname: String(fake.node.dropFirst(5)), devnode: fake.node
            )
            facts.vendorID = vendor
            facts.manufacturer = manufacturer
            #expect(classifier.classify(facts)?.role == entry.role, "\(entry.maker)")
        }
    }

    @Test func aRuleTheEvaluatorDoesNotKnowIsRefusedNotSkipped() {
        for text in [
            "SUBSYSTEM==\"tty\", RUN+=\"/bin/true\"", "PROGRAM==\"/bin/x\"", "GOTO=\"nowhere\"",
            "SUBSYSTEM==\"tty\", SYMLINK+=\"x-%n\"", "SUBSYSTEM==\"tty\" ENV{X}=\"unclosed",
        ] {
            #expect(throws: DevicesError.self, "\(text)") {
                try UdevRuleSet(parsing: text).evaluate(
                    UdevRuleDevice.chain(fromUmockdevRecord: FakeDevices.cdcACMScanner().description))
            }
        }
    }
}
