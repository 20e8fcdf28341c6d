import ControlProtocol
import Devices
import Foundation
import Glibc
import QFPOSDaemon
import QFPay
import QFPaySandbox
import TestSupport
import Testing

/// qfposd on a till where `make install` put the udev rules in place: the scanners are umockdev
/// devices carrying exactly the properties the shipped `udev/60-qfpos.rules` gives them (computed
/// by evaluating the rules on each description, as the rules/table agreement test does) and the
/// links udev and systemd's rules make; the daemon runs its real pipeline against the sandbox.
///
/// Runs under umockdev-wrapper (`scripts/run-tests.sh` runs this suite so, apart from the other
/// integration tests).
@Suite struct InstalledDevicesTests {
    /// The till's devices as installed.
    struct Till {
        /// Lane `front`'s scanner, named by `match: usb:0c2e:0b61` (a Honeywell in USB serial mode).
        let front: ProcessedDevice
        /// Lane `back`'s scanner, named by `path:` to its by-id link (a Datalogic on USB-serial).
        let back: ProcessedDevice
        /// Lane `side`'s keyboard-wedge scanner, named by `path:` to its input by-id link (Zebra).
        let side: ProcessedDevice
        /// A Zebra keyboard-wedge scanner no lane names: the till's own product scanner.
        let productScanner: ProcessedDevice
        /// A real keyboard.
        let keyboard: ProcessedDevice

        init() throws {
            let rules = try ShippedRules.load()
            front = try FakeDevices.cdcACMScanner(serial: "FRONT0001").processed(
                by: rules, extraLinks: ShippedRules.serialByIDLink)
            back = try FakeDevices.usbSerialScanner(serial: "BACK0002").processed(
                by: rules, extraLinks: ShippedRules.serialByIDLink)
            side = try FakeDevices.keyboard(serial: "SIDE0003").processed(
                by: rules, extraLinks: ShippedRules.keyboardByIDLink)
            productScanner = try FakeDevices.keyboard(product: 0x1300, serial: "PRODUCT04").processed(
                by: rules, extraLinks: ShippedRules.keyboardByIDLink)
            keyboard = try FakeDevices.keyboard(
                vendor: 0x046d, product: 0xc31c, serial: nil, manufacturer: "Logitech", model: "USB Keyboard"
            ).processed(by: rules)
        }

        var all: [ProcessedDevice] { [front, back, side, productScanner, keyboard] }

        /// The by-id links the lanes' `path:` names.
        var backLink: String { ShippedRules.serialByIDLink(back.outcome)[0] }
        var sideLink: String { ShippedRules.keyboardByIDLink(side.outcome)[0] }

        var lanesYAML: String {
            """
            payments:
              poll_interval_seconds: "0.05-0.1"
            lanes:
              ids: [front, back, side]
              front:
                scanner:
                  match: usb:0c2e:0b61
                  suffix: cr
              back:
                scanner:
                  path: \(backLink)
                  suffix: cr
              side:
                scanner:
                  path: \(sideLink)
                  layout: us

            """
        }

        /// Puts the devices in the testbed, as udev leaves them, with EVIOCGRAB answered on the
        /// keyboards' event nodes (and counted).
        func install(in testbed: UmockdevTestbed) throws {
            for device in [side, productScanner, keyboard] { try testbed.emulateEvdevGrab(on: device.node) }
            for device in all { try testbed.add(device) }
        }
    }

    @Test func theShippedRulesTagTheTillsDevicesAsTheDaemonExpects() throws {
        let till = try Till()
        for device in [till.front, till.back, till.side, till.productScanner] {
            #expect(device["QFPOS_ROLE"] == "scanner", "\(device.node)")
            #expect(device.outcome.group == UdevRules.group)
        }
        #expect(till.keyboard.outcome == UdevRuleOutcome())
        #expect(till.back.links.contains(till.backLink))
        #expect(till.side.links.contains(till.sideLink))
    }

