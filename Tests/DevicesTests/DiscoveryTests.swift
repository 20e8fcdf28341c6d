import Devices
import Foundation
import Glibc
import Logging
import TestSupport
import Testing

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

/// Hot-plug: uevents from the testbed reach `DeviceMonitor` through its udev monitor socket;
/// `ScannerHub` attaches, detaches and re-attaches scanners.
@Suite struct HotPlugTests {
    let logger = Logger(label: "test.devices.hotplug")
    static let wechatCode = "134567890123456789"

    @Test func plugUnplugAndReplugAttachDetachAndReattachWithTheConfiguration() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            // The lane's scanner is named by vendor:product and reads LF-terminated codes with a prefix.
            let configuration = DevicesConfiguration(devices: [
                DeviceRule(
                    name: "front", match: .usb(vendorID: 0x0c2e, productID: 0x0b61), role: .scanner,
                    scanner: ScannerSettings(terminator: .lf, prefix: "QF:"))
            ])
            let monitor = DeviceMonitor(configuration: configuration, logger: logger)
            let session = try await ScannerHubSession(monitor: monitor, configuration: configuration, logger: logger)
            defer { session.stop() }
            let (attachments, scans) = (session.attachments, session.scans)
            #expect(monitor.devices.isEmpty)

            let port = FakeDevices.uniqueNumber()
            let first = FakeDevices.cdcACMScanner(port: port)
            try testbed.plug(first.description)
            guard case .attached(let attached) = try await attachments.next() else {
                Issue.record("expected an attach")
                return
            }
            #expect(attached.node == first.node)
            #expect(attached.configurationRule == "front")
            #expect(attached.reason == "config rule 'front' (usb 0c2e:0b61)")
            try write("QF:\(Self.wechatCode)\n", to: first.node, testbed)
            #expect(try await scanText(scans) == Self.wechatCode)

            testbed.unplug(first.syspaths)
            guard case .detached(let detached) = try await attachments.next() else {
                Issue.record("expected a detach")
                return
            }
            #expect(detached.id == attached.id)
            #expect(monitor.devices.isEmpty)

