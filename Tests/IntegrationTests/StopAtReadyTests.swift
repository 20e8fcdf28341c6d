import Foundation
import Glibc
import TestSupport
import Testing

/// SIGTERM sent the moment the built qfposd reports READY=1 (a `systemctl stop` right after a
/// start), with the empty signal mask systemd gives: every time, qfposd drains and exits 0. The
/// stop once went unseen in a few starts in a hundred, when it came before libdispatch had
/// registered the signal sources.
@Suite struct StopAtReadyTests {
    @Test func aSIGTERMAtREADYDrainsAndExitsZeroEveryTime() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("qfpay-key", SandboxTestCredentials.key)
        let extra = "lanes:\n  ids: [front]\ncontrol:\n  socket_path: \(directory.file("control.sock"))\n"
        try directory.write("qfposd.yaml", DaemonHarness.yaml(directory: directory, extra: extra))
        let notify = try NotifyListener(path: directory.file("notify"))
        for start in 1...30 {
            let process = try await DaemonProcess.startReady(
                configPath: directory.file("qfposd.yaml"), notify: notify,
                logPath: directory.file("qfposd-\(start).log"))
            process.signal(SIGTERM)
            let status = await process.wait()
            #expect(status == 0, "start \(start): \(process.log)")
            #expect(process.log.contains("draining"), "start \(start): \(process.log)")
            if status != 0 { break }
        }
    }
}
