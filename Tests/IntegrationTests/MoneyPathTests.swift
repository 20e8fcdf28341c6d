import ControlProtocol
import ESCPOS
import Foundation
import Payments
import QFPOSDaemon
import QFPay
import QFPaySandbox
import TestSupport
import Testing
import WallClock

/// The money paths of issue 12 end to end: qfposd's real pipeline, journal and printers, a pty for
/// the scanner and one for the printer, the till on the control socket, the sandbox over HTTP. Each
/// test ends with the sandbox's ledger agreeing with the journal.
@Suite struct MoneyPathTests {
    /// The production schedule's shape at test speed (the windows of a minute: nothing closes on
    /// its own unless a test waits for it).
    static var policy: SalePolicy {
        SalePolicy(
            scanTimeout: .seconds(60), pollSchedule: [.milliseconds(20), .milliseconds(30), .milliseconds(50)],
            pendingWindow: .seconds(60), minimumAgeBeforeClose: .milliseconds(300), qrExpiry: .seconds(60),
            unknownRetryDelay: .milliseconds(20), unknownBackoffLimit: .milliseconds(200),
            followUpDuration: .seconds(30), followUpBackoffLimit: .milliseconds(400),
            attentionInterval: .seconds(2))
    }

    struct Lane {
        let sandbox: SandboxServer
        let harness: DaemonHarness
        let till: ControlClient
        let scanner: PseudoTerminal
        let printer: PseudoTerminal

        func start(_ params: JSONValue) async throws -> SaleInfo {
            try await till.call(MethodName.saleStart, params, as: SaleInfo.self)
        }

        func sale(_ id: String) async throws -> SaleInfo {
            try await till.call(MethodName.saleGet, ["sale_id": .string(id)], as: SaleInfo.self)
        }

        /// Waits (30 s liveness bound) until the sale reads `state`.
        func wait(_ id: String, for states: Set<SaleInfo.State>) async throws -> SaleInfo {
            var sale = try await self.sale(id)
            let deadline = ContinuousClock.now + .seconds(30)
            while !states.contains(sale.state), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                sale = try await self.sale(id)
            }
            return sale
        }

        /// What the printer pty received so far, decoded.
        func printed() async -> ReceiptPreview {
            await offPool { ReceiptPreview(bytes: printer.readAvailable()) }
        }

