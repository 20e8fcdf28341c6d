import ControlProtocol
import Foundation
import Glibc
import QFPOSDaemon
import TestSupport
import Testing

@Suite struct SystemdIntegrationTests {
    @Test func readyStatusAndWatchdogReachTheNotifySocket() async throws {
        let directory = try TemporaryDirectory()
        let listener = try NotifyListener(path: directory.file("notify"))
        let harness = try await DaemonHarness(environment: [
            "NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "200000",
        ])
        let untilReady = await offPool { listener.waitFor("READY=1") }
        let ready = try #require(untilReady.last)
        #expect(ready.contains("STATUS=ready, 0 sales pending"))
        #expect(ready.contains("MAINPID=\(getpid())"))
        let untilWatchdog = await offPool { listener.waitFor("WATCHDOG=1") }
        #expect(untilWatchdog.last == "WATCHDOG=1")
        harness.daemon.send(.stop)
        let untilStopping = await offPool { listener.waitFor("STOPPING=1") }
        #expect(untilStopping.last?.contains("STOPPING=1") == true)
        try await harness.stop()
        directory.remove()
    }

    @Test func notifyingAnAbstractSocketWorksAndNoSocketMeansNoOp() throws {
        #expect(throws: Never.self) { try SystemdNotifier(environment: [:]).ready(status: "x") }
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/notify"])
        #expect(throws: DaemonError.self) { try notifier.watchdog() }
    }

    @Test func theWatchdogIsOnlyForTheProcessSystemdNamed() {
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "2000000"]).watchdogInterval == .seconds(1))
        #expect(
            SystemdNotifier(environment: ["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"]).watchdogInterval == nil
                || getpid() == 1)
    }

    @Test func socketActivationVariablesForAnotherProcessAreIgnored() throws {
        let other = try SocketActivation(environment: ["LISTEN_PID": "\(getpid() + 1)", "LISTEN_FDS": "1"])
        #expect(other.descriptors.isEmpty)
        #expect(try other.controlSocket() == nil)
        #expect(throws: DaemonError.self) {
            _ = try SocketActivation(environment: ["LISTEN_PID": "x", "LISTEN_FDS": "1"])
        }
    }

    @Test func qfposdServesOnASocketInheritedFromSystemd() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("qfpay-key", "test-key")
        let unusedPath = directory.file("not-created.sock")
        try directory.write(
            "qfposd.yaml",
            DaemonHarness.yaml(directory: directory, extra: "control:\n  socket_path: \(unusedPath)\n"))
        let activatedPath = directory.file("activated.sock")
        let listening = try ControlSocketListener.listen(path: activatedPath, group: nil)
        let notify = try NotifyListener(path: directory.file("notify"))
        let daemon = try DaemonProcess(
            arguments: ["--config", directory.file("qfposd.yaml")],
            environment: ["NOTIFY_SOCKET": notify.path, "PATH": "/usr/bin:/bin"], inheritedSocket: listening,
            logPath: directory.file("qfposd.log"))
        close(listening)
        let messages = await offPool { notify.waitFor("READY=1") }
        #expect(messages.last?.contains("READY=1") == true, "log: \(daemon.log)")
        let client = try await ControlClient.connect(socketPath: activatedPath)
        let status = try await client.call(MethodName.daemonStatus)
        #expect(status["pid"] == .integer(Int64(daemon.pid)))
        #expect(access(unusedPath, F_OK) != 0, "the daemon did not create its own socket")
        await client.close()
        daemon.signal(SIGTERM)
        let exit = await daemon.wait()
        #expect(exit == 0, "log: \(daemon.log)")
        #expect(daemon.log.contains("inherited from systemd"))
        #expect(!daemon.log.contains("test-key"))
    }
}
