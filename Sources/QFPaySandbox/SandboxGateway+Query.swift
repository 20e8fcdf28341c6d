import Foundation
import QFPay

extension SandboxGateway {
    /// One row of a query's `data`: a payment, a refund or a close.
    struct QueryRow {
        /// Sandbox (system) time of the row: the newest-first order, and the bill's day.
        var time: Date
        /// The merchant's `txdtm` of the row: what `start_time`/`end_time` select.
        var txdtm: Date
        var syssn: String
        var outTradeNo: String
        var payType: PayType
        var respcd: String
        /// Builds the row's JSON; only rows that are answered are built.
        var makeJSON: () -> PythonJSON
        /// Whether money moved: a paid payment, a refund, a reversal (not the close of an unpaid order).
        var movedMoney: Bool = true

        var json: PythonJSON { makeJSON() }
    }

    /// `POST /trade/v1/query`.
    func query(
        _ fields: RequestFields,
        _ state: inout LedgerState,
        now: Date,
        events: inout [LedgerEvent]
    ) throws -> PythonJSON {
        _ = try fields.merchant()
        let syssns = try fields["syssn"].map { try list($0, name: "syssn", check: Self.checkSyssn) }
        let outTradeNos = try fields["out_trade_no"].map {
            try list($0, name: "out_trade_no") { try fields.orderNumber($0, name: "out_trade_no") }
        }
        var payType: PayType?
        if let text = fields["pay_type"] {
            guard let value = PayType(rawValue: text) else {
                throw GatewayRejection(respcd: "1104", message: "pay_type \(text) is not supported")
            }
            payType = value
        }
        let respcd = fields["respcd"]
        if let respcd, respcd.utf8.count != 4 || !respcd.utf8.allSatisfy({ (48...57).contains($0) }) {
            throw GatewayRejection(respcd: "1103", message: "respcd must be four digits, got \(respcd)")
        }
        let page = try fields.integer("page", in: 1...100_000) ?? 1
        let pageSize = try fields.integer("page_size", in: 1...100) ?? 10
        let start = try fields.dateTime("start_time", required: false)
        let end = try fields.dateTime("end_time", required: false)
        let range = try timeRange(start: start, end: end, byNumber: syssns != nil || outTradeNos != nil, now: now)

        // Pending orders that the query reaches move along their scenario.
        for index in state.orders.indices where state.orders[index].state == .pending {
            let order = state.orders[index]
            let reached =
                (syssns?.contains(order.syssn) ?? true) && (outTradeNos?.contains(order.outTradeNo) ?? true)
                && (payType.map { $0 == order.payType } ?? true)
                && (range.map { $0.contains(transactionTime(order.requestTime, or: order.createdAt)) } ?? true)
            guard reached else { continue }
            if case .pendingCloseUnsupported(let paidAfter) = order.scenario {
                // Paid after `paidAfter` queries that follow the first (refused) close; never when 0.
                guard paidAfter > 0, let seen = order.queriesAfterRefusedClose else { continue }
                if seen >= paidAfter {
                    settlePaid(&state, index: index, at: now, events: &events)
                } else {
                    state.orders[index].queriesAfterRefusedClose = seen + 1
                }
                continue
            }
            guard let limit = order.scenario.pendingQueries else { continue }
            if order.pendingQueriesSeen >= limit {
                if case .pendingThenDeclined(_, let decline) = order.scenario {
                    settleFailed(&state, index: index, respcd: decline.rawValue)
                } else {
                    settlePaid(&state, index: index, at: now, events: &events)
                }
            } else {
                state.orders[index].pendingQueriesSeen += 1
            }
        }

        var rows: [QueryRow] = []
        for order in state.orders { rows += queryRows(order) }
        rows = rows.filter { row in
            (syssns?.contains(row.syssn) ?? true)
                && (outTradeNos.map { $0.contains(row.outTradeNo) } ?? true)
                && (payType.map { $0 == row.payType } ?? true)
                && (respcd.map { $0 == row.respcd } ?? true)
                && (range.map { $0.contains(row.txdtm) } ?? true)
        }
        // Newest first by system time; a close made in the same second as its payment has the
        // greater syssn and comes first.
        rows.sort { ($0.time, $0.syssn) > ($1.time, $1.syssn) }
        let pageRows = rows.dropFirst((page - 1) * pageSize).prefix(pageSize)
        return .object([
            ("resperr", .string("请求成功")),
            ("page_size", .int(pageSize)),
            ("respmsg", .string("")),
            ("respcd", .string("0000")),
            ("data", .array(pageRows.map(\.json))),
            ("page", .int(page)),
        ])
    }

