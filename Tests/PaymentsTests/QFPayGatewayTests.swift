import Foundation
import QFPay
import Testing
import WallClock

@testable import Payments

/// How `QFPayGateway` reads a query's rows and builds its time ranges, from answers in the
/// specification's shape (no network: the rows are parsed from bodies like QFPay's).
@Suite struct QFPayGatewayTests {
    static func rows(_ rows: [String]) throws -> [TransactionRecord] {
        let body =
            #"{"respcd": "0000", "resperr": "", "page": 1, "page_size": 10, "data": ["#
            + rows.joined(separator: ", ") + "]}"
        return try QueryResponse(body: Array(body.utf8)).records
    }

    static func row(
        type: String, syssn: String, outTradeNo: String, respcd: String, cancel: String = "0",
        origSyssn: String? = nil, amount: Int = 1200
    ) -> String {
        var members = [
            #""order_type": "\#(type)""#, #""syssn": "\#(syssn)""#, #""out_trade_no": "\#(outTradeNo)""#,
            #""respcd": "\#(respcd)""#, #""cancel": "\#(cancel)""#, #""txamt": "\#(amount)""#,
            #""txdtm": "2026-12-31 23:59:50""#, #""pay_type": "800208""#,
        ]
        if let origSyssn { members.append(#""orig_syssn": "\#(origSyssn)""#) }
        return "{" + members.joined(separator: ", ") + "}"
    }

    /// The specification lists every order type; newest first, the close's own row comes first.
    @Test func aCloseRowIsNeverReadAsThePayment() throws {
        let rows = try Self.rows([
            Self.row(type: "close", syssn: "C9", outTradeNo: "P1", respcd: "0000", origSyssn: "S1"),
            Self.row(type: "payment", syssn: "S1", outTradeNo: "P1", respcd: "1142", cancel: "2"),
        ])
        #expect(QFPayGateway.paymentState(rows, outTradeNo: "P1", syssn: nil) == .closed)
        #expect(QFPayGateway.paymentState(rows, outTradeNo: "P1", syssn: "S1") == .closed)
    }

    @Test func aPendingPaymentRowBesideASuccessfulCloseRowReadsClosed() throws {
        let rows = try Self.rows([
            Self.row(type: "close", syssn: "C9", outTradeNo: "P1", respcd: "0000", origSyssn: "S1"),
            Self.row(type: "payment", syssn: "S1", outTradeNo: "P1", respcd: "1143"),
        ])
        #expect(QFPayGateway.paymentState(rows, outTradeNo: "P1", syssn: nil) == .closed)
    }

    @Test func aPaidPaymentRowIsPaidWhateverRowsComeBeforeIt() throws {
        let rows = try Self.rows([
            Self.row(type: "refund", syssn: "R7", outTradeNo: "P1R1", respcd: "0000", origSyssn: "S1", amount: 200),
            Self.row(type: "payment", syssn: "S2", outTradeNo: "OTHER", respcd: "0000"),
            Self.row(type: "payment", syssn: "S1", outTradeNo: "P1", respcd: "0000"),
        ])
        #expect(
            QFPayGateway.paymentState(rows, outTradeNo: "P1", syssn: nil) == .succeeded(syssn: "S1", amount: 1200))
        #expect(
            QFPayGateway.paymentState(rows, outTradeNo: "P1", syssn: "S1") == .succeeded(syssn: "S1", amount: 1200))
        // By syssn once known: another order's row with the same number is not this payment.
        #expect(QFPayGateway.paymentState(rows, outTradeNo: "P1", syssn: "S9") == nil)
    }

    @Test func theCancelMarkOfThePaymentRowSaysClosedOrRefunded() throws {
        let refunded = try Self.rows([
            Self.row(type: "payment", syssn: "S1", outTradeNo: "P1", respcd: "0000", cancel: "3")
        ])
        #expect(QFPayGateway.paymentState(refunded, outTradeNo: "P1", syssn: "S1") == .refunded)
        let reversed = try Self.rows([
            Self.row(type: "payment", syssn: "S1", outTradeNo: "P1", respcd: "0000", cancel: "2")
        ])
        #expect(QFPayGateway.paymentState(reversed, outTradeNo: "P1", syssn: "S1") == .closed)
        let pending = try Self.rows([Self.row(type: "payment", syssn: "S1", outTradeNo: "P1", respcd: "1143")])
        #expect(
            QFPayGateway.paymentState(pending, outTradeNo: "P1", syssn: nil) == .pending(respcd: "1143", syssn: "S1"))
        let declined = try Self.rows([Self.row(type: "payment", syssn: "S1", outTradeNo: "P1", respcd: "2004")])
        guard case .failed(let code, _)? = QFPayGateway.paymentState(declined, outTradeNo: "P1", syssn: nil) else {
            Issue.record("a declined row is not failed")
            return
        }
        #expect(code == "2004")
    }

    @Test func aRefundIsReadFromItsOwnRefundRowOnly() throws {
        let rows = try Self.rows([
            Self.row(type: "payment", syssn: "S1", outTradeNo: "P1R1", respcd: "0000"),
            Self.row(type: "refund", syssn: "R1", outTradeNo: "P1R1", respcd: "0000", origSyssn: "S1", amount: 300),
        ])
        #expect(QFPayGateway.refundState(rows, outTradeNo: "P1R1") == .succeeded(syssn: "R1", amount: 300))
        #expect(QFPayGateway.refundState(rows, outTradeNo: "P1R2") == nil)
    }

    func gateway() -> QFPayGateway {
        QFPayGateway(
            client: QFPayClient(
                configuration: QFPayConfiguration(
                    environment: .test, appCode: "A", key: Secret("K"), merchantID: "M")))
    }

    func jst(_ text: String) -> Date { TransactionTime.parse(text, in: .japanStandardTime)! }

    @Test func aQueryRangeLiesWithinOneMonthAroundTheRequest() {
        let ranges = gateway().queryRanges(around: jst("2026-12-07 12:00:00"))
        #expect(ranges.count == 1)
        #expect(ranges[0].start == jst("2026-12-07 11:45:00"))
        #expect(ranges[0].end == jst("2026-12-07 12:15:00"))
    }

    /// A sale started at 23:59:50 on the last day of a month: its own month first, then the next.
    @Test func aQueryAcrossAMonthBoundaryIsCutIntoTwoRangesItsOwnMonthFirst() {
        let ranges = gateway().queryRanges(around: jst("2026-12-31 23:59:50"))
        #expect(ranges.count == 2)
        #expect(ranges[0].start == jst("2026-12-31 23:44:50"))
        #expect(ranges[0].end == jst("2026-12-31 23:59:59"))
        #expect(ranges[1].start == jst("2027-01-01 00:00:00"))
        #expect(ranges[1].end == jst("2027-01-01 00:14:50"))
        let after = gateway().queryRanges(around: jst("2027-02-01 00:00:05"))
        #expect(after.map(\.start) == [jst("2027-02-01 00:00:00"), jst("2027-01-31 23:45:05")])
        for range in ranges + after {
            let start = WallClockTime(range.start, in: .japanStandardTime)
            let end = WallClockTime(range.end, in: .japanStandardTime)
            #expect(start.year == end.year && start.month == end.month, "one calendar month: \(range)")
        }
    }
}
