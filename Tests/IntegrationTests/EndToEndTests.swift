import ControlProtocol
import ESCPOS
import Foundation
import QFPOSDaemon
import QFPay
import QFPaySandbox
import TestSupport
import Testing

/// The daemon with its real pipeline, devices and printers against the sandbox over HTTP, a pty
/// for the scanner and a pty for the printer, driven through the control socket.
@Suite struct EndToEndTests {
    /// Reads events until `predicate` holds for one (10 s liveness bound); returns all read.
    static func events(
        _ iterator: inout AsyncStream<EventNotification>.AsyncIterator, until predicate: (EventNotification) -> Bool
    ) async -> [EventNotification] {
        var seen: [EventNotification] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, let event = await iterator.next() {
            seen.append(event)
            if predicate(event) { break }
        }
        return seen
    }

    @Test func aScanSaleIsPaidAndItsReceiptPrintedWithEventsInOrder() async throws {
        try await withSandbox { sandbox in
            let scanner = try PseudoTerminal()
            let printer = try PseudoTerminal()
            let harness = try await DaemonHarness(
                sandbox: sandbox, scanner: scanner.devicePath, printer: printer.devicePath)
            let till = try await harness.connect()
            _ = try await till.call(MethodName.eventsSubscribe)
            var events = till.events.makeAsyncIterator()
            let started = try await till.call(
                MethodName.saleStart, ["amount": 1200, "mode": "scan", "lane": "front", "order_id": "E2E-1"],
                as: SaleInfo.self)
            #expect(started.state == .awaitingScan)
            #expect(started.saleID == "E2E-1")
            // The lane's scanner may attach just after the daemon answers: write until the scan is seen.
            let code = SandboxScenario.success.authCode(serial: 12_345_678)
            var seen: [EventNotification] = []
            for _ in 0..<50 {
                try scanner.write(code + "\r")
                seen += await Self.events(&events) { $0.method == EventName.scan || $0.params["state"] == "paid" }
                if seen.contains(where: { $0.method == EventName.scan }) { break }
            }
            seen += await Self.events(&events) { $0.method == EventName.saleUpdated && $0.params["state"] == "paid" }
            let states = seen.filter { $0.method == EventName.saleUpdated }.compactMap {
                $0.params["state"]?.stringValue
            }
            #expect(states.last == "paid", "events: \(seen)")
            #expect(states.contains("submitting"))
            let scanIndex = seen.firstIndex { $0.method == EventName.scan }
            let submittingIndex = seen.firstIndex { $0.params["state"] == "submitting" }
            #expect(scanIndex != nil && submittingIndex != nil && scanIndex! < submittingIndex!)
            let scanEvent = try #require(seen.first { $0.method == EventName.scan })
            #expect(scanEvent.params["code"]?.stringValue?.contains(code) == false, "the scan event is masked")
            #expect(scanEvent.params["lane"] == "front")
            let paid = try await till.call(MethodName.saleGet, ["sale_id": "E2E-1"], as: SaleInfo.self)
            #expect(paid.state == .paid)
            #expect(paid.respcd == "0000")
            #expect(paid.syssn != nil)
            #expect(paid.authCodeMasked?.hasPrefix("1300") == true)
            // The receipt on the printer pty decodes to the sale's receipt.
            let bytes = await offPool { printer.read(atLeast: 64) + printer.readAvailable() }
            let text = ReceiptPreview(bytes: bytes).text
            #expect(text.contains("1,200"), "receipt: \(text)")
            #expect(text.contains(paid.syssn ?? "?"), "receipt: \(text)")
            #expect(text.contains("Test Shop"), "receipt: \(text)")
            #expect(!text.contains(code), "the receipt masks the code")
            // The till is charged exactly once at the gateway.
            let paidOrders = sandbox.ledger.orders().filter { $0.outTradeNo == paid.outTradeNo }
            #expect(paidOrders.count == 1)
            await till.close()
            try await harness.stop()
        }
    }

    @Test func badInputOnOneConnectionDoesNotDisturbASaleOnAnother() async throws {
        try await withSandbox { sandbox in
            let harness = try await DaemonHarness(sandbox: sandbox)
            let till = try await harness.connect()
            _ = try await till.call(MethodName.eventsSubscribe, ["events": ["sale.updated"]])
            var events = till.events.makeAsyncIterator()
            let code = SandboxScenario.pendingThenPaid(queries: 3).authCode(serial: 4242)
            let started = try await till.call(
                MethodName.saleStart, ["amount": 500, "auth_code": .string(code), "order_id": "BAD-1"],
                as: SaleInfo.self)
            // Meanwhile, another client misbehaves in every way.
            let vandal = try RawSocket(path: harness.socketPath)
            await offPool {
                vandal.write(
                    Array(
                        "garbage\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sale.cancel\",\"params\":{\"sale_id\":7}}\n"
                            .utf8))
                vandal.write([0xFF, 0xFE, 10] + [UInt8](repeating: 0x41, count: 200_000) + [10])
                vandal.write(
                    Array(#"{"jsonrpc":"2.0","id":2,"method":"sale.start","params":{"amount":-5}}"#.utf8) + [10])
            }
            let seen = await Self.events(&events) { $0.params["state"] == "paid" }
            #expect(seen.last?.params["state"] == "paid", "events: \(seen)")
            let sale = try await till.call(MethodName.saleGet, ["sale_id": .string(started.saleID)], as: SaleInfo.self)
            #expect(sale.state == .paid)
            #expect(sale.amount == 500)
            await till.close()
            try await harness.stop()
            withExtendedLifetime(vandal) {}
        }
    }
}
