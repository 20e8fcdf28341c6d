import Devices
import Foundation
import QFPOSDaemon
import TestSupport
import Testing

/// `make install DESTDIR=…` into a scratch root, through the script it runs (`scripts/install.sh`
/// with the binaries just built, so that no release build is needed here): what a till gets.
@Suite struct InstallTests {
    private static let checkout = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Installs into a fresh scratch root with PREFIX /usr/local; returns the root.
    private func install() async throws -> TemporaryDirectory {
        let root = try TemporaryDirectory()
        let binaries = URL(fileURLWithPath: DaemonProcess.executablePath).deletingLastPathComponent().path
        var environment = ProcessInfo.processInfo.environment
        environment["QFPOS_BIN"] = binaries
        let result = try await runToEnd(
            URL(fileURLWithPath: "/bin/bash"),
            [Self.checkout.appendingPathComponent("scripts/install.sh").path, root.path, "/usr/local"],
            environment: environment)
        guard result.status == 0 else {
            root.remove()
            throw TestSupportError("install.sh failed: \(result.output)")
        }
        return root
    }

    @Test func theInstalledRulesGiveTheDevicesTheSamePropertiesTheTestsUsed() async throws {
        let root = try await install()
        defer { root.remove() }
        let installed = try ShippedRules.load(root.file("etc/udev/rules.d/60-qfpos.rules"))
        // The devices of the installed-devices tests, as their descriptions were before udev ran.
        let till = try InstalledDevicesTests.Till()
        let plain = [
            FakeDevices.cdcACMScanner(serial: "FRONT0001"), FakeDevices.usbSerialScanner(serial: "BACK0002"),
            FakeDevices.keyboard(serial: "SIDE0003"), FakeDevices.keyboard(product: 0x1300, serial: "PRODUCT04"),
            FakeDevices.keyboard(
                vendor: 0x046d, product: 0xc31c, serial: nil, manufacturer: "Logitech", model: "USB Keyboard"),
        ]
        for (device, used) in zip(plain, till.all) {
            let outcome = try installed.evaluate(UdevRuleDevice.chain(fromUmockdevRecord: device.description))
            #expect(outcome == used.outcome, "\(device.node)")
            // What the tests' device files carry on their nodes is exactly that outcome.
            for (name, value) in outcome.properties {
                #expect(used.device.description.contains("E: \(name)=\(value)\n"), "\(name) on \(device.node)")
            }
        }
        #expect(till.front.outcome.properties["QFPOS_ROLE"] == "scanner")
    }

    @Test func theInstallCreatesTheTillsGroupAndGivesTheDaemonNoOther() async throws {
        let root = try await install()
        defer { root.remove() }
        let sysusers = try String(contentsOfFile: root.file("usr/lib/sysusers.d/qfpos.conf"), encoding: .utf8)
        let entries = sysusers.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(entries.contains { $0.hasPrefix("u qfpos ") })
        #expect(entries.contains("g qfpos-till -"))
        #expect(!entries.contains { $0.hasPrefix("m ") }, "\(entries)")
        let socket = try String(contentsOfFile: root.file("etc/systemd/system/qfposd.socket"), encoding: .utf8)
        #expect(socket.contains("SocketGroup=qfpos-till\n"))
        let service = try String(contentsOfFile: root.file("etc/systemd/system/qfposd.service"), encoding: .utf8)
        #expect(service.contains("ExecStart=/usr/local/bin/qfposd --config /etc/qfpos/qfposd.yaml\n"))
        #expect(!service.contains("SupplementaryGroups="))
        let (configuration, _) = try await ConfigurationLoader.load(
            path: root.file("etc/qfpos/qfposd.yaml"), environment: [:])
        #expect(configuration.control.group == "qfpos-till")
        #expect(FileManager.default.isExecutableFile(atPath: root.file("usr/local/bin/qfposd")))
    }
}
