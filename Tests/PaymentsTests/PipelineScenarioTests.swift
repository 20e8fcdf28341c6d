import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

@testable import Payments

/// Every sandbox scenario end to end: pipeline, journal, QFPay client and sandbox over real HTTP.
struct PipelineScenarioTests {
    /// Starts a barcode sale, scans `scenario`'s code and waits until it is settled.
    func sell(
        _ scenario: SandboxScenario, amount: Int = 1200, wallet: Wallet = .wechat, on harness: PipelineHarness,
        pipeline: PaymentPipeline
    ) async throws -> SaleSnapshot {
        let id = orderID()
        let lane = "lane-\(id)"
        _ = try await pipeline.startSale(SaleRequest(orderID: id, amount: amount, flow: .barcode, lane: lane))
        try await pipeline.provideScan(
            lane: lane, code: scenario.authCode(wallet: wallet, serial: Int.random(in: 0..<99_999_999)))
        return try await pipeline.settledWithin(id)
    }

    @Test func anImmediateSuccessIsPaidOnceAndPrinted() async throws {
        try await PipelineHarness.run { harness in
            let printer = CollectingPrinter()
            let pipeline = try harness.pipeline(printer: printer)
            let sale = try await sell(.success, on: harness, pipeline: pipeline)
            #expect(sale.status == .paid)
            #expect(sale.maskedCode?.contains("••••") == true)
            #expect(harness.server.ledger.chargedAmount(outTradeNo: sale.order.outTradeNo) == 1200)
            try await eventually("the payment receipt") { printer.kinds == [.payment] }
        }
    }