            // Back in the same port under a new node name: same identity, same settings.
            let second = FakeDevices.cdcACMScanner(port: port)
            try testbed.plug(second.description)
            guard case .attached(let reattached) = try await attachments.next() else {
                Issue.record("expected a re-attach")
                return
            }
            #expect(reattached.id == attached.id)
            #expect(reattached.node == second.node)
            try write("QF:\(Self.wechatCode)\n", to: second.node, testbed)
            #expect(try await scanText(scans) == Self.wechatCode)
        }
    }

    @Test func monitorPublishesAddAndRemoveAndReportsIgnoredKeyboardsToo() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            let monitor = DeviceMonitor(logger: logger)
            let events = Inbox<DeviceEvent>()
            let stream = monitor.events()
            let task = Task { for await event in stream { events.put(event) } }
            defer { task.cancel() }
            try await monitor.start()
            defer { monitor.stop() }
            let printer = FakeDevices.usbPrinter()
            let keyboard = FakeDevices.keyboard(vendor: 0x046d, product: 0xc31c, serial: nil, manufacturer: "Logitech")
            try testbed.plug(printer.description)
            try testbed.plug(keyboard.description)
            let added = try await events.next()
            #expect(added == .added(try #require(monitor.devices.first { $0.node == printer.node })))
            #expect(added.device.role == .printer)
            #expect(added.device.reason == "IEEE 1284 device id names CMD:ESC/POS")
            let keyboardAdded = try await events.next()
            #expect(keyboardAdded.device.role == .ignored)
            testbed.unplug(printer.syspaths)
            #expect(try await events.next() == .removed(added.device))
            #expect(monitor.devices.map(\.node) == [keyboard.node])
        }
    }

    @Test func aStoppedMonitorHasClosedItsSocketWhenStopReturns() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            let before = listeningEventSockets(in: testbed.rootDirectory)
            let monitor = DeviceMonitor(logger: logger)
            try await monitor.start()
            #expect(listeningEventSockets(in: testbed.rootDirectory) == before + 1)
            monitor.stop()
            // Nothing left for umockdev's hot-plug messages to pile up in (its sender aborts on a
            // full socket).
            #expect(listeningEventSockets(in: testbed.rootDirectory) == before)
        }
    }

    /// The udev monitor sockets umockdev delivers uevents to (`$UMOCKDEV_DIR/event<N>`) that
    /// still accept a connection.
    private func listeningEventSockets(in directory: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("event") }.filter { name in
            let descriptor = socket(AF_UNIX, Int32(SOCK_RAW.rawValue), 0)
            defer { close(descriptor) }
            return UnixSocketAddress.connect(descriptor, to: directory + "/" + name) == 0
        }.count
    }

    @Test func aDeviceFoundUninitialisedBecomesAChangeWhenUdevAnnouncesIt() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            let scanner = FakeDevices.usbSerialScanner()
            try testbed.add(scanner.description)  // present before start: found by the enumeration
            let monitor = DeviceMonitor(logger: logger)
            let events = Inbox<DeviceEvent>()
            monitor.subscribe { events.put($0) }
            try await monitor.start()
            defer { monitor.stop() }
            guard case .added(let found) = try await events.next() else {
                Issue.record("expected an add")
                return
            }
            #expect(found.role == .scanner)
            // udev finishes and our rules tag it: the same device changes, it is not added twice.
            testbed.setProperty(scanner.nodeSyspath, "QFPOS_ROLE", "scanner")
            testbed.setProperty(scanner.nodeSyspath, "QFPOS_REASON", "Datalogic (PSC)")
            testbed.uevent(scanner.nodeSyspath, action: "add")
            guard case .changed(let changed) = try await events.next() else {
                Issue.record("expected a change")
                return
            }
            #expect(changed.id == found.id)
            #expect(changed.reason == "udev rule QFPOS_ROLE=scanner: Datalogic (PSC)")
            #expect(monitor.devices.count == 1)
        }
    }

    @Test func aKeyboardWedgeScannerALaneNamesIsGrabbedAndReadThroughTheHub() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            let configuration = DevicesConfiguration(
                devices: [
                    DeviceRule(
                        name: "wedge", match: .usb(vendorID: 0x05e0, productID: nil), role: .scanner,
                        scanner: ScannerSettings(interCharacterTimeoutMilliseconds: 30_000, keyboardLayout: "jp"),
                        lane: "front")
                ])
            let monitor = DeviceMonitor(configuration: configuration, logger: logger)
            let session = try await ScannerHubSession(monitor: monitor, configuration: configuration, logger: logger)
            defer { session.stop() }
            let (attachments, scans) = (session.attachments, session.scans)
            let wedge = FakeDevices.keyboard()
            try testbed.emulateEvdevGrab(on: wedge.node)
            try testbed.add(wedge.description)
            for syspath in wedge.syspaths { testbed.uevent(syspath, action: "add") }
            guard case .attached(let device) = try await attachments.next() else {
                Issue.record("expected an attach")
                return
            }
            #expect(device.transport == .keyboardWedge)
            #expect(device.reason == "config rule 'wedge' (usb 05e0)")
            #expect(device.lane == "front")
            #expect(testbed.grabRequests(on: wedge.node) == 1)
            #expect(session.hub.readerStatus[device.id] == ReaderStatus(isOpen: true, isGrabbed: true))
            #expect(openDescriptorsReach(testbed.rootDirectory + wedge.node))
            try testbed.replayEvemuEvents(EvemuScript.typing(Self.wechatCode, layout: .jp), on: wedge.node)
            #expect(try await scanText(scans) == Self.wechatCode)
        }
    }

    @Test func aScannerMakersKeyboardNoRuleNamesIsReportedButNeitherOpenedNorGrabbed() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            // The lane reads a serial scanner; the Zebra keyboard is the till's own product scanner.
            let configuration = DevicesConfiguration(devices: [
                DeviceRule(name: "front", match: .usb(vendorID: 0x0c2e, productID: nil), role: .scanner, lane: "front")
            ])
            let monitor = DeviceMonitor(configuration: configuration, logger: logger)
            let session = try await ScannerHubSession(monitor: monitor, configuration: configuration, logger: logger)
            defer { session.stop() }
            let wedge = FakeDevices.keyboard()
            try testbed.emulateEvdevGrab(on: wedge.node)
            try testbed.add(wedge.description)
            for syspath in wedge.syspaths { testbed.uevent(syspath, action: "add") }
            let serial = FakeDevices.cdcACMScanner()
            try testbed.plug(serial.description)
            // The lane's scanner, plugged after the keyboard, is attached: the keyboard was seen first.
            guard case .attached(let attached) = try await session.attachments.next() else {
                Issue.record("expected the lane's scanner to attach")
                return
            }
            #expect(attached.node == serial.node)
            let keyboard = try #require(monitor.devices.first { $0.node == wedge.node })
            #expect(keyboard.role == .scanner)
            #expect(keyboard.lane == nil)
            #expect(keyboard.laneReason == "not used by any lane: no lane's match or path names it")
            #expect(testbed.grabRequests(on: wedge.node) == 0)
            #expect(session.hub.readerStatus[keyboard.id] == nil)
            #expect(session.hub.attachedDevices.map(\.node) == [serial.node])
            #expect(!openDescriptorsReach(testbed.rootDirectory + wedge.node))
        }
    }

    /// Whether one of this process's descriptors is open on the file `path` resolves to (the pty
    /// umockdev backs an emulated node with).
    private func openDescriptorsReach(_ path: String) -> Bool {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) else { return false }
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return descriptors.contains { name in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + name)) == target
        }
    }

    @Test func aScannerUdevNoLongerCallsAScannerIsDetached() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            let configuration = DevicesConfiguration(devices: [
                DeviceRule(name: "front", match: .usb(vendorID: 0x0c2e, productID: nil), role: .scanner)
            ])
            let monitor = DeviceMonitor(configuration: configuration, logger: logger)
            let session = try await ScannerHubSession(monitor: monitor, configuration: configuration, logger: logger)
            defer { session.stop() }
            let attachments = session.attachments
            let scanner = FakeDevices.cdcACMScanner()
            try testbed.plug(scanner.description)
            guard case .attached(let device) = try await attachments.next() else {
                Issue.record("expected an attach")
                return
            }
            // A technician's local rule now says to leave it alone.
            testbed.setProperty(scanner.nodeSyspath, "QFPOS_ROLE", "ignored")
            testbed.uevent(scanner.nodeSyspath, action: "change")
            #expect(try await attachments.next() == .detached(device))
            #expect(monitor.devices.first?.role == .ignored)
            #expect(monitor.devices.first?.laneReason.hasPrefix("not used by any lane: config rule 'front'") == true)
        }
    }

    @Test func udevLinksGiveTheStablePathAndAConfigurationCanNameIt() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            let byID = "/dev/serial/by-id/usb-Honeywell_1900G_17035B2A6E-if00"
            let scanner = FakeDevices.cdcACMScanner(
                vendor: 0x4242, product: 0x0001,
                extraProperties: ["DEVLINKS": "\(byID) /dev/serial/by-path/pci-0000:00:14.0-usb-0:3:1.0"])
            try testbed.add(scanner.description)
            let configuration = DevicesConfiguration(devices: [
                DeviceRule(name: "by-id", match: .devicePath(byID), role: .scanner)
            ])
            let device = try #require(try DeviceReport.enumerateNow(configuration: configuration).first)
            #expect(device.stablePath == byID)
            #expect(device.role == .scanner)
            #expect(device.reason == "config rule 'by-id' (path \(byID))")
        }
    }

    @Test func aStaticPathToANodeUdevReportsIsOneDeviceWithOneReader() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            // A technician's own link, which udev does not list: the device number tells it is the node.
            let scanner = FakeDevices.cdcACMScanner()
            let link = "/dev/by-hand/front-scanner"
            try testbed.add(scanner.description)
            try testbed.link(link, to: scanner.node)
            let configuration = DevicesConfiguration(devices: [
                DeviceRule(name: "lane-front-scanner", match: .staticPath(link), role: .scanner, lane: "front")
            ])
            let monitor = DeviceMonitor(configuration: configuration, logger: logger)
            let session = try await ScannerHubSession(monitor: monitor, configuration: configuration, logger: logger)
            defer { session.stop() }
            guard case .attached(let attached) = try await session.attachments.next() else {
                Issue.record("expected an attach")
                return
            }
            #expect(attached.node == scanner.node)
            #expect(attached.lane == "front")
            #expect(monitor.devices.map(\.id) == [attached.id])
            #expect(session.hub.attachedDevices.map(\.id) == [attached.id])
            #expect(session.hub.readerStatus[attached.id] == ReaderStatus(isOpen: true, isExclusive: true))
            try write("\(Self.wechatCode)\r", to: scanner.node, testbed)
            #expect(try await scanText(session.scans) == Self.wechatCode)
            #expect(session.scans.pending.isEmpty)
        }
    }

    @Test func aStaticPathWhoseNodeIsPluggedLaterGivesWayToTheUdevDevice() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            let scanner = FakeDevices.cdcACMScanner()
            let link = "/dev/serial/by-id/usb-Honeywell_1900G_17035B2A6E-if00"
            let configuration = DevicesConfiguration(devices: [
                DeviceRule(name: "lane-back-scanner", match: .staticPath(link), role: .scanner, lane: "back")
            ])
            let monitor = DeviceMonitor(configuration: configuration, logger: logger)
            let session = try await ScannerHubSession(monitor: monitor, configuration: configuration, logger: logger)
            defer { session.stop() }
            guard case .failed(let placeholder, let error) = try await session.attachments.next() else {
                Issue.record("expected the static path to fail first: nothing is plugged")
                return
            }
            #expect(placeholder.id == "static-lane-back-scanner")
            #expect(error.code == .openFailed)
            try testbed.add(scanner.withNodeProperties(["DEVLINKS": link]).description)
            try testbed.link(link, to: scanner.node)
            for syspath in scanner.syspaths { testbed.uevent(syspath, action: "add") }
            let attached = try await session.attachments.next { if case .attached = $0 { true } else { false } }
            #expect(attached == .attached(try #require(monitor.devices.first)))
            #expect(monitor.devices.map(\.node) == [scanner.node])
            #expect(monitor.devices.first?.lane == "back")
        }
    }

    private func write(_ text: String, to node: String, _ testbed: UmockdevTestbed) throws {
        let descriptor = testbed.controllerDescriptor(of: node)
        guard descriptor >= 0 else { throw TestSupportError("no controller for \(node)") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw TestSupportError("short write to \(node)") }
    }

    private func scanText(_ inbox: Inbox<ScannerOutput>) async throws -> String {
        let output = try await inbox.next()
        guard case .scan(let event) = output else { throw TestSupportError("expected a scan, got \(output)") }
        return event.text
    }
}