    @Test func aCodeFromEachLanesScannerReachesThatLanesSaleExactlyOnce() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            try await withSandbox { sandbox in
                let till = try Till()
                try till.install(in: testbed)
                let harness = try await DaemonHarness(
                    extraYAML: till.lanesYAML, withServices: true, key: SandboxTestCredentials.key,
                    baseURL: sandbox.baseURL.absoluteString)
                let client = try await harness.connect()
                _ = try await client.call(MethodName.eventsSubscribe, ["events": ["scan", "sale.updated"]])
                var events = client.events.makeAsyncIterator()
                let lanes = try await Self.waitForReaders(
                    client, nodes: [till.front.node, till.back.node, till.side.node])
                let codes = [
                    "front": SandboxScenario.success.authCode(serial: 1_301),
                    "back": SandboxScenario.success.authCode(serial: 1_302),
                    "side": SandboxScenario.success.authCode(serial: 1_303),
                ]
                var scans: [EventNotification] = []
                for (lane, device) in [("front", till.front), ("back", till.back), ("side", till.side)] {
                    let code = try #require(codes[lane])
                    let sale = try await client.call(
                        MethodName.saleStart,
                        ["amount": 500, "lane": .string(lane), "order_id": .string("IN-\(lane)")],
                        as: SaleInfo.self)
                    #expect(sale.state == .awaitingScan)
                    if device.node == till.side.node {
                        try testbed.replayEvemuEvents(EvemuScript.typing(code, layout: .us), on: device.node)
                    } else {
                        try Self.send(code + "\r", from: device, testbed)
                    }
                    let seen = await EndToEndTests.events(&events) {
                        $0.method == EventName.saleUpdated && $0.params["sale_id"] == .string(sale.saleID)
                            && $0.params["state"] == "paid"
                    }
                    scans += seen.filter { $0.method == EventName.scan }
                    let paid = try await client.call(
                        MethodName.saleGet, ["sale_id": .string(sale.saleID)], as: SaleInfo.self)
                    #expect(paid.state == .paid, "lane \(lane): \(seen)")
                    #expect(paid.authCodeMasked == AuthCode.mask(code), "lane \(lane)")
                }
                // Every scan published so far comes before a last sale's events: none is left out.
                _ = try await client.call(
                    MethodName.saleStart, ["amount": 1, "lane": "front", "order_id": "IN-marker"], as: SaleInfo.self)
                _ = try await client.call(MethodName.saleCancel, ["sale_id": "IN-marker"])
                scans += await EndToEndTests.events(&events) {
                    $0.params["sale_id"] == "IN-marker" && $0.params["final"] == true
                }.filter { $0.method == EventName.scan }
                for (lane, code) in codes {
                    let ofCode = scans.filter { $0.params["code"] == .string(AuthCode.mask(code)) }
                    #expect(ofCode.count == 1, "lane \(lane): \(scans)")
                    #expect(ofCode.first?.params["lane"] == .string(lane))
                    #expect(sandbox.ledger.orders().filter { $0.authCode == code }.count == 1, "lane \(lane)")
                }
                #expect(scans.count == 3, "\(scans)")
                #expect(lanes.count == 3)
                await client.close()
                try await harness.stop()
            }
        }
    }

    @Test func devicesListAndListDevicesShowEachDevicesLaneAndHowItIsHeld() async throws {
        try await UmockdevTestbed.withTestbed { testbed in
            let till = try Till()
            try till.install(in: testbed)
            let harness = try await DaemonHarness(extraYAML: till.lanesYAML, withServices: true)
            let client = try await harness.connect()
            _ = try await Self.waitForReaders(client, nodes: [till.front.node, till.back.node, till.side.node])
            let list = try await client.call(MethodName.devicesList)["devices"]?.arrayValue ?? []
            func entry(_ device: ProcessedDevice) throws -> JSONValue {
                guard let found = list.first(where: { $0["node"] == .string(device.node) }) else {
                    throw TestSupportError("\(device.node) not in \(list)")
                }
                return found
            }
            // One device a node: the lane named by path has the udev device, not a second one.
            #expect(list.count == till.all.count, "\(list)")
            #expect(!list.contains { $0["id"]?.stringValue?.hasPrefix("static-") == true }, "\(list)")
            let front = try entry(till.front)
            #expect(front["lane"] == "front")
            #expect(front["lane_reason"] == "lane front: config rule 'lane-front-scanner' (usb 0c2e:0b61)")
            #expect(front["reason"] == "udev rule QFPOS_ROLE=scanner: Honeywell (Metrologic)")
            #expect(front["open"] == true)
            #expect(front["exclusive"] == true)
            #expect(front["grabbed"] == false)
            let back = try entry(till.back)
            #expect(back["lane"] == "back")
            #expect(
                back["lane_reason"] == .string("lane back: config rule 'lane-back-scanner' (static \(till.backLink))"))
            #expect(back["exclusive"] == true)
            let side = try entry(till.side)
            #expect(side["lane"] == "side")
            #expect(side["open"] == true)
            #expect(side["grabbed"] == true)
            #expect(side["exclusive"] == false)
            let product = try entry(till.productScanner)
            #expect(product["role"] == "scanner")
            #expect(product["lane"] == nil)
            #expect(product["lane_reason"] == "not used by any lane: no lane's match or path names it")
            #expect(product["open"] == false)
            #expect(product["grabbed"] == false)
            #expect(try entry(till.keyboard)["role"] == "ignored")
            // The till's own product scanner was neither grabbed nor asked to be; the lane's was.
            #expect(testbed.grabRequests(on: till.productScanner.node) == 0)
            #expect(testbed.grabRequests(on: till.side.node) == 1)
            // A second reader of a lane's serial port is refused while qfposd reads it.
            #expect(try await SecondReader.open(till.front.node, inTestbed: true) == "Device or resource busy")

            // `qfposd --list-devices` on the same till, with the running daemon's reader states.
            let text = try await DeviceListing.report(
                configPath: harness.directory.file("qfposd.yaml"), environment: [:], json: false)
            let blocks = Self.blocks(of: text)
            #expect(
                text.hasPrefix("qfposd at \(harness.socketPath) (pid \(getpid())): reader states are that daemon's"))
            let frontBlock = try #require(blocks[till.front.node], "\(text)")
            #expect(
                frontBlock.contains("  lane:    front (lane front: config rule 'lane-front-scanner' (usb 0c2e:0b61))"))
            #expect(frontBlock.contains("  reader:  open, exclusive (TIOCEXCL)"))
            #expect(try #require(blocks[till.side.node]).contains("  reader:  open, grabbed (EVIOCGRAB)"))
            let productBlock = try #require(blocks[till.productScanner.node], "\(text)")
            #expect(productBlock.contains("  lane:    none: not used by any lane: no lane's match or path names it"))
            #expect(productBlock.contains("  reader:  left alone: not opened, not grabbed"))
            #expect(
                blocks.keys.allSatisfy { !$0.hasPrefix("/dev/serial/by-id/") && !$0.hasPrefix("/dev/input/by-id/") })
            await client.close()
            try await harness.stop()
            // Stopped, qfposd has let go of the port.
            #expect(try await SecondReader.open(till.front.node, inTestbed: true) == nil)
        }
    }

    // MARK: - Helpers

    /// Waits (10 s liveness bound) until `devices.list` shows every node open; returns their entries.
    static func waitForReaders(_ client: ControlClient, nodes: [String]) async throws -> [JSONValue] {
        var list: [JSONValue] = []
        for _ in 0..<200 {
            list = try await client.call(MethodName.devicesList)["devices"]?.arrayValue ?? []
            let open = list.filter { nodes.contains($0["node"]?.stringValue ?? "") && $0["open"] == true }
            if open.count == nodes.count { return open }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSupportError("the lanes' scanners were not all open: \(list)")
    }

    /// Writes what a serial scanner sends, on the controller side of its emulated node.
    static func send(_ text: String, from device: ProcessedDevice, _ testbed: UmockdevTestbed) throws {
        let descriptor = testbed.controllerDescriptor(of: device.node)
        guard descriptor >= 0 else { throw TestSupportError("no controller for \(device.node)") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw TestSupportError("short write to \(device.node)") }
    }

    /// The text listing's blocks, by the node on their first line.
    static func blocks(of text: String) -> [String: [String]] {
        var blocks: [String: [String]] = [:]
        var current: String?
        for line in text.split(separator: "\n").map(String.init) {
            if !line.hasPrefix(" "), line.contains("  /") {
                current = line.split(separator: " ").dropFirst().first.map(String.init)
                if let current { blocks[current] = [line] }
            } else if let current {
                blocks[current, default: []].append(line)
            }
        }
        return blocks
    }
}
