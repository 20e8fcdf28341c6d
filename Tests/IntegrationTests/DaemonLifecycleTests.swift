import ControlProtocol
import Foundation
import Payments
import QFPOSDaemon
import QFPay
import QFPaySandbox
import TestSupport
import Testing

/// Drain on stop, reload, and the methods around a sale, through the socket with the real
/// pipeline against the sandbox.
@Suite struct DaemonLifecycleTests {
    @Test func stoppingDrainsAPendingSaleAndRefusesNewOnes() async throws {
        try await withSandbox { sandbox in
            let harness = try await DaemonHarness(sandbox: sandbox)
            let till = try await harness.connect()
            _ = try await till.call(MethodName.eventsSubscribe)
            var events = till.events.makeAsyncIterator()
            let code = SandboxScenario.pendingThenPaid(queries: 10).authCode(serial: 99)
            _ = try await till.call(
                MethodName.saleStart, ["amount": 300, "auth_code": .string(code), "order_id": "DR-1"])
            _ = await EndToEndTests.events(&events) { $0.params["state"] == "pending" }
            harness.daemon.send(.stop)
            let draining = await EndToEndTests.events(&events) { $0.method == EventName.daemonStatus }
            #expect(draining.last?.params["state"] == "draining")
            await #expect {
                _ = try await till.call(MethodName.saleStart, ["amount": 100, "order_id": "DR-2"])
            } throws: { error in
                (error as? RPCError)?.reason == .draining
            }
            let paid = await EndToEndTests.events(&events) { $0.params["state"] == "paid" }
            #expect(paid.last?.params["sale_id"] == "DR-1", "the pending sale finished before the daemon stopped")
            await till.close()
            try await harness.stop(keepDirectory: true)
            defer { harness.directory.remove() }
            #expect(sandbox.ledger.orders().filter { $0.amount == 300 }.count == 1)
            // Closed cleanly: the write-ahead log checkpointed and removed, the sale in the database.
            let journalPath = harness.directory.file("journal.sqlite")
            #expect(!FileManager.default.fileExists(atPath: journalPath + "-wal"))
            let reopened = try Journal(path: journalPath).summaries(limit: 10)
            #expect(reopened.first { $0.order.saleID == "DR-1" }?.status == .paid)
        }
    }

    @Test func cancelListAndSimulatedScanGoThroughTheSocket() async throws {
        try await withSandbox { sandbox in
            let harness = try await DaemonHarness(sandbox: sandbox)
            let till = try await harness.connect()
            let waiting = try await till.call(
                MethodName.saleStart, ["amount": 700, "order_id": "CX-1"], as: SaleInfo.self)
            #expect(waiting.state == .awaitingScan)
            let again = try await till.call(
                MethodName.saleStart, ["amount": 700, "order_id": "CX-1"], as: SaleInfo.self)
            #expect(again.outTradeNo == waiting.outTradeNo, "the same order id is the same sale")
            await #expect {
                _ = try await till.call(MethodName.saleStart, ["amount": 100, "order_id": "CX-2"])
            } throws: { error in
                (error as? RPCError)?.code == RPCError.Code.conflict
            }
            let cancelled = try await till.call(MethodName.saleCancel, ["sale_id": "CX-1"], as: SaleInfo.self)
            #expect([.cancelling, .cancelled].contains(cancelled.state))
            _ = try await till.call(MethodName.saleStart, ["amount": 900, "order_id": "CX-3"])
            let code = SandboxScenario.success.authCode(serial: 31)
            let scanned = try await till.call(MethodName.scanSimulate, ["lane": "front", "code": .string(code)])
            #expect(scanned["sale"]?["sale_id"] == "CX-3")
            await #expect {
                _ = try await till.call(MethodName.scanSimulate, ["lane": "front", "code": "4901234567894"])
            } throws: { error in
                (error as? RPCError)?.reason == .notAPaymentCode
            }
            let list = try await till.call(MethodName.saleList, ["limit": 10])
            let ids = (list["sales"]?.arrayValue ?? []).compactMap { $0["sale_id"]?.stringValue }
            #expect(Set(ids) == ["CX-1", "CX-3"])
            await #expect {
                _ = try await till.call(MethodName.saleGet, ["sale_id": "NOPE"])
            } throws: { error in
                (error as? RPCError)?.reason == .saleNotFound
            }
            await till.close()
            try await harness.stop()
        }
    }

    @Test func reloadGivesALaneItsNewPrinterAndMakesTheFirstConfiguredLaneTheDefault() async throws {
        try await withSandbox { sandbox in
            let baseURL = sandbox.baseURL.absoluteString
            let directory = try TemporaryDirectory()
            let frontPrinter = directory.file("front.prn")
            let backPrinter = directory.file("back.prn")
            let harness = try await DaemonHarness(
                extraYAML: DaemonHarness.sandboxYAML(baseURL: baseURL, scanner: nil, printer: frontPrinter),
                withServices: true, key: SandboxTestCredentials.key, directory: directory, baseURL: baseURL)
            let till = try await harness.connect()
            _ = try await till.call(MethodName.eventsSubscribe, ["events": ["daemon.status"]])
            var events = till.events.makeAsyncIterator()
            let code = SandboxScenario.success.authCode(serial: 41)
            _ = try await till.call(
                MethodName.saleStart, ["amount": 100, "order_id": "RL-1", "auth_code": .string(code)])
            try await Self.waitForBytes(in: frontPrinter)
            let frontBytes = Self.size(of: frontPrinter)

            try harness.rewriteConfiguration(
                extraYAML: """
                    lanes:
                      ids: [back]
                      back:
                        printer:
                          path: \(backPrinter)

                    """, baseURL: baseURL)
            harness.daemon.send(.reload)
            _ = await EndToEndTests.events(&events) { $0.params["reloaded"] == true }
            let second = SandboxScenario.success.authCode(serial: 42)
            let sale = try await till.call(
                MethodName.saleStart, ["amount": 200, "order_id": "RL-2", "auth_code": .string(second)],
                as: SaleInfo.self)
            #expect(sale.lane == "back", "a sale naming no lane goes to the first configured lane")
            try await Self.waitForBytes(in: backPrinter)
            #expect(Self.size(of: frontPrinter) == frontBytes, "the old printer got nothing more")
            await till.close()
            try await harness.stop()
        }
    }

    /// Waits until a file printer has received something (10 s liveness bound).
    static func waitForBytes(in path: String) async throws {
        for _ in 0..<1000 where size(of: path) == 0 { try await Task.sleep(for: .milliseconds(10)) }
        if size(of: path) == 0 { throw TestSupportError("nothing printed on \(path)") }
    }

    static func size(of path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    @Test func devicesListShowsTheLanesScannerAndReloadIsAnnounced() async throws {
        try await withSandbox { sandbox in
            let scanner = try PseudoTerminal()
            let harness = try await DaemonHarness(sandbox: sandbox, scanner: scanner.devicePath)
            let till = try await harness.connect()
            let devices = try await till.call(MethodName.devicesList)["devices"]?.arrayValue ?? []
            let lanes = devices.filter { $0["node"] == .string(scanner.devicePath) }
            #expect(lanes.first?["lane"] == "front", "devices: \(devices)")
            #expect(lanes.first?["role"] == "scanner")
            _ = try await till.call(MethodName.eventsSubscribe, ["events": ["daemon.status"]])
            var events = till.events.makeAsyncIterator()
            harness.daemon.send(.reload)
            let reloaded = await EndToEndTests.events(&events) { $0.params["reloaded"] == true }
            #expect(reloaded.last?.params["state"] == "running")
            let after = try await till.call(MethodName.devicesList)["devices"]?.arrayValue ?? []
            #expect(after.contains { $0["node"] == .string(scanner.devicePath) })
            await till.close()
            try await harness.stop()
        }
    }
}
