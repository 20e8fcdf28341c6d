import Devices
import Foundation
import TestSupport
import Testing

/// `qfposd --list-devices [--json] [--config FILE]`, library side, under a umockdev testbed.
@Suite struct DeviceReportTests {
    @Test func theTextReportNamesRoleNodePathVendorModelAndWhy() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            let scanner = FakeDevices.cdcACMScanner()
            let keyboard = FakeDevices.keyboard(
                vendor: 0x046d, product: 0xc31c, serial: nil, manufacturer: "Logitech", model: "USB Keyboard")
            try testbed.add(scanner.description)
            try testbed.add(keyboard.description)
            let text = try await DeviceReport.listDevices(format: .text)
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.first == "SCANNER  \(scanner.node)  (serial)")
            #expect(lines.contains("  usb:     0c2e:0b61"))
            #expect(lines.contains("  vendor:  Honeywell Imaging & Mobility"))
            #expect(lines.contains("  model:   1900G"))
            #expect(lines.contains("  why:     built-in table: Honeywell (Metrologic) (vendor 0c2e)"))
            #expect(lines.contains("  note:    not processed by udev (rules not applied)"))
            #expect(lines.contains("IGNORED  \(keyboard.node)  (keyboard-wedge)"))
        }
    }

    @Test func theJSONReportHonoursAConfigurationFile() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            let adapter = FakeDevices.usbSerialScanner(
                vendor: 0x1a86, product: 0x7523, serial: nil, manufacturer: "QinHeng", model: "CH340")
            try testbed.add(adapter.description)
            let path = NSTemporaryDirectory() + "qfpos-devices-\(UUID().uuidString).json"
            try #"""
            {"devices": [{"name": "lane1", "role": "scanner", "match": {"usb": "1a86:7523"}},
                         {"name": "kitchen", "role": "printer", "match": {"network": "10.0.0.9:9100"}}]}
            """#.write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let configuration = try DevicesConfiguration.load(contentsOf: path)
            let json = try await DeviceReport.listDevices(configuration: configuration, format: .json)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let devices = try #require(object["devices"] as? [[String: Any]])
            #expect(devices.count == 2)
            #expect(devices[0]["node"] as? String == adapter.node)
            #expect(devices[0]["role"] as? String == "scanner")
            #expect(devices[0]["reason"] as? String == "config rule 'lane1' (usb 1a86:7523)")
            #expect(devices[0]["vendorID"] as? String == "1a86")
            #expect(devices[0]["configurationRule"] as? String == "lane1")
            #expect(devices[1]["node"] as? String == "10.0.0.9:9100")
            #expect(devices[1]["transport"] as? String == "network")
            // The same JSON decodes back into the devices (what `qfposctl devices` can reuse).
            struct Report: Decodable { let devices: [DeviceInfo] }
            let decoded = try JSONDecoder().decode(Report.self, from: Data(json.utf8)).devices
            #expect(decoded == (try DeviceReport.enumerateNow(configuration: configuration)))
        }
    }

    @Test func theTextReportSaysEachDevicesLaneAndHowItIsHeld() {
        let used = DeviceInfo(
            id: "usb-0c2e:0b61-SN1-if00-serial", role: .scanner, transport: .serial, reason: "udev rule",
            subsystem: "tty", node: "/dev/ttyACM0", configurationRule: "lane-front-scanner",
            deviceNumber: DeviceNumber(major: 166, minor: 0), lane: "front", laneReason: "lane front: config rule")
        let unused = DeviceInfo(
            id: "usb-05e0:1200-SN2-if00-keyboard-wedge", role: .scanner, transport: .keyboardWedge, reason: "table",
            subsystem: "input", node: "/dev/input/event4", laneReason: "not used by any lane: no lane names it")
        let noDaemon = DeviceReport.render([used, unused], daemonNote: "qfposd: not running", format: .text)
        #expect(noDaemon.hasPrefix("qfposd: not running\nSCANNER  /dev/ttyACM0  (serial)\n"))
        #expect(
            noDaemon.contains("  device:  166:0\n  why:     udev rule\n  lane:    front (lane front: config rule)\n"))
        #expect(noDaemon.contains("  reader:  unknown (qfposd did not answer)"))
        #expect(noDaemon.contains("  lane:    none: not used by any lane: no lane names it\n"))
        #expect(noDaemon.contains("  reader:  left alone: not opened, not grabbed"))
        let busy = DeviceReport.render(
            [used], readers: [used.id: ReaderStatus(isOpen: false, problem: "busy: held")], format: .text)
        #expect(busy.contains("  reader:  not open: busy: held"))
        let json = DeviceReport.render(
            [used], readers: [used.id: ReaderStatus(isOpen: true, isExclusive: true)], format: .json)
        #expect(
            json.contains(
                "\"reader\" : {\n        \"exclusive\" : true,\n        \"grabbed\" : false,\n        \"open\" : true"))
        #expect(json.contains("\"deviceNumber\" : \"166:0\""))
        #expect(json.contains("\"lane\" : \"front\""))
    }

    @Test func anUnreadableConfigurationIsAClearError() {
        #expect {
            _ = try DevicesConfiguration.load(contentsOf: "/nonexistent/qfpos.json")
        } throws: { error in
            (error as? DevicesError)?.code == .invalidConfiguration
        }
    }
}
