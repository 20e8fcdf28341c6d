import Devices
import Foundation
import Logging
import Testing
import TestSupport

/// Discovery, hot-plug and the device report against a umockdev testbed: no udev database, no
/// rules ran, so roles come from what the devices themselves tell (or from properties a test
/// sets as our rules would).
@Suite struct DiscoveryTests {
    let logger = Logger(label: "test.devices")

    @Test func enumerationFindsExactlyTheExpectedRoles() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            let acm = FakeDevices.cdcACMScanner()
            let usbSerial = FakeDevices.usbSerialScanner()
            let wedge = FakeDevices.keyboard()
            let printer = FakeDevices.usbPrinter()
            let realKeyboard = FakeDevices.keyboard(
                vendor: 0x046d, product: 0xc31c, serial: nil, manufacturer: "Logitech", model: "USB Keyboard")
            let hidPOS = FakeDevices.hidPOSScanner()
            for device in [acm, usbSerial, wedge, printer, realKeyboard, hidPOS] { try testbed.add(device.description) }

            let devices = try DeviceReport.enumerateNow()
            let byNode = Dictionary(uniqueKeysWithValues: devices.map { ($0.node, $0) })
            #expect(devices.count == 6)
            #expect(byNode[acm.node]?.role == .scanner)
            #expect(byNode[acm.node]?.transport == .serial)
            #expect(byNode[usbSerial.node]?.role == .scanner)
            #expect(byNode[usbSerial.node]?.transport == .serial)
            #expect(byNode[wedge.node]?.role == .scanner)
            #expect(byNode[wedge.node]?.transport == .keyboardWedge)
            #expect(byNode[printer.node]?.role == .printer)
            #expect(byNode[printer.node]?.transport == .usbPrinter)
            #expect(byNode[hidPOS.node]?.role == .scanner)
            #expect(byNode[hidPOS.node]?.transport == .hidPOS)
            #expect(byNode[realKeyboard.node]?.role == .ignored)
            #expect(byNode[realKeyboard.node]?.reason.contains("never taken as a scanner") == true)
            #expect(byNode[acm.node]?.id == "usb-0c2e:0b61-17035B2A6E-if00-serial")
            #expect(byNode[acm.node]?.isInitialized == false)
        }
    }
}
