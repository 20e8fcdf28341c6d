import Foundation
import QFPay
import Testing

@testable import Payments

/// Drives the state machine directly: no I/O, time passed in by hand.
struct SaleStateMachineTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = SalePolicy.standard

    func barcode(amount: Int = 1000) -> SaleStateMachine {
        SaleStateMachine(
            order: SaleOrder(
                saleID: "s1", outTradeNo: "20260101000000000123", amount: amount, flow: .barcode, payType: nil,
                lane: "1"),
            createdAt: t0, policy: policy)
    }

    func qr() -> SaleStateMachine {
        SaleStateMachine(
            order: SaleOrder(
                saleID: "q1", outTradeNo: "20260101000000000456", amount: 500, flow: .dynamicQR,
                payType: .wechatQR, lane: "1"),
            createdAt: t0, policy: policy)
    }

    func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    let scan = SaleEvent.scanned(maskedCode: "1346••••••••4254", codeHash: "h", payType: .wechatBarcode)
    let paid = GatewayAnswer(respcd: "0000", outcome: .success, syssn: "SYS1")
    let waiting = GatewayAnswer(respcd: "1145", outcome: .pending, syssn: "SYS1")

    @Test func aBarcodeSaleWaitsForAScanWithTheScanTimeout() {
        let machine = barcode()
        #expect(machine.status == .awaitingScan)
        #expect(machine.start() == .init(timer: policy.scanTimeout))
    }

    @Test func aScanIsJournaledBeforeThePaymentIsSent() {
        var machine = barcode()
        let action = machine.apply(scan, at: at(1))
        #expect(action == .init(journal: true, request: .payment))
        #expect(machine.status == .submitting)
        #expect(machine.maskedCode == "1346••••••••4254")
        #expect(machine.order.payType == .wechatBarcode)
    }

    @Test func anImmediateSuccessIsPaidAndPrinted() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(1))
        let action = machine.apply(.paymentAnswered(paid), at: at(2))
        #expect(action == .init(journal: true, receipt: .payment))
        #expect(machine.status == .paid)
        #expect(machine.paidAmount == 1000)
        #expect(machine.syssn == "SYS1")
    }

    @Test func aPendingAnswerIsQueriedOnTheScheduleThenPaid() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        #expect(machine.apply(.paymentAnswered(waiting), at: at(1)) == .init(journal: true, timer: .seconds(2)))
        #expect(machine.status == .pending)
        #expect(machine.apply(.timerFired, at: at(3)) == .init(request: .query))
        #expect(
            machine.apply(.queried(.pending(respcd: "1143", syssn: "SYS1")), at: at(3)) == .init(timer: .seconds(3)))
        #expect(machine.apply(.timerFired, at: at(6)) == .init(request: .query))
        #expect(machine.apply(.queried(.pending(respcd: "1143", syssn: nil)), at: at(6)) == .init(timer: .seconds(4)))
        _ = machine.apply(.timerFired, at: at(10))
        #expect(machine.apply(.queried(.pending(respcd: "1143", syssn: nil)), at: at(10)) == .init(timer: .seconds(5)))
        _ = machine.apply(.timerFired, at: at(15))
        #expect(machine.apply(.queried(.pending(respcd: "1143", syssn: nil)), at: at(15)) == .init(timer: .seconds(5)))
        let action = machine.apply(.queried(.succeeded(syssn: "SYS1", amount: 1000)), at: at(16))
        #expect(action == .init(journal: true, receipt: .payment))
        #expect(machine.status == .paid)
    }

    @Test func aPendingOrderIsClosedAfterTheWindowThenConfirmedByQuery() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        _ = machine.apply(.paymentAnswered(waiting), at: at(1))
        #expect(machine.apply(.timerFired, at: at(59)) == .init(request: .query))
        #expect(machine.apply(.timerFired, at: at(60)) == .init(journal: true, request: .close))
        #expect(machine.status == .cancelling)
        let closed = GatewayAnswer(respcd: "0000", outcome: .success, syssn: "CLOSE1")
        #expect(machine.apply(.closeAnswered(closed), at: at(61)) == .init(journal: true, request: .query))
        #expect(machine.apply(.queried(.closed), at: at(62)) == .init(journal: true))
        #expect(machine.status == .cancelled)
        #expect(machine.paidAmount == 0)
    }

    @Test func thePollsNeverOvershootTheWindow() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        _ = machine.apply(.paymentAnswered(waiting), at: at(0))
        _ = machine.apply(.timerFired, at: at(58.5))
        #expect(
            machine.apply(.queried(.pending(respcd: "1143", syssn: nil)), at: at(58.5)).timer == .milliseconds(1500))
    }

    @Test func nothingIsClosedEarlierThanFifteenSecondsAfterCreation() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        _ = machine.apply(.paymentAnswered(waiting), at: at(1))
        let cancel = machine.apply(.cancelRequested, at: at(3))
        #expect(cancel == .init(journal: true, timer: .seconds(2)))
        #expect(machine.status == .cancelling)
        #expect(machine.apply(.timerFired, at: at(5)) == .init(request: .query))
        #expect(machine.apply(.queried(.pending(respcd: "1143", syssn: nil)), at: at(14)).timer == .seconds(1))
        #expect(machine.apply(.timerFired, at: at(15)) == .init(journal: true, request: .close))
    }

    @Test func aCloseAnswering1297WhilePaidLeadsToAFullRefund() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        _ = machine.apply(.paymentAnswered(waiting), at: at(1))
        _ = machine.apply(.timerFired, at: at(61))
        let refused = GatewayAnswer(respcd: "1297", outcome: .failed, syssn: nil)
        #expect(machine.apply(.closeAnswered(refused), at: at(62)) == .init(journal: true, request: .query))
        let refund = RefundOrder(outTradeNo: "20260101000000000123R1", amount: 1000)
        let action = machine.apply(.queried(.succeeded(syssn: "SYS1", amount: 1000)), at: at(63))
        #expect(action == .init(journal: true, request: .refund(refund)))
        #expect(machine.status == .refunding)
        let done = GatewayAnswer(respcd: "0000", outcome: .success, syssn: "REF1")
        #expect(
            machine.apply(.refundAnswered(refund, done), at: at(64)) == .init(journal: true, receipt: .cancellation))
        #expect(machine.status == .cancelled)
        #expect(machine.refundedAmount == 1000)
        #expect(machine.refundableAmount == 0)
    }

    @Test func aDeclinedCodeFailsWithItsMeaning() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        let declined = GatewayAnswer(respcd: "2004", outcome: .failed, meaning: "insufficient balance")
        #expect(machine.apply(.paymentAnswered(declined), at: at(1)) == .init(journal: true))
        #expect(machine.status == .failed)
        #expect(machine.lastRespcd == "2004")
        #expect(machine.lastMessage == "insufficient balance")
    }

    @Test func anUnknownOutcomeIsPendingAndResolvedByQueryNeverFailed() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        #expect(
            machine.apply(.paymentUnknown(reason: "timeout"), at: at(10))
                == .init(journal: true, timer: policy.unknownRetryDelay))
        #expect(machine.status == .pending)
        #expect(machine.apply(.timerFired, at: at(11)) == .init(request: .query))
        _ = machine.apply(.queried(.succeeded(syssn: "S", amount: 1000)), at: at(11))
        #expect(machine.status == .paid)
    }

    @Test func aPaymentNeverSentFailsWithoutCharge() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        #expect(machine.apply(.paymentNotSent(reason: "connection refused"), at: at(1)) == .init(journal: true))
        #expect(machine.status == .failed)
    }

    @Test func repeatedUnknownsFlagTheSaleButKeepAsking() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        _ = machine.apply(.paymentUnknown(reason: "timeout"), at: at(1))
        var flagged = 0
        for _ in 0..<10 {
            let action = machine.apply(.queryUnknown(reason: "5xx"), at: at(2))
            if action.journal { flagged += 1 }
            #expect(action.timer != nil)
        }
        #expect(flagged == 1)
        #expect(machine.status == .needsAttention)
        _ = machine.apply(.queried(.failed(respcd: "2005", meaning: "code expired")), at: at(3))
        #expect(machine.status == .failed)
    }

    @Test func noScanInTimeExpires() {
        var machine = barcode()
        #expect(machine.apply(.timerFired, at: at(30)) == .init(timer: .seconds(30)))
        #expect(machine.apply(.timerFired, at: at(60)) == .init(journal: true))
        #expect(machine.status == .expired)
        #expect(machine.apply(scan, at: at(61)) == .none)
    }

    @Test func cancellingBeforeTheScanNeedsNoRequest() {
        var machine = barcode()
        #expect(machine.apply(.cancelRequested, at: at(1)) == .init(journal: true))
        #expect(machine.status == .cancelled)
    }

    @Test func aPaidSaleCannotBeCancelled() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        _ = machine.apply(.paymentAnswered(paid), at: at(1))
        #expect(machine.apply(.cancelRequested, at: at(2)) == .none)
        #expect(machine.status == .paid)
    }

    @Test func partialAndRepeatedRefundsNeverExceedThePaidAmount() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        _ = machine.apply(.paymentAnswered(paid), at: at(1))
        let first = RefundOrder(outTradeNo: machine.nextRefundOutTradeNo, amount: 300)
        #expect(machine.apply(.refundRequested(first), at: at(2)) == .init(journal: true, request: .refund(first)))
        let ok = GatewayAnswer(respcd: "0000", outcome: .success, syssn: "R1")
        #expect(machine.apply(.refundAnswered(first, ok), at: at(3)) == .init(journal: true, receipt: .refund(first)))
        #expect(machine.status == .partiallyRefunded)
        let second = RefundOrder(outTradeNo: machine.nextRefundOutTradeNo, amount: 800)
        #expect(second.outTradeNo != first.outTradeNo)
        #expect(machine.apply(.refundRequested(second), at: at(4)) == .none)
        let rest = RefundOrder(outTradeNo: machine.nextRefundOutTradeNo, amount: 700)
        _ = machine.apply(.refundRequested(rest), at: at(4))
        _ = machine.apply(.refundAnswered(rest, ok), at: at(5))
        #expect(machine.status == .refunded)
        #expect(machine.refunds == [first, rest])
    }

    @Test func aRefundWithALostAnswerIsQueriedAndResentOnlyIfTheGatewayNeverSawIt() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        _ = machine.apply(.paymentAnswered(paid), at: at(1))
        let refund = RefundOrder(outTradeNo: machine.nextRefundOutTradeNo, amount: 1000)
        _ = machine.apply(.refundRequested(refund), at: at(2))
        #expect(machine.apply(.refundUnknown(refund, reason: "drop"), at: at(3)).timer != nil)
        #expect(machine.apply(.timerFired, at: at(4)) == .init(request: .queryRefund(refund)))
        #expect(
            machine.apply(.refundQueried(refund, .notFound), at: at(4))
                == .init(journal: true, request: .refund(refund)))
        _ = machine.apply(.refundUnknown(refund, reason: "drop"), at: at(5))
        _ = machine.apply(.refundQueried(refund, .succeeded(syssn: "R", amount: 1000)), at: at(6))
        #expect(machine.status == .refunded)
    }

    @Test func aDeclinedRefundLeavesTheSalePaid() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        _ = machine.apply(.paymentAnswered(paid), at: at(1))
        let refund = RefundOrder(outTradeNo: machine.nextRefundOutTradeNo, amount: 100)
        _ = machine.apply(.refundRequested(refund), at: at(2))
        let denied = GatewayAnswer(respcd: "1265", outcome: .failed, meaning: "not refundable now")
        #expect(machine.apply(.refundAnswered(refund, denied), at: at(3)) == .init(journal: true))
        #expect(machine.status == .paid)
        #expect(machine.lastRespcd == "1265")
    }

    @Test func aDynamicQRSalePrintsItsCodeAndPollsUntilPaid() {
        var machine = qr()
        #expect(machine.status == .submitting)
        #expect(machine.start() == .init(request: .payment))
        let placed = GatewayAnswer(respcd: "0000", outcome: .success, syssn: "Q", qrcode: "weixin://wxpay/x")
        #expect(
            machine.apply(.paymentAnswered(placed), at: at(1))
                == .init(journal: true, timer: .seconds(2), receipt: .qrCode))
        #expect(machine.status == .pending)
        #expect(machine.qrcode == "weixin://wxpay/x")
        _ = machine.apply(.timerFired, at: at(3))
        _ = machine.apply(.queried(.succeeded(syssn: "Q", amount: 500)), at: at(3))
        #expect(machine.status == .paid)
    }

    @Test func aDynamicQRCodeExpiresAfterThirtyMinutesAndIsClosed() {
        var machine = qr()
        _ = machine.apply(.paymentAnswered(GatewayAnswer(respcd: "0000", outcome: .success, qrcode: "u")), at: at(1))
        #expect(machine.apply(.timerFired, at: at(1799)) == .init(request: .query))
        #expect(machine.apply(.timerFired, at: at(1800)) == .init(journal: true, request: .close))
        _ = machine.apply(.closeAnswered(GatewayAnswer(respcd: "0000", outcome: .success, syssn: "C")), at: at(1801))
        _ = machine.apply(.queried(.notFound), at: at(1802))
        #expect(machine.status == .expired)
    }

    @Test func aDynamicQRSaleCancelledByTheTillIsClosed() {
        var machine = qr()
        _ = machine.apply(.paymentAnswered(GatewayAnswer(respcd: "0000", outcome: .success, qrcode: "u")), at: at(1))
        #expect(machine.apply(.cancelRequested, at: at(20)) == .init(journal: true, request: .close))
        _ = machine.apply(.closeAnswered(GatewayAnswer(respcd: "0000", outcome: .success, syssn: "C")), at: at(21))
        #expect(machine.apply(.queried(.closed), at: at(22)) == .init(journal: true, receipt: .cancellation))
        #expect(machine.status == .cancelled)
    }

    @Test func aCustomerWhoPaysAfterTheTillCancelledIsRefunded() {
        var machine = qr()
        _ = machine.apply(.paymentAnswered(GatewayAnswer(respcd: "0000", outcome: .success, qrcode: "u")), at: at(1))
        _ = machine.apply(.cancelRequested, at: at(5))
        let action = machine.apply(.queried(.succeeded(syssn: "Q", amount: 500)), at: at(6))
        #expect(action.request == .refund(RefundOrder(outTradeNo: "20260101000000000456R1", amount: 500)))
    }

    @Test func aNotificationAloneNeverMarksASalePaid() {
        var machine = qr()
        _ = machine.apply(.paymentAnswered(GatewayAnswer(respcd: "0000", outcome: .success, qrcode: "u")), at: at(1))
        #expect(machine.apply(.notified(notifyType: "payment"), at: at(2)) == .init(request: .query))
        #expect(machine.status == .pending)
    }

    @Test func restartingResumesEveryUnfinishedStateByQuery() {
        var awaiting = barcode()
        #expect(awaiting.apply(.resumed, at: at(1)) == .init(journal: true))
        #expect(awaiting.status == .cancelled)

        var submitting = barcode()
        _ = submitting.apply(scan, at: at(0))
        #expect(submitting.apply(.resumed, at: at(1)) == .init(journal: true, request: .query))
        #expect(submitting.status == .pending)

        var closing = barcode()
        _ = closing.apply(scan, at: at(0))
        _ = closing.apply(.paymentAnswered(waiting), at: at(1))
        _ = closing.apply(.timerFired, at: at(60))
        #expect(closing.apply(.resumed, at: at(61)) == .init(journal: true, request: .query))
        _ = closing.apply(.queried(.pending(respcd: "1143", syssn: nil)), at: at(62))
        #expect(closing.status == .cancelling)

        var refunding = barcode()
        _ = refunding.apply(scan, at: at(0))
        _ = refunding.apply(.paymentAnswered(paid), at: at(1))
        let refund = RefundOrder(outTradeNo: refunding.nextRefundOutTradeNo, amount: 1)
        _ = refunding.apply(.refundRequested(refund), at: at(2))
        #expect(refunding.apply(.resumed, at: at(3)) == .init(request: .queryRefund(refund)))

        var settled = barcode()
        _ = settled.apply(scan, at: at(0))
        _ = settled.apply(.paymentAnswered(paid), at: at(1))
        #expect(settled.apply(.resumed, at: at(2)) == .none)
    }

    @Test func staleAnswersAndTimersChangeNothing() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        _ = machine.apply(.paymentAnswered(paid), at: at(1))
        for event: SaleEvent in [
            .paymentAnswered(paid), .paymentUnknown(reason: "x"), .queried(.closed), .queryUnknown(reason: "x"),
            .closeAnswered(paid), .closeUnknown(reason: "x"), .timerFired, .notified(notifyType: "payment"),
        ] {
            #expect(machine.apply(event, at: at(2)) == .none)
            #expect(machine.status == .paid)
        }
    }

    @Test func aCloseThatKeepsReadingPendingIsRetriedWithBackoffThenFollowedUpThenFlagged() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        _ = machine.apply(.paymentAnswered(waiting), at: at(0))
        #expect(machine.apply(.timerFired, at: at(60)) == .init(journal: true, request: .close))
        var now = 61.0
        var delays: [Duration] = []
        for attempt in 1...policy.closeAttempts {
            _ = machine.apply(.closeAnswered(GatewayAnswer(respcd: "1145", outcome: .pending)), at: at(now))
            let action = machine.apply(.queried(.pending(respcd: "1143", syssn: nil)), at: at(now + 1))
            #expect(action.request == nil, "never two closes in a row: a backoff comes between")
            let delay = try! #require(action.timer)
            delays.append(delay)
            now += 1 + Double(delay.components.seconds)
            if attempt < policy.closeAttempts {
                #expect(machine.apply(.timerFired, at: at(now)) == .init(journal: true, request: .close))
            }
        }
        #expect(delays[0] < delays[1], "the backoff grows: \(delays)")
        // Every close spent: queried only, with backoff, until the follow-up time is over.
        #expect(machine.status == .cancelling)
        var queries = 0
        var flagged = false
        while now < 61 + Double(policy.followUpDuration.components.seconds) + 700 {
            let action = machine.apply(.timerFired, at: at(now))
            #expect(action.request == .query)
            if action.journal { flagged = true }
            queries += 1
            let next = machine.apply(.queried(.pending(respcd: "1143", syssn: nil)), at: at(now))
            #expect(next.request == nil)
            now += Double(try! #require(next.timer).components.seconds)
        }
        #expect(flagged)
        #expect(machine.status == .needsAttention)
        #expect(queries < 80, "about 35 queries in 30 minutes, then one every 10 minutes: \(queries)")
        // The customer pays after all: refunded automatically.
        let action = machine.apply(.queried(.succeeded(syssn: "SYS1", amount: 1000)), at: at(now))
        #expect(action.request == .refund(RefundOrder(outTradeNo: "20260101000000000123R1", amount: 1000)))
    }

    @Test func aCloseAnsweredUnsupportedIsNeverRepeatedAndAPaymentThatFollowsIsRefunded() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        _ = machine.apply(.paymentAnswered(waiting), at: at(0))
        _ = machine.apply(.timerFired, at: at(60))
        let refused = GatewayAnswer(respcd: "1297", outcome: .unsupported)
        #expect(machine.apply(.closeAnswered(refused), at: at(60)) == .init(journal: true, request: .query))
        #expect(machine.closeUnsupported)
        #expect(machine.syssn == "SYS1", "a close's answer never gives the payment's syssn")
        let first = machine.apply(.queried(.pending(respcd: "1143", syssn: nil)), at: at(61))
        #expect(first.journal && first.request == nil && first.timer != nil)
        for second in 62..<70 {
            let action = machine.apply(.timerFired, at: at(Double(second)))
            #expect(action.request == .query, "queries only, never another close")
            _ = machine.apply(.queried(.pending(respcd: "1143", syssn: nil)), at: at(Double(second)))
        }
        let paid = machine.apply(.queried(.succeeded(syssn: "SYS1", amount: 1000)), at: at(71))
        #expect(paid.request == .refund(RefundOrder(outTradeNo: "20260101000000000123R1", amount: 1000)))
        _ = machine.apply(
            .refundAnswered(
                RefundOrder(outTradeNo: "20260101000000000123R1", amount: 1000),
                GatewayAnswer(respcd: "0000", outcome: .success, syssn: "R1")), at: at(72))
        #expect(machine.status == .cancelled)
        #expect(machine.refundedAmount == 1000)
    }

    @Test func aCloseWithoutSyssnIsUnsupportedAndAClosedOrderEndsCancelled() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        _ = machine.apply(.paymentAnswered(waiting), at: at(0))
        _ = machine.apply(.cancelRequested, at: at(20))
        _ = machine.apply(.closeAnswered(GatewayAnswer(respcd: "0000", outcome: .success, syssn: nil)), at: at(20))
        #expect(machine.closeUnsupported)
        _ = machine.apply(.queried(.pending(respcd: "1143", syssn: nil)), at: at(21))
        _ = machine.apply(.timerFired, at: at(30))
        #expect(machine.apply(.queried(.closed), at: at(30)) == .init(journal: true, receipt: .cancellation))
        #expect(machine.status == .cancelled)
    }

    @Test func anAutomaticRefundRefusedIsRetriedOnlyOnTheSlowScheduleAndABoundedNumberOfTimes() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        _ = machine.apply(.paymentAnswered(waiting), at: at(0))
        _ = machine.apply(.cancelRequested, at: at(20))
        _ = machine.apply(.closeAnswered(GatewayAnswer(respcd: "1297", outcome: .unsupported)), at: at(20))
        _ = machine.apply(.queried(.succeeded(syssn: "SYS1", amount: 1000)), at: at(21))
        var refund = RefundOrder(outTradeNo: "20260101000000000123R1", amount: 1000)
        let missing = GatewayAnswer(respcd: "1143", outcome: .failed, meaning: "the order does not exist")
        var now = 22.0
        var refunds = 1
        while true {
            let action = machine.apply(.refundAnswered(refund, missing), at: at(now))
            #expect(action.journal && action.request == nil)
            #expect(action.timer == policy.attentionInterval, "never sooner than the slow schedule")
            #expect(machine.status == .needsAttention)
            now += Double(policy.attentionInterval.components.seconds)
            // The slow check asks about the payment first; while it reads paid, one more refund.
            #expect(machine.apply(.timerFired, at: at(now)) == .init(request: .query))
            let check = machine.apply(.queried(.succeeded(syssn: "SYS1", amount: 1000)), at: at(now))
            guard case .refund(let next)? = check.request else {
                #expect(check == .init(timer: policy.attentionInterval))
                break
            }
            #expect(next.outTradeNo != refund.outTradeNo, "a new order number each time")
            refund = next
            refunds += 1
        }
        #expect(refunds == policy.automaticRefundAttempts)
        // Refunded by hand at QFPay: resolved, nothing kept.
        now += Double(policy.attentionInterval.components.seconds)
        _ = machine.apply(.timerFired, at: at(now))
        #expect(machine.apply(.queried(.refunded), at: at(now)).journal)
        #expect(machine.status == .cancelled)
        #expect(machine.refundableAmount == 0)
    }

    @Test func anAutomaticRefundRefusedAtNightIsRetriedWhenRefundsReopenABoundedNumberOfTimes() {
        // 23:40 JST on 2026-12-07: 1265 until 00:30.
        let night = Date(timeIntervalSince1970: 1_796_654_400)  // 2026-12-07 14:40 UTC, 23:40 JST
        #expect(SaleStateMachine.untilRefundsReopen(after: night) == .seconds(51 * 60))
        var machine = SaleStateMachine(
            order: SaleOrder(
                saleID: "n", outTradeNo: "N1", amount: 800, flow: .barcode, payType: nil, lane: "1"),
            createdAt: night, policy: policy)
        _ = machine.apply(scan, at: night)
        _ = machine.apply(.cancelRequested, at: night)
        _ = machine.apply(.paymentAnswered(paid), at: night)
        var refund = RefundOrder(outTradeNo: "N1R1", amount: 800)
        var sent = 1
        var now = night
        for _ in 0..<20 {
            let notNow = GatewayAnswer(respcd: "1265", outcome: .retryLater)
            let action = machine.apply(.refundAnswered(refund, notNow), at: now)
            guard let delay = action.timer else { break }
            now = now.addingTimeInterval(Double(delay.components.seconds))
            _ = machine.apply(.timerFired, at: now)
            let check = machine.apply(.queried(.succeeded(syssn: "SYS1", amount: 800)), at: now)
            guard case .refund(let next)? = check.request else { break }
            refund = next
            sent += 1
        }
        #expect(sent == policy.automaticRefundAttempts, "bounded: \(sent)")
        #expect(machine.status == .needsAttention)
    }

    @Test func replayingTheJournaledInputsGivesTheSameState() {
        var machine = barcode()
        var log: [(SaleEvent, Date)] = []
        func feed(_ event: SaleEvent, _ time: Double) {
            if machine.apply(event, at: at(time)).journal { log.append((event, at(time))) }
        }
        feed(scan, 0)
        feed(.paymentAnswered(waiting), 1)
        feed(.timerFired, 3)
        feed(.queried(.pending(respcd: "1143", syssn: "SYS1")), 3)
        feed(.queried(.succeeded(syssn: "SYS1", amount: 1000)), 6)
        let refund = RefundOrder(outTradeNo: machine.nextRefundOutTradeNo, amount: 250)
        feed(.refundRequested(refund), 7)
        feed(.refundAnswered(refund, paid), 8)
        var replayed = barcode()
        for (event, time) in log { _ = replayed.apply(event, at: time) }
        #expect(replayed.status == machine.status)
        #expect(replayed.refundedAmount == 250)
        #expect(replayed.nextRefundOutTradeNo == machine.nextRefundOutTradeNo)
        #expect(replayed.syssn == machine.syssn)
    }

    @Test(arguments: [Duration.milliseconds(400), .seconds(3), .seconds(120)])
    func aTimerAtTheWindowsEndClosesWhateverMillisecondTheSaleWasCreatedAt(_ window: Duration) {
        // The pipeline passes whole-millisecond instants (the journal's); floating-point error in
        // their difference must not make the window's last millisecond read as one short.
        var policy = SalePolicy.standard
        policy.pendingWindow = window
        policy.minimumAgeBeforeClose = .milliseconds(100)
        let seconds = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
        for offset in 0..<2_000 {
            let created = Journal.storedTime(Date(timeIntervalSince1970: 1_764_201_600 + Double(offset) / 1000))
            var machine = SaleStateMachine(
                order: SaleOrder(
                    saleID: "s\(offset)", outTradeNo: "20260101000000000123", amount: 100, flow: .barcode,
                    payType: nil, lane: "1"),
                createdAt: created, policy: policy)
            _ = machine.apply(scan, at: created)
            _ = machine.apply(.paymentAnswered(waiting), at: created)
            let windowEnd = Journal.storedTime(created.addingTimeInterval(seconds))
            let action = machine.apply(.timerFired, at: windowEnd)
            #expect(action == .init(journal: true, request: .close), "created at +\(offset) ms")
            if action.request != .close { return }
        }
    }

    @Test func aReplayedEntryKeepsTheNeedsAttentionFlagItRecorded() {
        var machine = barcode()
        _ = machine.apply(scan, at: at(0))
        _ = machine.apply(.paymentUnknown(reason: "timeout"), at: at(1))
        machine.replay(
            Journal.Entry(
                saleID: "s1", sequence: 3, at: at(2), event: .queryUnknown(reason: "timeout"),
                status: .needsAttention, respcd: nil, syssn: nil, paidAmount: 0, refundedAmount: 0))
        #expect(machine.status == .needsAttention)
        _ = machine.apply(.queried(.pending(respcd: "1145", syssn: nil)), at: at(3))
        #expect(machine.status == .pending)
    }

    @Test func everyStatusIsReachable() {
        // awaitingScan, submitting, pending, paid, failed, cancelling, cancelled, refunding,
        // partiallyRefunded, refunded, expired and needsAttention are each asserted above; this
        // checks the settled/charged classification the journal's recovery query relies on.
        let settled = SaleStatus.allCases.filter(\.isSettled)
        #expect(Set(settled) == [.paid, .failed, .cancelled, .partiallyRefunded, .refunded, .expired])
        #expect(SaleStatus.allCases.filter(\.isCharged) == [.paid, .partiallyRefunded])
    }
}
