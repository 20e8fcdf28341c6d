import ControlProtocol
import Foundation
import Glibc
import Payments
import QFPay
import QFPaySandbox
import Synchronization
import TestSupport
import Testing

/// The fault soak (docs/reliability.md): sales through the built `qfposd` on 4 lanes with pty
/// scanners — scan and dynamic-QR sales, cancels and refunds from the till — while the sandbox
/// injects faults on every endpoint and qfposd is killed with SIGKILL about every 100 sales and
/// started again on the same journal. At the end the journal and the sandbox's ledger agree sale
/// by sale. `make test` runs 120 sales (2 kills); `make soak` runs 5,000 (QFPOS_SOAK_SALES).
@Suite struct DaemonSoakTests {
    static let environment = ProcessInfo.processInfo.environment
    static let sales = environment["QFPOS_SOAK_SALES"].flatMap(Int.init) ?? 120
    static let killEvery = environment["QFPOS_SOAK_KILL_EVERY"].flatMap(Int.init) ?? 50
    /// Kills at every `killEvery` finished sales but the last.
    static var expectedKills: Int { (sales - 1) / killEvery }
    static let lanes = 4

    /// The faults, in rates of requests (each endpoint): a delay past the client's 1 s timeout,
    /// 5xx before and after processing, answers dropped after processing, wrong signatures, 429s.
    static let faults = SandboxFaults(
        seed: 20_261_207, latencyProbability: 0.02, latency: .milliseconds(1_500), serverErrorBeforeProcessing: 0.03,
        serverErrorAfterProcessing: 0.03, dropAfterProcessing: 0.03, wrongSignature: 0.03, tooManyRequests: 0.02)

    /// What the till does with sale `index`.
    enum Plan: Sendable {
        case scan(SandboxScenario)
        case qr
        case cancelBeforeScan
        case scanThenRefund
    }

    static func plan(_ index: Int) -> Plan {
        switch index % 10 {
        case 0, 1, 2: .scan(.success)
        case 3: .scan(.pendingThenPaid(queries: 1))
        case 4: .scan(.declined(.insufficientBalance))
        case 5: .scan(.resultUnknownThenPaid(queries: 1))
        case 6, 7: .qr
        case 8: .cancelBeforeScan
        default: .scanThenRefund
        }
    }

