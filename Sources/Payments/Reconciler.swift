import Foundation
import QFPay
import WallClock

/// Matches a day's trade_bill against the journal by `syssn` and `out_trade_no`: net amount
/// charged per payment (payment, less its refunds, less a reversal) on each side.
///
/// With a gateway that hands over the bill's raw bytes (`QFPayGateway`), the bill is read here
/// (`TradeBillReader`) and its raw file is kept: always in `billDirectory` when one is given, and
/// whenever it cannot be read (in the temporary directory when none is given), so that a
/// technician can open it; the error names the file and what is wrong.
public struct Reconciler: Sendable {
    private let journal: Journal
    private let gateway: any PaymentGateway
    private let timeZone: TimeZone
    private let billDirectory: String?

    /// `billDirectory`: where the raw bills are kept as `trade_bill_<date>.zip` (`.bin` when the
    /// answer is no zip); created when missing.
    public init(
        journal: Journal, gateway: any PaymentGateway, timeZone: TimeZone = .japanStandardTime,
        billDirectory: String? = nil
    ) {
        self.journal = journal
        self.gateway = gateway
        self.timeZone = timeZone
        self.billDirectory = billDirectory
    }

    /// Downloads the bill of `date` (`YYYY-MM-DD`, shop local time) and matches it against the
    /// sales the journal created that day.
    public func reconcile(date: String) async throws -> ReconciliationReport {
        guard let range = dayRange(date) else {
            throw PaymentsError(.invalidRequest, "the date must be YYYY-MM-DD, got \(date)")
        }
        let rows = try await billRows(date: date)
        let sales = try await journal.summaries(createdFrom: range.start, to: range.end)
        return match(date: date, bill: rows, sales: sales)
    }

    /// The bill's rows: read here from the raw bytes when the gateway gives them, else as the
    /// gateway read them.
    private func billRows(date: String) async throws -> [BillRow] {
        guard let source = gateway as? any RawTradeBillSource else {
            switch await gateway.tradeBill(date: date) {
            case .answered(let answered): return answered
            case .outcomeUnknown(let reason), .notSent(let reason, _):
                throw PaymentsError(.reconciliationFailed, "no bill for \(date): \(reason)")
            }
        }
        switch await source.rawTradeBill(date: date) {
        case .zip(let bytes):
            let kept = billDirectory.map { keep(bytes, date: date, suffix: "zip", in: $0) }
            do {
                return try TradeBillReader.rows(zip: bytes)
            } catch {
                let location = kept ?? keep(bytes, date: date, suffix: "zip", in: Self.fallbackDirectory)
                throw PaymentsError(
                    .reconciliationFailed, "the trade bill of \(date) cannot be read: \(error); \(location.sentence)",
                    underlying: error)
            }
        case .unreadable(let bytes, let reason):
            let kept = keep(bytes, date: date, suffix: "bin", in: billDirectory ?? Self.fallbackDirectory)
            throw PaymentsError(
                .reconciliationFailed,
                "the trade bill of \(date) is neither a zip nor QFPay's JSON (\(reason)); \(kept.sentence)")
        case .refused(let respcd, let message):
            throw PaymentsError(.reconciliationFailed, "no bill for \(date): trade_bill answered \(respcd): \(message)")
        case .failed(let reason):
            throw PaymentsError(.reconciliationFailed, "no bill for \(date): \(reason)")
        }
    }

    /// Where a raw bill went, or why it could not be kept.
    private enum KeptFile {
        case kept(path: String)
        case notKept(path: String, reason: String)

        var sentence: String {
            switch self {
            case .kept(let path): "the raw file is kept at \(path)"
            case .notKept(let path, let reason): "the raw file could not be kept at \(path): \(reason)"
            }
        }
    }

    /// The directory for unreadable bills when no `billDirectory` is given.
    private static var fallbackDirectory: String {
        FileManager.default.temporaryDirectory.appendingPathComponent("qfpos-trade-bills").path
    }

