import ControlProtocol
import Foundation
import Glibc
import QFPOSDaemon
import QFPay
import QFPaySandbox
import TestSupport
import Testing

/// The built `qfposd` killed with SIGKILL while a sale is pending, then started again on the same
/// journal: the sale resumes and ends paid exactly once, and the till sees it.
@Suite struct CrashRestartTests {
    @Test func aSalePendingWhenQfposdIsKilledResumesAfterRestartAndIsPaidOnce() async throws {
        try await withSandbox { sandbox in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            try directory.write("qfpay-key", SandboxTestCredentials.key)
            let socketPath = directory.file("run/control.sock")
            try directory.write(
                "qfposd.yaml",
                DaemonHarness.yaml(
                    directory: directory,
                    extra: DaemonHarness.sandboxYAML(
                        baseURL: sandbox.baseURL.absoluteString, scanner: nil, printer: nil)
                        + "control:\n  socket_path: \(socketPath)\n",
                    baseURL: sandbox.baseURL.absoluteString))
            let notify = try NotifyListener(path: directory.file("notify"))
            func start() async throws -> DaemonProcess {
                try await DaemonProcess.startReady(
                    configPath: directory.file("qfposd.yaml"), notify: notify, logPath: directory.file("qfposd.log"))
            }

            let first = try await start()
            let till = try await ControlClient.connect(socketPath: socketPath)
            _ = try await till.call(MethodName.eventsSubscribe, ["events": ["sale.updated"]])
            var events = till.events.makeAsyncIterator()
            let code = SandboxScenario.pendingThenPaid(queries: 30).authCode(serial: 777)
            _ = try await till.call(
                MethodName.saleStart, ["amount": 2500, "auth_code": .string(code), "order_id": "KILL-1"])
            let beforeKill = await EndToEndTests.events(&events) { $0.params["state"] == "pending" }
            #expect(beforeKill.last?.params["state"] == "pending", "events: \(beforeKill)")
            first.signal(SIGKILL)
            _ = await first.wait()
            await till.close()

            let second = try await start()
            let again = try await ControlClient.connect(socketPath: socketPath)
            _ = try await again.call(MethodName.eventsSubscribe, ["events": ["sale.updated"]])
            var resumed = again.events.makeAsyncIterator()
            let atRestart = try await again.call(MethodName.saleGet, ["sale_id": "KILL-1"], as: SaleInfo.self)
            if atRestart.state != .paid {
                let seen = await EndToEndTests.events(&resumed) { $0.params["state"] == "paid" }
                #expect(seen.last?.params["sale_id"] == "KILL-1", "events after restart: \(seen)")
                #expect(seen.last?.params["state"] == "paid", "events after restart: \(seen)")
            }
            let final = try await again.call(MethodName.saleGet, ["sale_id": "KILL-1"], as: SaleInfo.self)
            #expect(final.state == .paid, "log: \(second.log)")
            #expect(final.amount == 2500)
            let orders = sandbox.ledger.orders().filter { $0.outTradeNo == final.outTradeNo }
            #expect(orders.count == 1, "charged exactly once")
            await again.close()
            second.signal(SIGTERM)
            #expect(await second.wait() == 0, "log: \(second.log)")
            #expect(!second.log.contains(SandboxTestCredentials.key), "the key is never logged")
            #expect(!second.log.contains(code), "the auth code is never logged whole")
        }
    }
}
