import CLinuxShims
import ControlProtocol
import Foundation
import Glibc
import QFPOSDaemon
import TestSupport
import Testing

/// One reader a serial port: qfposd holds its lanes' ports exclusively (`TIOCEXCL`), and a port
/// another program holds is announced as removed until qfposd can read it. Ptys stand in for the
/// ports.
@Suite struct DeviceExclusivityTests {
    @Test func qfposdHoldsItsLanesSerialPortSoThatASecondOpenFails() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let scanner = try PseudoTerminal()
        let socketPath = directory.file("control.sock")
        try directory.write("qfpay-key", "test-key")
        try directory.write(
            "qfposd.yaml",
            DaemonHarness.yaml(
                directory: directory,
                extra: DaemonHarness.sandboxYAML(
                    baseURL: "http://127.0.0.1:9", scanner: scanner.devicePath, printer: nil)
                    + "control:\n  socket_path: \(socketPath)\n"))
        let notify = try NotifyListener(path: directory.file("notify"))
        let daemon = try DaemonProcess(
            arguments: ["--config", directory.file("qfposd.yaml")],
            environment: ["NOTIFY_SOCKET": notify.path, "PATH": "/usr/bin:/bin"], logPath: directory.file("qfposd.log"))
        let ready = await offPool { notify.waitFor("READY=1") }
        #expect(ready.last?.contains("READY=1") == true, "log: \(daemon.log)")
        let client = try await ControlClient.connect(socketPath: socketPath)
        let entry = try await Self.entry(client, node: scanner.devicePath) { $0["open"] == true }
        #expect(entry["exclusive"] == true)
        #expect(entry["lane"] == "front")
        // qfposd reads the port: another program cannot open it.
        #expect(try await SecondReader.open(scanner.devicePath) == "Device or resource busy", "log: \(daemon.log)")
        await client.close()
        daemon.signal(SIGTERM)
        #expect(await daemon.wait() == 0, "log: \(daemon.log)")
        // Stopped, qfposd has given the port back.
        #expect(try await SecondReader.open(scanner.devicePath) == nil)
    }

    @Test func aPortAnotherProgramHoldsIsAnnouncedRemovedThenAddedWhenItIsFree() async throws {
        let directory = try TemporaryDirectory()
        let link = directory.file("front-scanner")  // the lane's path; the port is not there yet
        let harness = try await DaemonHarness(
            extraYAML: DaemonHarness.sandboxYAML(baseURL: "http://127.0.0.1:9", scanner: link, printer: nil),
            withServices: true, directory: directory)
        let client = try await harness.connect()
        _ = try await client.call(MethodName.eventsSubscribe, ["events": ["device.added", "device.removed"]])
        var events = client.events.makeAsyncIterator()
        // The scanner's port appears held exclusively by another program (a terminal program, say).
        let port = try PseudoTerminal()
        let holder = open(port.devicePath, O_RDWR | O_NOCTTY | O_NONBLOCK)
        #expect(CLinuxShims_tty_set_exclusive(holder, 1) == 0)
        #expect(symlink(port.devicePath, link) == 0)
        let removed = await EndToEndTests.events(&events) {
            $0.method == EventName.deviceRemoved && $0.params["reason"] == "busy"
        }
        let busy = try #require(removed.last)
        #expect(busy.params["lane"] == "front")
        #expect(busy.params["id"] == "static-lane-front-scanner")
        #expect(busy.params["message"]?.stringValue?.contains("held exclusively by another reader") == true)
        let waiting = try await Self.entry(client, node: link) { $0["open"] == false }
        #expect(waiting["open_error"]?.stringValue?.hasPrefix("busy:") == true, "\(waiting)")
        // The other program lets go: qfposd reads the port and says so.
        #expect(CLinuxShims_tty_set_exclusive(holder, 0) == 0)
        close(holder)
        let added = await EndToEndTests.events(&events) {
            $0.method == EventName.deviceAdded && $0.params["open"] == true
        }
        #expect(added.last?.params["id"] == "static-lane-front-scanner", "\(added)")
        let reading = try await Self.entry(client, node: link) { $0["open"] == true }
        #expect(reading["exclusive"] == true)
        await client.close()
        try await harness.stop()
    }

    /// The `devices.list` entry of `node` once `condition` holds for it (10 s liveness bound).
    static func entry(
        _ client: ControlClient, node: String, until condition: (JSONValue) -> Bool
    ) async throws -> JSONValue {
        var list: [JSONValue] = []
        for _ in 0..<200 {
            list = try await client.call(MethodName.devicesList)["devices"]?.arrayValue ?? []
            if let entry = list.first(where: { $0["node"] == .string(node) }), condition(entry) { return entry }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSupportError("\(node) never reached the state: \(list)")
    }
}