    /// Writes `bytes` to `<directory>/trade_bill_<date>.<suffix>` (atomically, replacing an older copy).
    private func keep(_ bytes: [UInt8], date: String, suffix: String, in directory: String) -> KeptFile {
        let url = URL(fileURLWithPath: directory).appendingPathComponent("trade_bill_\(date).\(suffix)")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(bytes).write(to: url, options: .atomic)
            return .kept(path: url.path)
        } catch {
            return .notKept(path: url.path, reason: "\(error)")
        }
    }

    /// Matches bill rows against journal summaries (no I/O).
    public func match(date: String, bill: [BillRow], sales: [Journal.SaleSummary]) -> ReconciliationReport {
        var report = ReconciliationReport(date: date)
        let succeeded = bill.filter { $0.respcd == "0000" }
        let payments = succeeded.filter { $0.orderType == "payment" }
        var deductions: [String: Int] = [:]
        for row in succeeded where row.orderType != "payment" {
            guard let original = row.origSyssn else { continue }
            if row.orderType == "close" {
                deductions[original, default: 0] += payments.first { $0.syssn == original }?.amount ?? 0
            } else {
                deductions[original, default: 0] += row.amount
            }
        }
        var gatewayBySyssn: [String: BillRow] = [:]
        var gatewayByOutTradeNo: [String: BillRow] = [:]
        for row in payments {
            gatewayBySyssn[row.syssn] = row
            if let outTradeNo = row.outTradeNo { gatewayByOutTradeNo[outTradeNo] = row }
        }
        var used: Set<String> = []
        for sale in sales {
            let local = sale.paidAmount - sale.refundedAmount
            let row = sale.syssn.flatMap { gatewayBySyssn[$0] } ?? gatewayByOutTradeNo[sale.order.outTradeNo]
            guard let row else {
                if sale.paidAmount > 0 {
                    report.onlyLocal.append(
                        .init(
                            saleID: sale.order.saleID, outTradeNo: sale.order.outTradeNo, syssn: sale.syssn,
                            localAmount: local, gatewayAmount: nil, status: sale.status))
                }
                continue
            }
            used.insert(row.syssn)
            let remote = row.amount - deductions[row.syssn, default: 0]
            let line = ReconciliationReport.Line(
                saleID: sale.order.saleID, outTradeNo: sale.order.outTradeNo, syssn: row.syssn, localAmount: local,
                gatewayAmount: remote, status: sale.status)
            if local == remote { report.matched.append(line) } else { report.amountMismatches.append(line) }
        }
        for row in payments where !used.contains(row.syssn) {
            report.onlyGateway.append(
                .init(
                    saleID: nil, outTradeNo: row.outTradeNo ?? "", syssn: row.syssn, localAmount: nil,
                    gatewayAmount: row.amount - deductions[row.syssn, default: 0], status: nil))
        }
        return report
    }

    private func dayRange(_ date: String) -> (start: Date, end: Date)? {
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, date.utf8.count == 10 else { return nil }
        let midnight = WallClockTime(year: parts[0], month: parts[1], day: parts[2])
        guard let start = midnight.date(in: timeZone), let end = midnight.addingDays(1).date(in: timeZone) else {
            return nil
        }
        return (start, end)
    }
}

/// The outcome of a reconciliation: each payment of the day in one of four lists.
public struct ReconciliationReport: Sendable, Equatable {
    /// One payment as both sides see it.
    public struct Line: Sendable, Equatable {
        public var saleID: String?
        public var outTradeNo: String
        public var syssn: String?
        /// Net amount charged per the journal (paid less refunded), nil when the journal lacks it.
        public var localAmount: Int?
        /// Net amount charged per the bill (payment less refunds and reversal), nil when absent.
        public var gatewayAmount: Int?
        public var status: SaleStatus?
    }

    public var date: String
    /// Same payment, same net amount on both sides.
    public var matched: [Line] = []
    /// Paid in the journal, absent from the bill.
    public var onlyLocal: [Line] = []
    /// In the bill, unknown to the journal.
    public var onlyGateway: [Line] = []
    /// On both sides with different net amounts.
    public var amountMismatches: [Line] = []

    public init(date: String) { self.date = date }

    /// Whether both sides agree completely.
    public var isClean: Bool { onlyLocal.isEmpty && onlyGateway.isEmpty && amountMismatches.isEmpty }

    private var categorized: [(String, Line)] {
        matched.map { ("matched", $0) } + onlyLocal.map { ("only-local", $0) }
            + onlyGateway.map { ("only-gateway", $0) } + amountMismatches.map { ("amount-mismatch", $0) }
    }

    /// The report as CSV (RFC 4180), one line a payment.
    public func csv() -> String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var lines = ["category,sale_id,out_trade_no,syssn,local_amount,gateway_amount,status"]
        for (category, line) in categorized {
            lines.append(
                [
                    category, line.saleID ?? "", line.outTradeNo, line.syssn ?? "",
                    line.localAmount.map(String.init) ?? "", line.gatewayAmount.map(String.init) ?? "",
                    line.status?.rawValue ?? "",
                ].map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The report as a text table with a summary line.
    public func table() -> String {
        let header = ["category", "sale", "out_trade_no", "syssn", "local", "gateway"]
        let rows =
            [header]
            + categorized.map { category, line in
                [
                    category, line.saleID ?? "-", line.outTradeNo, line.syssn ?? "-",
                    line.localAmount.map(String.init) ?? "-", line.gatewayAmount.map(String.init) ?? "-",
                ]
            }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var text = rows.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                separator: "  ")
        }
        text.append(
            "\(date): \(matched.count) matched, \(onlyLocal.count) only local, \(onlyGateway.count) only gateway, "
                + "\(amountMismatches.count) amount mismatches")
        return text.joined(separator: "\n") + "\n"
    }
}

/// The raw answer to `trade_bill`, for the reconciler to read and keep.
enum RawTradeBill: Sendable {
    /// A zip archive (unread).
    case zip([UInt8])
    /// An answer that is neither a zip nor QFPay's JSON.
    case unreadable([UInt8], reason: String)
    /// QFPay's JSON error: no bill.
    case refused(respcd: String, message: String)
    /// No answer, or one that cannot be trusted.
    case failed(String)
}

/// A gateway that hands over the trade bill's raw bytes instead of rows it read itself.
protocol RawTradeBillSource: Sendable {
    func rawTradeBill(date: String) async -> RawTradeBill
}

extension QFPayGateway: RawTradeBillSource {
    func rawTradeBill(date: String) async -> RawTradeBill {
        switch await client.tradeBill(date: date) {
        case .answered(let bill):
            guard bill.isZip else {
                return .refused(respcd: bill.respcd?.rawValue ?? "?", message: bill.resperr ?? "")
            }
            return .zip(bill.body)
        case .outcomeUnknown(let unknown):
            if unknown.reason == .unparsableBody, !unknown.body.isEmpty {
                return .unreadable(unknown.body, reason: unknown.message)
            }
            return .failed("\(unknown)")
        case .notSent(let error):
            return .failed("\(error)")
        }
    }
}
