import ControlProtocol
import Foundation
import Glibc
import QFPOSDaemon
import QFPay
import QFPaySandbox
import TestSupport
import Testing

/// A tmpfs of its own for the journal, in a mount namespace held by a sleeping process: qfposd is
/// started inside it with `nsenter`, and the test fills it through `/proc/PID/root`. Root makes
/// the namespace directly; anyone else through a user namespace (`--map-root-user`). The tmpfs
/// and the namespace go away with the holder.
final class PrivateTmpfs: @unchecked Sendable {
    let path: String
    let holder: pid_t
    private let userNamespace = geteuid() != 0

    init(path: String, size: String) async throws {
        self.path = path
        mkdir(path, 0o700)
        var argv = ["/usr/bin/unshare", "--mount", "--propagation", "private"]
        if userNamespace { argv.insert("--map-root-user", at: 1) }
        argv += ["/bin/sh", "-c", "mount -t tmpfs -o size=\(size),mode=0700 tmpfs \"$0\" && exec sleep 3600", path]
        holder = try spawnDaemon(argv, environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], stderrPath: "/dev/null")
        for _ in 0..<500 {
            let mounts = (try? String(contentsOfFile: "/proc/\(holder)/mountinfo", encoding: .utf8)) ?? ""
            if mounts.split(separator: "\n").contains(where: { $0.contains(" \(path) ") && $0.contains("tmpfs") }) {
                return
            }
            var status: Int32 = 0
            if waitpid(holder, &status, WNOHANG) == holder {
                throw TestSupportError("cannot mount a tmpfs in a mount namespace (exit status \(status))")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestSupportError("the tmpfs at \(path) did not appear")
    }

    /// Runs a command inside the namespace (it execs the command, keeping its pid).
    var enter: [String] {
        ["/usr/bin/nsenter", "--target", "\(holder)", "--mount"]
            + (userNamespace ? ["--user", "--preserve-credentials"] : []) + ["--"]
    }

    /// The tmpfs as seen from outside the namespace.
    var outside: String { "/proc/\(holder)/root\(path)" }

    /// Writes a file until the tmpfs is full; returns the bytes written.
    @discardableResult
    func fill() -> Int {
        let descriptor = open(outside + "/filler", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { return -1 }
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0x5A, count: 4096)
        var total = 0
        while true {
            let written = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written <= 0 { return total }
            total += written
        }
    }

    /// Frees what `fill()` took.
    func free() { unlink(outside + "/filler") }

    func remove() {
        kill(holder, SIGKILL)
        var status: Int32 = 0
        waitpid(holder, &status, 0)
        rmdir(path)
    }
}

/// The journal's filesystem fills up in the middle of a sale: qfposd never goes on as if the write
/// had happened. It stops with its own status (74, EX_IOERR), and once space is back a restart
/// resumes the sale from the journal by asking the gateway.
@Suite struct JournalFullTests {
    enum Moment: String, CaseIterable, Sendable {
        /// The disk fills while the payment is pending at the gateway: the paid answer cannot be
        /// journaled. The customer is charged; after the restart the query finds the payment.
        case whilePending
        /// The disk fills before the scan: the payment intent cannot be journaled, so nothing is
        /// sent. After the restart the sale is cancelled and the customer was never charged.
        case beforeTheScan
    }

    @Test(arguments: Moment.allCases)
    func aJournalThatCannotBeWrittenStopsQfposdAndARestartResumesTheSale(_ moment: Moment) async throws {
        try await withSandbox { sandbox in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let disk = try await PrivateTmpfs(path: directory.file("journal-fs"), size: "2m")
            defer { disk.remove() }
            try directory.write("qfpay-key", SandboxTestCredentials.key)
            let socketPath = directory.file("run/control.sock")
            let yaml = DaemonHarness.yaml(
                directory: directory,
                extra: """
                    payments:
                      poll_interval_seconds: "0.3-0.4"
                    lanes:
                      ids: [front]
                    control:
                      socket_path: \(socketPath)
                    """,
                baseURL: sandbox.baseURL.absoluteString
            ).replacingOccurrences(of: directory.file("journal.sqlite"), with: disk.path + "/journal.sqlite")
            try directory.write("qfposd.yaml", yaml)
            let notify = try NotifyListener(path: directory.file("notify"))
            func start() async throws -> DaemonProcess {
                try await DaemonProcess.startReady(
                    configPath: directory.file("qfposd.yaml"), notify: notify, logPath: directory.file("qfposd.log"),
                    wrapper: disk.enter)
            }

            let first = try await start()
            let till = try await ControlClient.connect(socketPath: socketPath)
            _ = try await till.call(MethodName.eventsSubscribe, ["events": ["sale.updated"]])
            var events = till.events.makeAsyncIterator()
            let code = SandboxScenario.pendingThenPaid(queries: 3).authCode(serial: 7400)
            let orderID = "FULL-\(moment.rawValue)"
            switch moment {
            case .whilePending:
                _ = try await till.call(
                    MethodName.saleStart, ["amount": 1800, "auth_code": .string(code), "order_id": .string(orderID)])
                let seen = await EndToEndTests.events(&events) { $0.params["state"] == "pending" }
                #expect(seen.last?.params["state"] == "pending", "events: \(seen)")
                #expect(disk.fill() > 0)
            case .beforeTheScan:
                _ = try await till.call(MethodName.saleStart, ["amount": 1800, "order_id": .string(orderID)])
                #expect(disk.fill() > 0)
                // The scan's intent cannot be journaled: the daemon stops before the payment goes out.
                _ = try? await till.call(MethodName.scanSimulate, ["lane": "front", "code": .string(code)])
            }
            let status = await first.wait()
            #expect(status.map { ($0 >> 8) & 0xFF } == DaemonExitStatus.journalWriteFailed, "log: \(first.log)")
            #expect(first.log.contains("journal write failed"), "log: \(first.log)")
            await till.close()
            let charged = sandbox.ledger.orders().filter { $0.state == .paid || $0.state == .pending }
            switch moment {
            case .whilePending: #expect(charged.count == 1, "the payment went out before the disk filled")
            case .beforeTheScan: #expect(charged.isEmpty, "nothing is sent whose intent is not journaled")
            }

            disk.free()
            let second = try await start()
            let again = try await ControlClient.connect(socketPath: socketPath)
            let expected: SaleInfo.State = moment == .whilePending ? .paid : .cancelled
            var final = try await again.call(MethodName.saleGet, ["sale_id": .string(orderID)], as: SaleInfo.self)
            for _ in 0..<1000 where final.state != expected {
                try await Task.sleep(for: .milliseconds(20))
                final = try await again.call(MethodName.saleGet, ["sale_id": .string(orderID)], as: SaleInfo.self)
            }
            #expect(final.state == expected, "log: \(second.log)")
            let orders = sandbox.ledger.orders().filter { $0.outTradeNo == final.outTradeNo }
            switch moment {
            case .whilePending:
                #expect(orders.count == 1)
                #expect(orders.first?.chargedAmount == 1800, "journal and ledger agree: paid once")
                #expect(sandbox.ledger.requests(path: "/trade/v1/payment").count == 1, "never sent twice")
            case .beforeTheScan:
                #expect(orders.isEmpty)
                #expect(sandbox.ledger.requests(path: "/trade/v1/payment").isEmpty)
            }
            await again.close()
            second.signal(SIGTERM)
            #expect(await second.wait() == 0, "log: \(second.log)")
        }
    }
}