    /// The rows an order contributes: its payment, each refund, and its close.
    func queryRows(_ order: SandboxOrder) -> [QueryRow] {
        let cancel: String
        switch order.state {
        case .closed, .reversed: cancel = "2"
        case .paid where !order.refunds.isEmpty: cancel = "3"
        default: cancel = "0"
        }
        let errmsg = order.respcd == "0000" ? "" : GatewayMessages.resperr(order.respcd)
        var rows = [
            QueryRow(
                time: order.createdAt, txdtm: transactionTime(order.requestTime, or: order.createdAt),
                syssn: order.syssn, outTradeNo: order.outTradeNo, payType: order.payType,
                respcd: order.respcd,
                makeJSON: {
                    self.row(
                        order, syssn: order.syssn, origSyssn: nil, outTradeNo: order.outTradeNo, time: order.createdAt,
                        paidAt: order.paidAt, amount: order.amount, cancel: cancel, respcd: order.respcd,
                        errmsg: errmsg,
                        type: "payment")
                })
        ]
        for refund in order.refunds {
            rows.append(
                QueryRow(
                    time: refund.time, txdtm: transactionTime(refund.requestTime, or: refund.time),
                    syssn: refund.syssn, outTradeNo: refund.outTradeNo, payType: order.payType,
                    respcd: "0000",
                    makeJSON: {
                        self.row(
                            order, syssn: refund.syssn, origSyssn: order.syssn, outTradeNo: refund.outTradeNo,
                            time: refund.time, paidAt: refund.time, amount: refund.amount, cancel: "0", respcd: "0000",
                            errmsg: "", type: "refund", requestTime: refund.requestTime)
                    }))
        }
        if let close = order.close, let syssn = close.syssn {
            var closeRow = QueryRow(
                time: close.time, txdtm: transactionTime(close.requestTime, or: close.time), syssn: syssn,
                outTradeNo: order.outTradeNo, payType: order.payType,
                respcd: "0000",
                makeJSON: {
                    self.row(
                        order, syssn: syssn, origSyssn: order.syssn, outTradeNo: order.outTradeNo, time: close.time,
                        paidAt: close.time, amount: order.amount, cancel: "0", respcd: "0000", errmsg: "",
                        type: "close",
                        requestTime: close.requestTime)
                })
            closeRow.movedMoney = close.reversed
            rows.append(closeRow)
        }
        return rows
    }

    private func row(
        _ order: SandboxOrder,
        syssn: String,
        origSyssn: String?,
        outTradeNo: String,
        time date: Date,
        paidAt: Date?,
        amount: Int,
        cancel: String,
        respcd: String,
        errmsg: String,
        type: String,
        requestTime: String? = nil
    ) -> PythonJSON {
        var members: [(String, PythonJSON)] = [
            ("pay_type", .string(order.payType.rawValue)),
            ("sysdtm", .string(time.format(date))),
            ("paydtm", .string(paidAt.map(time.format) ?? "")),
            ("txcurrcd", .string(order.currency)),
            ("txdtm", .string(requestTime ?? order.requestTime)),
            ("txamt", .string(String(amount))),
            ("chnlsn", .string("")),
            ("out_trade_no", .string(outTradeNo)),
            ("syssn", .string(syssn)),
        ]
        if let origSyssn { members.append(("orig_syssn", .string(origSyssn))) }
        members += [
            ("cancel", .string(cancel)),
            ("respcd", .string(respcd)),
            ("errmsg", .string(errmsg)),
            ("order_type", .string(type)),
        ]
        return .object(members)
    }

    /// A row's `txdtm` as a date in the shop's zone (validated when the request came; `fallback`
    /// only for orders made through the Swift API).
    func transactionTime(_ text: String, or fallback: Date) -> Date { time.parse(text) ?? fallback }

    /// The query's time window, matched against each row's `txdtm`: the given one (within one
    /// calendar month), else the sandbox clock's current month, also for queries by number
    /// (specification: "Default : starting at this month"). Under lenient rules a query by number
    /// without a window searches all time.
    private func timeRange(start: Date?, end: Date?, byNumber: Bool, now: Date) throws -> Range<Date>? {
        if start == nil, end == nil, byNumber, !configuration.rules.queriesDefaultToThisMonth { return nil }
        let month = time.month(of: start ?? end ?? now)
        let from = start ?? month.start
        let to = end.map { $0.addingTimeInterval(1) } ?? month.end
        guard from < to else { throw GatewayRejection(respcd: "1104", message: "start_time is after end_time") }
        guard to <= month.end else {
            throw GatewayRejection(respcd: "1104", message: "start_time and end_time must be in one calendar month")
        }
        return from..<to
    }

    private func list(
        _ text: String,
        name: String,
        check: (String) throws -> String
    ) throws -> Set<String> {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard items.count <= 100, !items.contains(where: \.isEmpty) else {
            throw GatewayRejection(respcd: "1103", message: "\(name) must be a comma-separated list of 1 to 100 values")
        }
        return Set(try items.map(check))
    }

    static func checkSyssn(_ text: String) throws -> String {
        guard (1...64).contains(text.utf8.count), text.utf8.allSatisfy({ (48...57).contains($0) }) else {
            throw GatewayRejection(respcd: "1103", message: "syssn must be digits, got \(text)")
        }
        return text
    }
}