    @Test func salesThroughAKilledQfposdEndWithJournalAndLedgerInAgreement() async throws {
        let started = ContinuousClock.now
        try await withSandbox(configure: {
            $0.faults = Self.faults
            $0.rateLimits = nil  // thousands of sales in minutes are far beyond QFPay's 400 a minute
        }) { sandbox in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            try directory.write("qfpay-key", SandboxTestCredentials.key)
            let scanners = try (0..<Self.lanes).map { _ in try PseudoTerminal() }
            let socketPath = directory.file("run/control.sock")
            var yaml = """
                payments:
                  poll_interval_seconds: "0.05-0.1"
                  poll_window_seconds: 15
                  scan_timeout_seconds: 60
                  qr_expiry_seconds: 30
                lanes:
                  ids: [\((0..<Self.lanes).map { "l\($0)" }.joined(separator: ", "))]

                """
            for (lane, scanner) in scanners.enumerated() {
                yaml += "  l\(lane):\n    scanner:\n      path: \(scanner.devicePath)\n      suffix: cr\n"
            }
            yaml += "control:\n  socket_path: \(socketPath)\n"
            try directory.write(
                "qfposd.yaml",
                DaemonHarness.yaml(directory: directory, extra: yaml, baseURL: sandbox.baseURL.absoluteString)
                    .replacingOccurrences(of: "shop:\n", with: "  timeout_seconds: 1\nshop:\n"))
            let daemon = try await SoakDaemon(
                directory: directory, killEvery: Self.killEvery, scannerPaths: scanners.map(\.devicePath))

            let perLane = (Self.sales + Self.lanes - 1) / Self.lanes
            let ids = try await withThrowingTaskGroup(of: [String].self) { group in
                for lane in 0..<Self.lanes {
                    group.addTask {
                        var ids: [String] = []
                        for n in 0..<perLane {
                            let index = n * Self.lanes + lane
                            guard index < Self.sales else { break }
                            let till = SoakTill(
                                socketPath: socketPath, lane: "l\(lane)", scanner: scanners[lane], sandbox: sandbox)
                            let id = "soak-\(index)"
                            try await till.sell(id: id, index: index, plan: Self.plan(index))
                            ids.append(id)
                            try await daemon.saleFinished()
                        }
                        return ids
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let kills = await daemon.kills
            try await daemon.stop()

            // The journal as qfposd left it, against the sandbox's ledger, sale by sale.
            let journal = try Journal(path: directory.file("journal.sqlite"))
            let summaries = Dictionary(
                uniqueKeysWithValues: try journal.summaries(limit: 100_000).map { ($0.order.outTradeNo, $0) })
            let orders = sandbox.ledger.orders()
            var disagreements: [String] = []
            var doubleCharges = 0
            var lostPaid = 0
            var open = 0
            var keptWithoutPaid = 0
            for order in orders {
                guard let sale = summaries[order.outTradeNo] else {
                    disagreements.append("ledger order \(order.outTradeNo) unknown to the journal")
                    if order.chargedAmount > 0 { keptWithoutPaid += 1 }
                    continue
                }
                if order.state == .pending { disagreements.append("\(sale.order.saleID) open at the gateway") }
                if order.chargedAmount != sale.paidAmount - sale.refundedAmount {
                    disagreements.append(
                        "\(sale.order.saleID): ledger keeps \(order.chargedAmount), journal \(sale.status) "
                            + "\(sale.paidAmount - sale.refundedAmount)")
                    if order.chargedAmount > 0, !sale.status.isCharged { keptWithoutPaid += 1 }
                }
                if order.refundedAmount > sale.refundedAmount { doubleCharges += 1 }
            }
            var counts: [String: Int] = [:]
            for sale in summaries.values {
                counts[sale.status.rawValue, default: 0] += 1
                if !sale.status.isSettled || sale.status == .needsAttention {
                    open += 1
                    disagreements.append("\(sale.order.saleID) left \(sale.status)")
                }
                if sale.status.isCharged,
                    sandbox.ledger.order(outTradeNo: sale.order.outTradeNo)?.chargedAmount ?? 0 == 0
                {
                    lostPaid += 1
                    disagreements.append("\(sale.order.saleID) paid in the journal, not charged in the ledger")
                }
            }
            let perOutTradeNo = Dictionary(grouping: orders, by: \.outTradeNo).values.filter { $0.count > 1 }
            doubleCharges += perOutTradeNo.count
            let requests = sandbox.ledger.requests()
            let faulted = requests.filter { $0.fault != nil }.count
            let seconds = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
            print(
                "soak: \(ids.count) sales, \(kills) kills (SIGKILL), "
                    + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                    + "; ledger \(orders.count) orders, \(requests.count) requests (\(faulted) faulted); "
                    + "double charges \(doubleCharges), paid sales lost \(lostPaid), sales left open \(open), "
                    + "money kept on unpaid sales \(keptWithoutPaid); disagreements \(disagreements.count); "
                    + String(format: "wall %.1f s", seconds))
            #expect(ids.count == Self.sales)
            #expect(summaries.count == Self.sales)
            #expect(kills == Self.expectedKills)
            #expect(faulted > 0)
            #expect(disagreements == [], "\(disagreements.prefix(20))")
        }
    }
}

/// The running qfposd of the soak: killed with SIGKILL every `killEvery` finished sales (never
/// after the last ones) and started again at once on the same configuration and journal.
actor SoakDaemon {
    private let directory: TemporaryDirectory
    private let notify: NotifyListener
    private let killEvery: Int
    private let scannerPaths: [String]
    private var process: DaemonProcess
    private var finished = 0
    private(set) var kills = 0

    init(directory: TemporaryDirectory, killEvery: Int, scannerPaths: [String]) async throws {
        self.directory = directory
        self.killEvery = killEvery
        self.scannerPaths = scannerPaths
        let notify = try NotifyListener(path: directory.file("notify"))
        self.notify = notify
        process = try await DaemonProcess.startReady(
            configPath: directory.file("qfposd.yaml"), notify: notify, logPath: directory.file("qfposd-0.log"))
    }

    func saleFinished() async throws {
        finished += 1
        guard finished % killEvery == 0, finished < DaemonSoakTests.sales else { return }
        process.signal(SIGKILL)
        _ = await process.wait()
        releaseExclusiveUse()
        kills += 1
        process = try await DaemonProcess.startReady(
            configPath: directory.file("qfposd.yaml"), notify: notify, logPath: directory.file("qfposd-\(kills).log"))
    }

    /// What the kernel does for a real serial port when its last reader dies: the exclusive
    /// flag (TIOCEXCL) that qfposd set goes with the port's last close. A pty stays open while
    /// the test holds its controller, and keeps the flag: it is cleared here (root may open an
    /// exclusive tty) so that the next qfposd finds the scanner free, as it would a real one.
    private func releaseExclusiveUse() {
        for path in scannerPaths {
            let descriptor = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK)
            guard descriptor >= 0 else { continue }
            _ = ioctl(descriptor, UInt(TIOCNXCL))
            close(descriptor)
        }
    }

    /// Stops qfposd with SIGTERM (a drain) and waits for it.
    func stop() async throws {
        process.signal(SIGTERM)
        let status = await process.wait()
        if status != 0 { throw TestSupportError("qfposd did not stop cleanly: \(process.log.suffix(2000))") }
    }
}

/// One lane's till: starts a sale, scans the code on the lane's pty scanner (or pays the QR code at
/// the sandbox), cancels or refunds as planned, and follows the sale until it is final. Every step
/// is retried across a killed daemon: `sale.start` with the same `order_id` is the same sale.
struct SoakTill: Sendable {
    let socketPath: String
    let lane: String
    let scanner: PseudoTerminal
    let sandbox: SandboxServer

    func sell(id: String, index: Int, plan: DaemonSoakTests.Plan) async throws {
        let code: String?
        switch plan {
        case .scan(let scenario): code = scenario.authCode(serial: index)
        case .scanThenRefund, .cancelBeforeScan: code = SandboxScenario.success.authCode(serial: index)
        case .qr: code = nil
        }
        let params: JSONValue =
            code == nil
            ? ["amount": .integer(Int64(100 + index)), "order_id": .string(id), "mode": "qr", "wallet": "wechat"]
            : ["amount": .integer(Int64(100 + index)), "order_id": .string(id), "lane": .string(lane)]
        var paidQR = false
        let begun = ContinuousClock.now
        var sale = try await retrying { client in try await client.call(MethodName.saleStart, params, as: SaleInfo.self)
        }
        let deadline = ContinuousClock.now + .seconds(180)
        while !sale.isFinal {
            guard ContinuousClock.now < deadline else { throw TestSupportError("\(id) not final: \(sale.state)") }
            switch plan {
            case .cancelBeforeScan where sale.state == .awaitingScan:
                _ = try? await retrying { client in
                    try await client.call(MethodName.saleCancel, ["sale_id": .string(id)], as: SaleInfo.self)
                }
            case .qr where !paidQR && sale.qrcode != nil:
                if let syssn = sale.syssn, (try? sandbox.payQRCode(syssn: syssn)) != nil { paidQR = true }
            case .qr where sale.qrcode == nil && ContinuousClock.now - begun > .seconds(3):
                // The payment's answer was lost: no QR code to show. The till gives up on the sale.
                _ = try? await retrying { client in
                    try await client.call(MethodName.saleCancel, ["sale_id": .string(id)], as: SaleInfo.self)
                }
            default:
                if sale.state == .awaitingScan, let code { try scanner.write(code + "\r") }
            }
            try await Task.sleep(for: .milliseconds(40))
            // sale.start again, not sale.get: a start cut off by a kill before its journal entry
            // never made the sale, and the till's retry makes it now.
            sale = try await retrying { client in try await client.call(MethodName.saleStart, params, as: SaleInfo.self)
            }
        }
        guard case .scanThenRefund = plan, sale.state == .paid else { return }
        // A refund is not idempotent: after a lost answer the till looks before it asks again.
        let half = sale.amount / 2
        while true {
            do {
                let client = try await ControlClient.connect(socketPath: socketPath)
                do {
                    _ = try await client.call(
                        MethodName.saleRefund, ["sale_id": .string(id), "amount": .integer(half)])
                    await client.close()
                    return
                } catch {
                    await client.close()
                    throw error
                }
            } catch let error as RPCError where error.code != RPCError.Code.unavailable {
                return  // refused (in flight, over the paid amount): the journal says what happened
            } catch {
                let now = try await retrying { client in
                    try await client.call(MethodName.saleGet, ["sale_id": .string(id)], as: SaleInfo.self)
                }
                if now.refundedAmount > 0 || now.state == .refunding { return }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Runs `body` on a fresh connection until it answers: while qfposd is down (killed, starting
    /// again) the connection fails, and so does a call cut off by the kill.
    private func retrying<T: Sendable>(_ body: @Sendable (ControlClient) async throws -> T) async throws -> T {
        for _ in 0..<600 {
            do {
                let client = try await ControlClient.connect(socketPath: socketPath)
                do {
                    let result = try await body(client)
                    await client.close()
                    return result
                } catch let error as RPCError where error.code != RPCError.Code.unavailable {
                    await client.close()
                    throw error
                } catch {
                    await client.close()
                }
            } catch let error as RPCError {
                throw error
            } catch {}
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSupportError("qfposd did not answer on \(socketPath) for 30 s")
    }
}