        func stop() async throws {
            await till.close()
            try await harness.stop()
        }
    }

    static func withLane<R>(
        configure: (inout SandboxConfiguration) -> Void = { _ in }, payments: String = "",
        policy: SalePolicy = MoneyPathTests.policy, clock: (any PipelineClock)? = nil,
        sandboxClock: SandboxClock? = nil, _ body: (Lane) async throws -> R
    ) async throws -> R {
        try await withSandbox(configure: configure, clock: sandboxClock) { sandbox in
            let scanner = try PseudoTerminal()
            let printer = try PseudoTerminal()
            let harness = try await DaemonHarness(
                sandbox: sandbox, scanner: scanner.devicePath, printer: printer.devicePath, payments: payments,
                policy: policy, clock: clock)
            let lane = Lane(
                sandbox: sandbox, harness: harness, till: try await harness.connect(), scanner: scanner,
                printer: printer)
            do {
                let result = try await body(lane)
                try await lane.stop()
                return result
            } catch {
                try? await lane.stop()
                throw error
            }
        }
    }

    static func rpcError(_ body: () async throws -> Void) async -> RPCError? {
        do { try await body() } catch let error as RPCError { return error } catch { return nil }
        return nil
    }

    /// A policy whose pending window ends after 1 s (the close comes soon) and whose follow-up
    /// and slow schedule run in seconds.
    static var closingPolicy: SalePolicy {
        var policy = Self.policy
        policy.pendingWindow = .seconds(1)
        return policy
    }

    /// Waits `duration` and returns how many requests reached `path` meanwhile (none expected).
    static func requests(on lane: Lane, path: String, during duration: Duration) async throws -> Int {
        let before = lane.sandbox.ledger.requests(path: path).count
        try await Task.sleep(for: duration)
        return lane.sandbox.ledger.requests(path: path).count - before
    }

    // MARK: - 1. a never-paid sale that is closed

    /// The query after the close lists the close's own row (respcd 0000, its own syssn, the
    /// payment's out_trade_no) first: it is not read as "paid", nothing is refunded, no loop.
    @Test func aNeverPaidSaleThatIsClosedEndsCancelledWithNoRefundAndNoLoop() async throws {
        try await Self.withLane(policy: Self.closingPolicy) { lane in
            let code = SandboxScenario.pendingForever.authCode(serial: 4101)
            let sale = try await lane.start(["amount": 700, "auth_code": .string(code), "order_id": "CLOSED-1"])
            let final = try await lane.wait(sale.saleID, for: [.cancelled, .refunding, .needsAttention, .paid])
            #expect(final.state == .cancelled)
            let order = try #require(lane.sandbox.ledger.order(outTradeNo: final.outTradeNo ?? ""))
            #expect(order.state == .closed)
            #expect(order.chargedAmount == 0)
            #expect(lane.sandbox.ledger.requests(path: "/trade/v1/refund").isEmpty, "no refund of a close row")
            #expect(lane.sandbox.ledger.requests(path: "/trade/v1/close").count == 1)
            #expect(try await Self.requests(on: lane, path: "/trade/v1/query", during: .milliseconds(500)) == 0)
        }
    }

    // MARK: - 2. a refund answered 1143

    /// On a refund, 1143 means "the order does not exist … no refund": the till's refund ends at
    /// once (the sale stays paid, the code says why) and is not sent again.
    @Test func aTillRefundAnsweredOneOneFourThreeEndsAtOnceAndIsNotSentAgain() async throws {
        try await Self.withLane { lane in
            let code = SandboxScenario.refundNotPassedOnce.authCode(serial: 4201)
            let sale = try await lane.start(["amount": 1000, "auth_code": .string(code), "order_id": "R1143-1"])
            _ = try await lane.wait(sale.saleID, for: [.paid])
            let refused = try await lane.till.call(
                MethodName.saleRefund, ["sale_id": "R1143-1", "amount": 400], as: SaleInfo.self)
            #expect(refused.state == .paid)
            #expect(refused.respcd == "1143")
            #expect(refused.message?.contains("does not exist") == true, "\(refused.message ?? "")")
            #expect(try await Self.requests(on: lane, path: "/trade/v1/refund", during: .milliseconds(500)) == 0)
            #expect(lane.sandbox.ledger.requests(path: "/trade/v1/refund").count == 1)
            // The till may try again: a new refund, its own order number.
            let refunded = try await lane.till.call(
                MethodName.saleRefund, ["sale_id": "R1143-1", "amount": 400], as: SaleInfo.self)
            #expect(refunded.state == .partiallyRefunded)
            #expect(lane.sandbox.ledger.chargedAmount(outTradeNo: refunded.outTradeNo ?? "") == 600)
        }
    }

    /// An automatic refund (the till cancelled while the payment was in flight) answered 1143: the
    /// sale needs attention at once and the refund is tried again only on the slow schedule; the
    /// second one goes through and nothing is kept.
    @Test func anAutomaticRefundAnsweredOneOneFourThreeIsRetriedOnlyOnTheSlowSchedule() async throws {
        try await Self.withLane { lane in
            lane.sandbox.injectFault(.latency(.milliseconds(500)), path: "/trade/v1/payment")
            let code = SandboxScenario.refundNotPassedOnce.authCode(serial: 4202)
            _ = try await lane.start(["amount": 1300, "auth_code": .string(code), "order_id": "R1143-2"])
            _ = try await lane.till.call(MethodName.saleCancel, ["sale_id": "R1143-2"])
            let flagged = try await lane.wait("R1143-2", for: [.needsAttention, .cancelled])
            #expect(flagged.state == .needsAttention)
            #expect(flagged.respcd == "1143")
            #expect(lane.sandbox.ledger.requests(path: "/trade/v1/refund").count == 1)
            let final = try await lane.wait("R1143-2", for: [.cancelled])
            #expect(final.state == .cancelled)
            #expect(final.refundedAmount == 1300)
            let refunds = lane.sandbox.ledger.requests(path: "/trade/v1/refund")
            #expect(refunds.count == 2, "one refused, one after the slow schedule's wait: \(refunds.map(\.respcd))")
            let wait = refunds[1].time.timeIntervalSince(refunds[0].time)
            #expect(wait >= 1.5, "the second refund waited for the slow schedule (2 s): \(wait)")
            #expect(lane.sandbox.ledger.order(outTradeNo: final.outTradeNo ?? "")?.chargedAmount == 0)
        }
    }

    // MARK: - 3. close unsupported while the order is pending

    /// 1297 on the close: no more closes; the customer confirms on the phone a moment later and is
    /// refunded automatically. The cashier's screen and the printer see the cancellation.
    @Test func aCloseRefusedWhilePendingIsFollowedUpAndTheLatePaymentRefunded() async throws {
        try await Self.withLane(policy: Self.closingPolicy) { lane in
            let code = SandboxScenario.pendingCloseUnsupported(paidAfterQueries: 3).authCode(serial: 4102)
            let sale = try await lane.start(["amount": 2200, "auth_code": .string(code), "order_id": "UNSUP-1"])
            let final = try await lane.wait(sale.saleID, for: [.cancelled, .needsAttention, .paid])
            #expect(final.state == .cancelled)
            #expect(final.refundedAmount == 2200)
            let order = try #require(lane.sandbox.ledger.order(outTradeNo: final.outTradeNo ?? ""))
            #expect(order.chargedAmount == 0, "no money kept on a cancelled sale")
            #expect(lane.sandbox.ledger.requests(path: "/trade/v1/close").count == 1, "one close, never repeated")
            #expect(lane.sandbox.ledger.requests(path: "/trade/v1/refund").count == 1)
            try await Task.sleep(for: .milliseconds(300))
            let slip = await lane.printed().text
            #expect(slip.contains("CANCELLED") || slip.contains("取消明細"), "the cancellation slip: \(slip)")
        }
    }

    /// 1297 on the close, the customer never pays and the order never closes itself: the
    /// follow-up ends in needs_attention, still checked on the slow schedule, with no more closes.
    @Test func aCloseRefusedOnAnOrderThatNeverSettlesNeedsAttentionAndIsCheckedSlowly() async throws {
        var policy = Self.closingPolicy
        policy.followUpDuration = .seconds(3)
        try await Self.withLane(configure: { $0.rules.barcodeLifetime = nil }, policy: policy) { lane in
            let code = SandboxScenario.pendingCloseUnsupported(paidAfterQueries: 0).authCode(serial: 4103)
            let sale = try await lane.start(["amount": 900, "auth_code": .string(code), "order_id": "UNSUP-2"])
            let flagged = try await lane.wait(sale.saleID, for: [.needsAttention, .cancelled, .paid])
            #expect(flagged.state == .needsAttention)
            #expect(flagged.isFinal == false)
            let checks = try await Self.requests(on: lane, path: "/trade/v1/query", during: .seconds(3))
            #expect((1...3).contains(checks), "one check every 2 s, not a loop: \(checks)")
            #expect(lane.sandbox.ledger.requests(path: "/trade/v1/close").count == 1)
            #expect(lane.sandbox.ledger.order(outTradeNo: flagged.outTradeNo ?? "")?.chargedAmount == 0)
        }
    }

    // MARK: - 10. reconciliation of QFPay's deflated bill

    @Test(arguments: [TradeBillFormat.Language.chinese, .japanese])
    func theDaysSalesReconcileAgainstADeflatedBill(_ language: TradeBillFormat.Language) async throws {
        try await Self.withLane(
            configure: {
                $0.rules.tradeBill.language = language
                $0.rules.tradeBill.encoding = language == .japanese ? .shiftJIS : .utf8BOM
            }
        ) { lane in
            let paid = try await lane.start([
                "amount": 1200, "auth_code": .string(SandboxScenario.success.authCode(serial: 4104)), "order_id": "B-1",
            ])
            let part = try await lane.start([
                "amount": 3000, "auth_code": .string(SandboxScenario.success.authCode(serial: 4105)), "order_id": "B-2",
            ])
            _ = try await lane.wait(paid.saleID, for: [.paid])
            _ = try await lane.wait(part.saleID, for: [.paid])
            _ = try await lane.till.call(MethodName.saleRefund, ["sale_id": "B-2", "amount": 500])
            let day = WallClockTime(lane.sandbox.clock.now(), in: .japanStandardTime).description.prefix(10)
            let report = try await lane.till.call(MethodName.reconcileRun, ["date": .string(String(day))])
            #expect(report["clean"] == true, "\(report["table"]?.stringValue ?? "")")
            #expect(report["matched"]?.arrayValue?.count == 2)
            let kept = lane.harness.directory.file("trade-bills/trade_bill_\(day).zip")
            #expect(FileManager.default.fileExists(atPath: kept), "the raw bill is kept for technicians")
        }
    }

    // MARK: - 4. goods_name is always sent

    @Test func aSaleThatNamesNoGoodsSendsTheConfiguredDefault() async throws {
        try await Self.withLane(payments: "  default_goods_name: お茶") { lane in
            let code = SandboxScenario.success.authCode(serial: 4001)
            let sale = try await lane.start(["amount": 300, "auth_code": .string(code), "order_id": "G-1"])
            let paid = try await lane.wait(sale.saleID, for: [.paid])
            #expect(paid.state == .paid)
            let sent = try #require(lane.sandbox.ledger.requests(path: "/trade/v1/payment").last)
            #expect(sent.parameters["goods_name"] == "お茶")
            #expect(lane.sandbox.ledger.chargedAmount(outTradeNo: paid.outTradeNo ?? "") == 300)
        }
    }

    // MARK: - 6. sale.start refuses what QFPay refuses

    @Test func saleStartRefusesWhatQFPayWouldRefuseBeforeAnythingIsScanned() async throws {
        try await Self.withLane { lane in
            let long = String(repeating: "x", count: 64)
            let name = await Self.rpcError { _ = try await lane.start(["amount": 500, "goods_name": .string(long)]) }
            #expect(name?.code == -32602)
            #expect(name?.data?["field"] == "goods_name")
            #expect(name?.data?["rule"] == "goods_name.max_20_bytes")
            let special = await Self.rpcError { _ = try await lane.start(["amount": 500, "goods_name": "★限定"]) }
            #expect(special?.data?["rule"] == "goods_name.no_special_characters")
            let amount = await Self.rpcError { _ = try await lane.start(["amount": 99_999_999]) }
            #expect(amount?.code == -32602)
            #expect(amount?.data?["field"] == "amount")
            #expect(amount?.data?["rule"] == "txamt.max_10000_usd")
            let product = await Self.rpcError {
                _ = try await lane.start(["amount": 500, "auth_code": "4901234567894"])
            }
            #expect(product?.data?["field"] == "auth_code")
            // Nothing was created, nothing sent; the lane is free for the next sale.
            #expect(lane.sandbox.ledger.requests().isEmpty)
            let list = try await lane.till.call(MethodName.saleList)
            #expect(list["sales"] == [])
            let fine = try await lane.start(["amount": 500, "goods_name": "缶コーヒー", "order_id": "V-1"])
            #expect(fine.state == .awaitingScan)
        }
    }

    // MARK: - 7. a repeated order_id with other parameters

    @Test func aRepeatedOrderIDReturnsTheSameSaleOrIsRefusedNamingTheDifferingField() async throws {
        try await Self.withLane { lane in
            let code = SandboxScenario.success.authCode(serial: 4002)
            let first = try await lane.start(["amount": 300, "auth_code": .string(code), "order_id": "DAY-0001"])
            _ = try await lane.wait(first.saleID, for: [.paid])
            let again = try await lane.start(["amount": 300, "auth_code": .string(code), "order_id": "DAY-0001"])
            #expect(again.saleID == first.saleID)
            #expect(again.state == .paid)
            // The next day the till's counter starts again: ¥5,000 under yesterday's id.
            let conflict = await Self.rpcError { _ = try await lane.start(["amount": 5000, "order_id": "DAY-0001"]) }
            #expect(conflict?.code == 1002)
            #expect(conflict?.reason == .orderIDConflict)
            #expect(conflict?.data?["field"] == "amount")
            let mode = await Self.rpcError {
                _ = try await lane.start(["amount": 300, "order_id": "DAY-0001", "mode": "qr", "wallet": "alipay"])
            }
            #expect(mode?.data?["field"] == "mode")
            let otherCode = SandboxScenario.success.authCode(serial: 4003)
            let scanned = await Self.rpcError {
                _ = try await lane.start(["amount": 300, "auth_code": .string(otherCode), "order_id": "DAY-0001"])
            }
            #expect(scanned?.data?["field"] == "auth_code")
            #expect(lane.sandbox.ledger.requests(path: "/trade/v1/payment").count == 1, "one payment, never two")
            #expect(lane.sandbox.ledger.totalCharged() == 300)
        }
    }

    // MARK: - 8. a cancel while the payment request is in flight

    @Test func aCancelWhileThePaymentIsInFlightEndsRefundedWhenTheAnswerIsPaid() async throws {
        try await Self.withLane { lane in
            lane.sandbox.injectFault(.latency(.milliseconds(600)), path: "/trade/v1/payment")
            let code = SandboxScenario.success.authCode(serial: 4004)
            let started = try await lane.start(["amount": 1500, "auth_code": .string(code), "order_id": "RACE-1"])
            #expect(started.state == .submitting)
            let cancelling = try await lane.till.call(
                MethodName.saleCancel, ["sale_id": "RACE-1"], as: SaleInfo.self)
            #expect(cancelling.state == .submitting)
            let final = try await lane.wait("RACE-1", for: [.cancelled, .paid, .needsAttention])
            #expect(final.state == .cancelled)
            #expect(final.refundedAmount == 1500)
            let order = try #require(lane.sandbox.ledger.order(outTradeNo: final.outTradeNo ?? ""))
            #expect(order.state == .paid)
            #expect(order.refundedAmount == 1500)
            #expect(order.chargedAmount == 0, "no money kept on a cancelled sale")
            #expect(lane.sandbox.ledger.requests(path: "/trade/v1/refund").count == 1)
        }
    }

    @Test func aQRSaleCancelledWhileItsRequestIsInFlightNeverPrintsItsCode() async throws {
        try await Self.withLane { lane in
            lane.sandbox.injectFault(.latency(.milliseconds(600)), path: "/trade/v1/payment")
            let started = try await lane.start([
                "amount": 800, "mode": "qr", "wallet": "wechat", "order_id": "RACE-QR",
            ])
            #expect(started.state == .submitting)
            _ = try await lane.till.call(MethodName.saleCancel, ["sale_id": "RACE-QR"])
            let final = try await lane.wait("RACE-QR", for: [.cancelled, .expired, .paid, .needsAttention])
            #expect(final.state == .cancelled)
            let order = try #require(lane.sandbox.ledger.order(outTradeNo: final.outTradeNo ?? ""))
            #expect(order.chargedAmount == 0)
            try await Task.sleep(for: .milliseconds(300))  // the cancellation slip, if any, reaches the pty
            let preview = await lane.printed()
            let codes = preview.elements.filter {
                if case .qrCode = $0 { return true }
                if case .image = $0 { return true }
                return false
            }
            #expect(codes.isEmpty, "no QR prompt for a sale already cancelled: \(preview.text)")
        }
    }

    // MARK: - 5. a sale across a month boundary

    /// Started at 23:59:50 JST on the last day of a month, paid after midnight: QFPay searches "this
    /// month" when a query names no range, so only a range around the sale's txdtm finds it.
    @Test func aSaleStartedAtTheEndOfAMonthAndPaidAfterMidnightIsFound() async throws {
        let origin = TransactionTime.parse("2026-12-31 23:59:50", in: .japanStandardTime)!
        // Both clocks run ten times real time from the same instant.
        let clock = ScaledPipelineClock(factor: 10, origin: origin)
        let sandboxClock = SandboxClock(scale: 10, start: origin)
        var policy = Self.policy
        policy.pollSchedule = [.seconds(1), .seconds(2)]  // clock time: a tenth of it in real time
        try await Self.withLane(policy: policy, clock: clock, sandboxClock: sandboxClock) { lane in
            let code = SandboxScenario.pendingThenPaid(queries: 12).authCode(serial: 4005)
            let sale = try await lane.start(["amount": 2400, "auth_code": .string(code), "order_id": "NYE-1"])
            let final = try await lane.wait(sale.saleID, for: [.paid, .cancelled, .failed, .needsAttention])
            #expect(final.state == .paid)
            let order = try #require(lane.sandbox.ledger.order(outTradeNo: final.outTradeNo ?? ""))
            let paidAt = WallClockTime(try #require(order.paidAt), in: .japanStandardTime)
            #expect(paidAt.year == 2027 && paidAt.month == 1, "paid after midnight: \(paidAt)")
            #expect(order.chargedAmount == 2400)
            let queries = lane.sandbox.ledger.requests(path: "/trade/v1/query")
            #expect(queries.allSatisfy { $0.parameters["start_time"] != nil && $0.parameters["end_time"] != nil })
            #expect(queries.contains { $0.parameters["start_time"]?.hasPrefix("2026-12-31") == true })
        }
    }
}
