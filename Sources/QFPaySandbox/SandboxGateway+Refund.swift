import Foundation

extension SandboxGateway {
    /// `POST /trade/v1/refund`: partial and repeated refunds up to the paid amount.
    func refund(
        _ fields: RequestFields,
        _ state: inout LedgerState,
        now: Date,
        events: inout [LedgerEvent]
    ) throws -> PythonJSON {
        _ = try fields.merchant()
        let amount = try fields.positiveInteger("txamt")
        let syssn = try Self.checkSyssn(try fields.required("syssn"))
        let outTradeNo = try fields.outTradeNo()
        let requestTime = try fields.required("txdtm")
        _ = try fields.dateTime("txdtm")
        try fields.udid()
        if configuration.rules.refundBlackout, isRefundBlackout(now) {
            throw GatewayRejection(
                respcd: "1265", message: "refunds are not possible between 23:30 and 00:30: try again after 00:30")
        }

        if let index = state.orderIndex(outTradeNo: outTradeNo) {
            let order = state.orders[index]
            guard let refund = order.refunds.first(where: { $0.outTradeNo == outTradeNo }), order.syssn == syssn,
                refund.amount == amount
            else {
                throw GatewayRejection(
                    respcd: "1102", message: "out_trade_no \(outTradeNo) was already used for another transaction")
            }
            // The same refund sent again: answer it again, never refund twice.
            return refundAnswer(order, refund)
        }
        guard let index = state.orderIndex(syssn: syssn), state.orders[index].syssn == syssn else {
            throw GatewayRejection(respcd: "1143", message: "the order \(syssn) does not exist")
        }
        let order = state.orders[index]
        switch order.state {
        case .paid: break
        case .reversed:
            throw GatewayRejection(respcd: "1125", message: "the order was cancelled and its money returned")
        case .pending, .failed, .closed:
            throw GatewayRejection(respcd: "1155", message: "the order is not paid (\(order.state.rawValue))")
        }
        if order.scenario == .refundNotPassedOnce, order.refundsNotPassed == 0 {
            state.orders[index].refundsNotPassed += 1
            throw GatewayRejection(respcd: "1143", message: "the refund channel request was not passed: no refund")
        }
        if order.scenario == .refundDenied {
            throw GatewayRejection(respcd: "1155", message: "the channel denies refunds of this order")
        }
        if order.scenario == .noPartialRefund, amount != order.amount || !order.refunds.isEmpty {
            throw GatewayRejection(respcd: "1270", message: "only a refund of the whole amount is possible")
        }
        guard order.refundableAmount > 0 else {
            throw GatewayRejection(respcd: "1125", message: "the order is already refunded in full")
        }
        guard amount <= order.refundableAmount else {
            throw GatewayRejection(
                respcd: "1272", message: "txamt \(amount) is over the refundable \(order.refundableAmount)")
        }
        let refund = SandboxRefund(
            syssn: state.nextSyssn(day: time.compactDay(now)), outTradeNo: outTradeNo, amount: amount,
            requestTime: requestTime, time: now)
        state.addRefund(refund, to: index)
        events.append(.refunded(state.orders[index], refund))
        return refundAnswer(state.orders[index], refund)
    }

    /// Whether `date` lies in the daily refund pause, 23:30 to 00:30 in the shop's time zone
    /// (qfpay-notes.md: "1265 not refundable now (23:30–00:30)").
    func isRefundBlackout(_ date: Date) -> Bool {
        let parts = time.components(date)
        let minute = parts.hour * 60 + parts.minute
        return minute >= 23 * 60 + 30 || minute < 30
    }

    private func refundAnswer(_ order: SandboxOrder, _ refund: SandboxRefund) -> PythonJSON {
        .object([
            ("orig_syssn", .string(order.syssn)),
            ("sysdtm", .string(time.format(refund.time))),
            ("cardcd", .string("")),
            ("txdtm", .string(refund.requestTime)),
            ("resperr", .string(GatewayMessages.resperr("0000"))),
            ("txcurrcd", .string(order.currency)),
            ("txamt", .string(String(refund.amount))),
            ("respmsg", .string("")),
            ("out_trade_no", .string(refund.outTradeNo)),
            ("syssn", .string(refund.syssn)),
            ("respcd", .string("0000")),
        ])
    }
}