    @Test func aSaleStartedWithItsCodeJournalsItsCreationAndScanInOneCommit() async throws {
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline()
            let journal = try harness.files.open()
            let id = orderID()
            let updates = await pipeline.updates()
            let code = SandboxScenario.success.authCode(serial: Int.random(in: 0..<99_999_999))
            _ = try await pipeline.startSale(
                SaleRequest(orderID: id, amount: 1200, flow: .barcode, lane: "lane-\(id)", authCode: code))
            let sale = try await pipeline.settledWithin(id)
            #expect(sale.status == .paid)
            let stored = try #require(try journal.sale(id: id))
            #expect(stored.entries.map { $0.event?.kind ?? "created" } == ["created", "scanned", "payment-answered"])
            // Three entries, two commits: the creation and the scan together, then the answer.
            #expect(await pipeline.journalCommitCount == 2)
            // It never waited for a scan, so the till never hears that it did.
            var states: [SaleStatus] = []
            for await update in updates {
                states.append(update.status)
                if update.status.isSettled { break }
            }
            #expect(!states.contains(.awaitingScan))
            #expect(states.last == .paid)
        }
    }

    @Test(arguments: [
        SandboxScenario.pendingThenPaid(queries: 3), .enteringPasswordThenPaid(queries: 2),
        .slowNetworkThenPaid(queries: 1), .resultUnknownThenPaid(queries: 2),
    ])
    func aPendingPaymentIsQueriedUntilPaid(_ scenario: SandboxScenario) async throws {
        try await PipelineHarness.run(policy: PipelineHarness.patient) { harness in
            let pipeline = try harness.pipeline()
            let sale = try await sell(scenario, on: harness, pipeline: pipeline)
            #expect(sale.status == .paid)
            #expect(harness.server.ledger.chargedAmount(outTradeNo: sale.order.outTradeNo) == 1200)
            #expect(harness.server.ledger.requests(path: "/trade/v1/query").count >= 1)
            #expect(harness.server.ledger.requests(path: "/trade/v1/close").isEmpty)
        }
    }

    @Test func aPaymentNeverPaidIsClosedAfterTheWindowAndNotCharged() async throws {
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline()
            let sale = try await sell(.pendingForever, on: harness, pipeline: pipeline)
            #expect(sale.status == .cancelled)
            let order = try #require(harness.server.ledger.order(outTradeNo: sale.order.outTradeNo))
            #expect(order.state == .closed)
            #expect(order.chargedAmount == 0)
            let closes = harness.server.ledger.requests(path: "/trade/v1/close")
            #expect(closes.count == 1)
            // Never closed earlier than 15 s (scaled) after the payment (both times the sandbox's).
            let payment = try #require(harness.server.ledger.requests(path: "/trade/v1/payment").first)
            let age = try #require(closes.first?.time).timeIntervalSince(payment.time)
            #expect(age >= 0.3)
        }
    }

    @Test(arguments: SandboxDecline.allCases)
    func aDeclinedCodeFailsWithItsMeaningAndNothingIsCharged(_ decline: SandboxDecline) async throws {
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline()
            let sale = try await sell(.declined(decline), on: harness, pipeline: pipeline)
            #expect(sale.status == .failed)
            #expect(sale.respcd == decline.rawValue)
            #expect(sale.message?.isEmpty == false)
            #expect(harness.server.ledger.chargedAmount(outTradeNo: sale.order.outTradeNo) == 0)
        }
    }

    @Test func aPaymentThatFailsWhilePendingIsFailed() async throws {
        try await PipelineHarness.run(policy: PipelineHarness.patient) { harness in
            let pipeline = try harness.pipeline()
            let sale = try await sell(
                .pendingThenDeclined(queries: 2, .customerClosed), on: harness, pipeline: pipeline)
            #expect(sale.status == .failed)
            #expect(sale.respcd == "2007")
        }
    }

    @Test(arguments: [SandboxScenario.paidOnCloseAttempt, .closeAnsweredButPaid])
    func anOrderPaidDespiteItsCloseIsRefundedInFull(_ scenario: SandboxScenario) async throws {
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline()
            let sale = try await sell(scenario, on: harness, pipeline: pipeline)
            #expect(sale.status == .cancelled)
            #expect(sale.refundedAmount == 1200)
            let order = try #require(harness.server.ledger.order(outTradeNo: sale.order.outTradeNo))
            #expect(order.chargedAmount == 0)
            #expect(harness.server.ledger.requests(path: "/trade/v1/refund").count == 1)
        }
    }

    @Test(arguments: [SandboxScenario.cancelUnsupported, .cancelWithoutSyssn])
    func aPaidOrderWhoseAnswerWasLostAndTheTillCancelledIsRefunded(_ scenario: SandboxScenario) async throws {
        // Lost answers are asked about only after a minute, so the cancel always comes first.
        var policy = PipelineHarness.patient
        policy.unknownRetryDelay = .seconds(60)
        policy.unknownBackoffLimit = .seconds(60)
        try await PipelineHarness.run(policy: policy) { harness in
            let pipeline = try harness.pipeline()
            harness.server.injectFault(.dropAfterProcessing, path: "/trade/v1/payment")
            let id = orderID()
            _ = try await pipeline.startSale(SaleRequest(orderID: id, amount: 800, flow: .barcode, lane: id))
            try await pipeline.provideScan(lane: id, code: scenario.authCode())
            _ = try await pipeline.cancel(id)
            let sale = try await pipeline.settledWithin(id)
            #expect(sale.status == .cancelled)
            #expect(harness.server.ledger.chargedAmount(outTradeNo: sale.order.outTradeNo) == 0)
        }
    }

    @Test func aDynamicQRSaleIsPrintedAndPaidWhenTheCustomerScans() async throws {
        try await PipelineHarness.run(policy: PipelineHarness.patient) { harness in
            let printer = CollectingPrinter()
            let pipeline = try harness.pipeline(printer: printer)
            let id = orderID()
            let started = try await pipeline.startSale(
                SaleRequest(orderID: id, amount: 3000, flow: .dynamicQR, wallet: .alipay, lane: "qr"))
            #expect(started.order.payType == .alipayQR)
            let offered = try await pipeline.waitWithin(id) { $0.qrcode != nil }
            #expect(offered.status == .pending)
            try await eventually("the QR code printed") { printer.kinds.contains(.qrCode) }
            try harness.server.payQRCode(outTradeNo: offered.order.outTradeNo)
            let sale = try await pipeline.settledWithin(id)
            #expect(sale.status == .paid)
            #expect(harness.server.ledger.chargedAmount(outTradeNo: sale.order.outTradeNo) == 3000)
        }
    }

    @Test func aDynamicQRCodeNobodyScansExpiresAndIsClosed() async throws {
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline()
            let id = orderID()
            _ = try await pipeline.startSale(
                SaleRequest(orderID: id, amount: 500, flow: .dynamicQR, wallet: .wechat, lane: "qr"))
            let sale = try await pipeline.settledWithin(id)
            #expect(sale.status == .expired)
            let order = try #require(harness.server.ledger.order(outTradeNo: sale.order.outTradeNo))
            #expect(order.chargedAmount == 0)
            #expect(order.state != .pending)
        }
    }

    @Test func aDynamicQRSaleCancelledByTheTillIsClosed() async throws {
        try await PipelineHarness.run(policy: PipelineHarness.patient) { harness in
            let printer = CollectingPrinter()
            let pipeline = try harness.pipeline(printer: printer)
            let id = orderID()
            _ = try await pipeline.startSale(
                SaleRequest(orderID: id, amount: 500, flow: .dynamicQR, wallet: .wechat, lane: "qr"))
            _ = try await pipeline.waitWithin(id) { $0.qrcode != nil }
            _ = try await pipeline.cancel(id)
            let sale = try await pipeline.settledWithin(id)
            #expect(sale.status == .cancelled)
            let order = try #require(harness.server.ledger.order(outTradeNo: sale.order.outTradeNo))
            #expect(order.state == .closed)
            try await eventually("the cancellation slip") { printer.kinds.contains(.cancellation) }
        }
    }

    @Test func partialAndRepeatedRefundsEachHaveTheirOwnOrderNumberAndReceipt() async throws {
        try await PipelineHarness.run { harness in
            let printer = CollectingPrinter()
            let pipeline = try harness.pipeline(printer: printer)
            let sale = try await sell(.success, amount: 1000, on: harness, pipeline: pipeline)
            let first = try await pipeline.refund(sale.saleID, amount: 300)
            #expect(first.status == .partiallyRefunded)
            let second = try await pipeline.refund(sale.saleID, amount: 700)
            #expect(second.status == .refunded)
            #expect(Set(second.refunds.map(\.outTradeNo)).count == 2)
            let order = try #require(harness.server.ledger.order(outTradeNo: sale.order.outTradeNo))
            #expect(order.refunds.map(\.amount) == [300, 700])
            #expect(order.chargedAmount == 0)
            try await eventually("two refund receipts") {
                printer.kinds.filter { if case .refund = $0 { true } else { false } }.count == 2
            }
        }
    }

    @Test func aRefundOverTheRemainderIsRefusedBeforeSending() async throws {
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline()
            let sale = try await sell(.success, amount: 1000, on: harness, pipeline: pipeline)
            _ = try await pipeline.refund(sale.saleID, amount: 600)
            let sent = harness.server.ledger.requests(path: "/trade/v1/refund").count
            await #expect(throws: PaymentsError.self) { try await pipeline.refund(sale.saleID, amount: 401) }
            do { _ = try await pipeline.refund(sale.saleID, amount: 401) } catch let error as PaymentsError {
                #expect(error.code == .refundExceedsRemaining)
            }
            #expect(harness.server.ledger.requests(path: "/trade/v1/refund").count == sent)
            #expect(harness.server.ledger.chargedAmount(outTradeNo: sale.order.outTradeNo) == 400)
        }
    }

    @Test func aDeniedRefundLeavesTheSalePaidWithTheReason() async throws {
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline()
            let sale = try await sell(.refundDenied, amount: 1000, on: harness, pipeline: pipeline)
            let after = try await pipeline.refund(sale.saleID, amount: 1000)
            #expect(after.status == .paid)
            #expect(after.respcd == "1155")
            #expect(harness.server.ledger.chargedAmount(outTradeNo: sale.order.outTradeNo) == 1000)
        }
    }

    @Test func startingASaleTwiceWithTheSameOrderIDReturnsTheFirst() async throws {
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline()
            let id = orderID()
            let request = SaleRequest(
                orderID: id, amount: 100, flow: .barcode, lane: id, authCode: SandboxScenario.success.authCode())
            let first = try await pipeline.startSale(request)
            _ = try await pipeline.settledWithin(id)
            let again = try await pipeline.startSale(request)
            #expect(again.order.outTradeNo == first.order.outTradeNo)
            #expect(again.status == .paid)
            #expect(harness.server.ledger.requests(path: "/trade/v1/payment").count == 1)
            // Also after a restart, from the journal alone.
            await pipeline.stop()
            let restarted = try harness.pipeline()
            #expect(try await restarted.startSale(request).order.outTradeNo == first.order.outTradeNo)
            #expect(harness.server.ledger.requests(path: "/trade/v1/payment").count == 1)
        }
    }

    @Test func aProductBarcodeIsRefusedAndTheSaleKeepsWaiting() async throws {
        try await PipelineHarness.run(policy: PipelineHarness.patient) { harness in
            let pipeline = try harness.pipeline()
            let id = orderID()
            _ = try await pipeline.startSale(SaleRequest(orderID: id, amount: 100, flow: .barcode, lane: id))
            await #expect(throws: PaymentsError.self) {
                try await pipeline.provideScan(lane: id, code: "4901234567894")
            }
            #expect(try await pipeline.sale(id)?.status == .awaitingScan)
            try await pipeline.provideScan(lane: id, code: SandboxScenario.success.authCode())
            #expect(try await pipeline.settledWithin(id).status == .paid)
            #expect(harness.server.ledger.requests(path: "/trade/v1/payment").count == 1)
        }
    }

    @Test func aSaleWithNoScanExpiresWithoutARequest() async throws {
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline()
            let id = orderID()
            _ = try await pipeline.startSale(SaleRequest(orderID: id, amount: 100, flow: .barcode, lane: id))
            #expect(try await pipeline.settledWithin(id).status == .expired)
            #expect(harness.server.ledger.requests().isEmpty)
        }
    }

    @Test func aBrokenPrinterNeverChangesAPayment() async throws {
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline(printer: CollectingPrinter(fails: true))
            let sale = try await sell(.success, on: harness, pipeline: pipeline)
            #expect(sale.status == .paid)
            await #expect(throws: PaymentsError.self) { try await pipeline.reprint(sale.saleID) }
            #expect(try await pipeline.sale(sale.saleID)?.status == .paid)
        }
    }

    @Test func theJournalHoldsNoWholeAuthCode() async throws {
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline()
            let code = SandboxScenario.success.authCode(serial: 12_345_678)
            let id = orderID()
            _ = try await pipeline.startSale(
                SaleRequest(orderID: id, amount: 100, flow: .barcode, lane: id, authCode: code))
            _ = try await pipeline.settledWithin(id)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: harness.files.path))
            let wal = (try? Data(contentsOf: URL(fileURLWithPath: harness.files.path + "-wal"))) ?? Data()
            for file in [bytes, wal] {
                #expect(file.range(of: Data(code.utf8)) == nil)
                #expect(file.range(of: Data(SandboxTestCredentials.key.utf8)) == nil)
            }
        }
    }

    @Test func updatesCarryEveryStateChangeWithTheCodesMeaning() async throws {
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline()
            let updates = await pipeline.updates()
            let sale = try await sell(.declined(.insufficientBalance), on: harness, pipeline: pipeline)
            var seen: [SaleStatus] = []
            for await update in updates where update.saleID == sale.saleID {
                seen.append(update.status)
                if update.status == .failed {
                    #expect(update.respcd == "2004")
                    #expect(update.message?.contains("balance") == true)
                    break
                }
            }
            #expect(seen == [.awaitingScan, .submitting, .failed])
        }
    }

    @Test func aReprintIsMarkedAndSalesAreListedByStatusAndLane() async throws {
        try await PipelineHarness.run { harness in
            let printer = CollectingPrinter()
            let pipeline = try harness.pipeline(printer: printer)
            let sale = try await sell(.success, on: harness, pipeline: pipeline)
            let declined = try await sell(.declined(.codeWrong), on: harness, pipeline: pipeline)
            try await eventually("the payment receipt") { printer.kinds == [.payment] }
            try await pipeline.reprint(sale.saleID)
            let last = try #require(printer.printed.withLock { $0.last })
            #expect(last.isReprint && last.kind == .payment && last.syssn == sale.syssn)
            await #expect(throws: PaymentsError.self) { try await pipeline.reprint(declined.saleID) }
            #expect(try await pipeline.sales(SaleFilter(statuses: [.paid])).map(\.order.saleID) == [sale.saleID])
            #expect(try await pipeline.sales(SaleFilter(lane: declined.order.lane)).map(\.status) == [.failed])
            #expect(try await pipeline.sales().count == 2)
        }
    }
}
