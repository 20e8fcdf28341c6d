import Foundation

extension SandboxGateway {
    /// `POST /sandbox/v1/qr/pay` with `syssn`, `out_trade_no` or `qrcode`: the customer scans the
    /// dynamic QR code and pays (or, with `respcd`, fails with that code). Not signed: it stands
    /// for the customer, not the merchant.
    func payQR(
        _ fields: RequestFields,
        _ state: inout LedgerState,
        now: Date,
        events: inout [LedgerEvent]
    ) throws -> PythonJSON {
        let index: Int?
        if let syssn = fields["syssn"] {
            index = state.orderIndex(syssn: syssn).flatMap { state.orders[$0].syssn == syssn ? $0 : nil }
        } else if let number = fields["out_trade_no"] {
            index = state.isPaymentNumber(number) ? state.orderIndex(outTradeNo: number) : nil
        } else if let qrcode = fields["qrcode"] {
            index = state.orders.firstIndex { $0.qrcode == qrcode }
        } else {
            throw GatewayRejection(respcd: "1104", message: "syssn, out_trade_no or qrcode is required")
        }
        guard let index else { throw GatewayRejection(respcd: "1143", message: "the order does not exist") }
        try payQR(&state, index: index, respcd: fields["respcd"], now: now, events: &events)
        let order = state.orders[index]
        return .object([
            ("syssn", .string(order.syssn)), ("out_trade_no", .string(order.outTradeNo)),
            ("state", .string(order.state.rawValue)), ("respcd", .string(order.respcd)),
        ])
    }

    /// Pays (or fails with `respcd`) the pending dynamic-QR order at `index`.
    func payQR(
        _ state: inout LedgerState,
        index: Int,
        respcd: String?,
        now: Date,
        events: inout [LedgerEvent]
    ) throws {
        let order = state.orders[index]
        guard !order.payType.isBarcode else {
            throw GatewayRejection(respcd: "1104", message: "\(order.syssn) is not a dynamic-QR order")
        }
        guard order.state == .pending else {
            throw GatewayRejection(
                respcd: order.respcd == "0000" ? "1104" : order.respcd,
                message: "the order is \(order.state.rawValue), it cannot be paid")
        }
        if let respcd, respcd != "0000" {
            settleFailed(&state, index: index, respcd: respcd)
        } else {
            settlePaid(&state, index: index, at: now, events: &events)
        }
    }

    /// `GET /sandbox/v1/ledger`: every order, for people and scripts.
    func ledgerJSON(_ state: LedgerState) -> PythonJSON {
        .object([
            ("respcd", .string("0000")),
            (
                "orders",
                .array(
                    state.orders.map { order in
                        .object([
                            ("syssn", .string(order.syssn)), ("out_trade_no", .string(order.outTradeNo)),
                            ("pay_type", .string(order.payType.rawValue)), ("txamt", .int(order.amount)),
                            ("txcurrcd", .string(order.currency)), ("state", .string(order.state.rawValue)),
                            ("respcd", .string(order.respcd)), ("charged", .int(order.chargedAmount)),
                            ("sysdtm", .string(time.format(order.createdAt))),
                            ("paydtm", .string(order.paidAt.map(time.format) ?? "")),
                            ("qrcode", .string(order.qrcode ?? "")),
                            (
                                "refunds",
                                .array(
                                    order.refunds.map {
                                        .object([
                                            ("syssn", .string($0.syssn)), ("out_trade_no", .string($0.outTradeNo)),
                                            ("txamt", .int($0.amount)),
                                        ])
                                    })
                            ),
                            ("close_syssn", .string(order.close?.syssn ?? "")),
                        ])
                    })
            ),
            ("total_charged", .int(state.orders.reduce(0) { $0 + $1.chargedAmount })),
        ])
    }
}
