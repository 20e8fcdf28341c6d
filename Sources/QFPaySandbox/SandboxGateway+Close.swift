import Foundation

extension SandboxGateway {
    /// `POST /trade/v1/close` and `POST /trade/v1/reversal`: an unpaid order is closed, a paid one
    /// reversed (its money returned), unless cancel is unsupported for it.
    func close(
        _ fields: RequestFields,
        endpoint: String,
        _ state: inout LedgerState,
        now: Date,
        events: inout [LedgerEvent]
    ) throws -> PythonJSON {
        _ = try fields.merchant()
        let amount = try fields.positiveInteger("txamt")
        let requestTime = try fields.required("txdtm")
        _ = try fields.dateTime("txdtm")
        try fields.udid()
        let syssn = try fields["syssn"].map(Self.checkSyssn)
        let outTradeNo = try fields["out_trade_no"].map { try fields.orderNumber($0, name: "out_trade_no") }
        guard syssn != nil || outTradeNo != nil else {
            throw GatewayRejection(respcd: "1104", message: "syssn or out_trade_no is required")
        }
        let bySyssn = syssn.flatMap { number in
            state.orderIndex(syssn: number).flatMap { state.orders[$0].syssn == number ? $0 : nil }
        }
        let byNumber = outTradeNo.flatMap { number in
            state.isPaymentNumber(number) ? state.orderIndex(outTradeNo: number) : nil
        }
        if syssn != nil, outTradeNo != nil, bySyssn != byNumber {
            throw GatewayRejection(respcd: "1104", message: "syssn and out_trade_no name different orders")
        }
        guard let index = bySyssn ?? byNumber else {
            throw GatewayRejection(respcd: "1143", message: "the order does not exist")
        }
        let order = state.orders[index]
        guard amount == order.amount else {
            throw GatewayRejection(respcd: "1266", message: "txamt \(amount) is not the order's \(order.amount)")
        }

        let rules = configuration.rules
        let unpaidRefusal = rules.cancelRefusalsCoverUnpaidOrders ? configuration.cancelRefusals[order.payType] : nil
        switch order.state {
        case .closed, .reversed:
            // Closing again: the same answer, nothing more happens.
            return closeAnswer(order, closeSyssn: order.close?.syssn, requestTime: requestTime, now: now)
        case .pending:
            switch order.scenario {
            case .paidOnCloseAttempt:
                settlePaid(&state, index: index, at: now, events: &events)
                throw GatewayRejection(respcd: "1297", message: "the customer has just paid: refund the order")
            case .closeAnsweredButPaid:
                settlePaid(&state, index: index, at: now, events: &events)
                let ghost = state.nextSyssn(day: time.compactDay(now))
                return closeAnswer(state.orders[index], closeSyssn: ghost, requestTime: requestTime, now: now)
            case .pendingCloseUnsupported:
                return try refuseClose(&state, index: index, .code1297, requestTime: requestTime, now: now)
            default:
                if let unpaidRefusal {
                    return try refuseClose(&state, index: index, unpaidRefusal, requestTime: requestTime, now: now)
                }
                return closeOrder(&state, index: index, endpoint: endpoint, reversed: false, requestTime, now, &events)
            }
        case .failed:
            if let unpaidRefusal {
                return try refuseClose(&state, index: index, unpaidRefusal, requestTime: requestTime, now: now)
            }
            return closeOrder(&state, index: index, endpoint: endpoint, reversed: false, requestTime, now, &events)
        case .paid:
            var refusal = configuration.cancelRefusals[order.payType]
            if order.scenario == .cancelUnsupported { refusal = .code1297 }
            if order.scenario == .cancelWithoutSyssn { refusal = .withoutSyssn }
            if case .pendingCloseUnsupported = order.scenario { refusal = .code1297 }
            if !order.refunds.isEmpty { refusal = .code1297 }
            switch refusal {
            case .code1297?:
                throw GatewayRejection(respcd: "1297", message: "this order cannot be cancelled: refund it")
            case .withoutSyssn?:
                return closeAnswer(order, closeSyssn: nil, requestTime: requestTime, now: now)
            case nil:
                break
            }
            // "Cancel interface is only applicable at the time": after the revoke window a paid
            // order can only be refunded.
            if let window = rules.revokeWindow, now.timeIntervalSince(order.createdAt) >= window.seconds {
                throw GatewayRejection(
                    respcd: "1297",
                    message:
                        "the order was placed more than \(Self.minutes(window)) ago and cannot be cancelled: refund it")
            }
            return closeOrder(&state, index: index, endpoint: endpoint, reversed: true, requestTime, now, &events)
        }
    }

    /// Refuses to close the unpaid order at `index` (its pay type cannot be cancelled): 1297, or
    /// 0000 without `syssn`. Nothing changes but the count of refused closes.
    private func refuseClose(
        _ state: inout LedgerState,
        index: Int,
        _ refusal: SandboxConfiguration.CancelRefusal,
        requestTime: String,
        now: Date
    ) throws -> PythonJSON {
        state.orders[index].refusedCloses += 1
        if state.orders[index].queriesAfterRefusedClose == nil { state.orders[index].queriesAfterRefusedClose = 0 }
        switch refusal {
        case .code1297:
            throw GatewayRejection(
                respcd: "1297", message: "this order cannot be cancelled: query it, refund it if paid")
        case .withoutSyssn:
            return closeAnswer(state.orders[index], closeSyssn: nil, requestTime: requestTime, now: now)
        }
    }

    static func minutes(_ duration: Duration) -> String {
        let seconds = Int(duration.seconds.rounded())
        return seconds % 60 == 0 ? "\(seconds / 60) minutes" : "\(seconds) seconds"
    }

    private func closeOrder(
        _ state: inout LedgerState,
        index: Int,
        endpoint: String,
        reversed: Bool,
        _ requestTime: String,
        _ now: Date,
        _ events: inout [LedgerEvent]
    ) -> PythonJSON {
        let close = SandboxClose(
            syssn: state.nextSyssn(day: time.compactDay(now)), endpoint: endpoint, reversed: reversed,
            requestTime: requestTime, time: now)
        state.orders[index].state = reversed ? .reversed : .closed
        if !reversed, state.orders[index].respcd == "1143" { state.orders[index].respcd = "1142" }
        state.autoPayAt[state.orders[index].syssn] = nil
        state.setClose(close, on: index)
        events.append(.closed(state.orders[index]))
        return closeAnswer(state.orders[index], closeSyssn: close.syssn, requestTime: requestTime, now: now)
    }

    private func closeAnswer(_ order: SandboxOrder, closeSyssn: String?, requestTime: String, now: Date) -> PythonJSON {
        var members: [(String, PythonJSON)] = [
            ("orig_syssn", .string(order.syssn)),
            ("sysdtm", .string(time.format(order.close?.time ?? now))),
            ("cardcd", .string("")),
            ("txdtm", .string(requestTime)),
            ("resperr", .string(GatewayMessages.resperr("0000"))),
            ("txcurrcd", .string(order.currency)),
            ("txamt", .string(String(order.amount))),
            ("respmsg", .string("")),
        ]
        if let closeSyssn { members.append(("syssn", .string(closeSyssn))) }
        members.append(("respcd", .string("0000")))
        return .object(members)
    }
}
