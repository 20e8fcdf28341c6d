import Foundation
import QFPay

extension SandboxGateway {
    /// `POST /trade/v1/payment`: barcode (800208, 800108, 800008) and dynamic QR (800201, 800101).
    func payment(
        _ fields: RequestFields,
        _ state: inout LedgerState,
        now: Date,
        events: inout [LedgerEvent]
    ) throws -> PythonJSON {
        let mchid = try fields.merchant()
        let currency = try fields.currency()
        let amount = try fields.amount("txamt", currency: currency)
        let payTypeText = try fields.required("pay_type")
        guard let payType = PayType(rawValue: payTypeText) else {
            throw GatewayRejection(respcd: "1104", message: "pay_type \(payTypeText) is not supported")
        }
        let outTradeNo = try fields.outTradeNo()
        let requestTime = try fields.required("txdtm")
        _ = try fields.dateTime("txdtm")
        let goodsName = try fields.goodsName()
        try fields.udid()
        if let limitPay = fields["limit_pay"], limitPay != "no_credit" {
            throw GatewayRejection(respcd: "1104", message: "limit_pay may only be no_credit")
        }
        var authCode: String?
        var expiry = configuration.qrDefaultExpiry
        if payType.isBarcode {
            let code = try fields.required("auth_code")
            guard code.utf8.count <= 128 else {
                throw GatewayRejection(respcd: "1103", message: "auth_code is longer than 128 bytes")
            }
            authCode = code
        } else if let minutes = try fields.integer("expired_time", in: 5...120) {
            expiry = .seconds(minutes * 60)
        }

        if let index = state.orderIndex(outTradeNo: outTradeNo) {
            let existing = state.orders[index]
            guard state.isPaymentNumber(outTradeNo), existing.payType == payType, existing.amount == amount,
                existing.currency == currency, existing.authCode == authCode
            else {
                throw GatewayRejection(
                    respcd: "1102", message: "out_trade_no \(outTradeNo) was already used for another transaction")
            }
            // The same payment sent again: answer the order's state, never charge twice.
            return paymentAnswer(existing, respcd: existing.answerOnRepeat, now: now)
        }

        let syssn = state.nextSyssn(day: time.compactDay(now))
        var order = SandboxOrder(
            syssn: syssn, outTradeNo: outTradeNo, mchid: mchid, payType: payType, amount: amount,
            currency: currency, goodsName: goodsName, authCode: authCode, scenario: .success, state: .pending,
            respcd: "1143", requestTime: requestTime, createdAt: now, paidAt: nil, qrcode: nil, expiresAt: nil,
            cardcd: "", refunds: [], close: nil, pendingQueriesSeen: 0)
        let answer: String
        if let authCode {
            order.cardcd = Self.cardcd(for: authCode)
            let routing = Self.routingFailure(authCode: authCode, payType: payType)
            order.scenario = routing.map { .declined($0) } ?? SandboxScenario(authCode: authCode)
            answer = order.scenario.paymentAnswer
            switch answer {
            case "0000":
                order.state = .paid
                order.respcd = "0000"
                order.paidAt = now
            case "1143", "1145", "1298", "1161":
                break
            default:
                order.state = .failed
                order.respcd = answer
            }
        } else {
            order.cardcd = ""
            order.qrcode = Self.qrcode(for: syssn, payType: payType)
            order.expiresAt = now.addingTimeInterval(expiry.seconds)
            if let delay = configuration.qrAutoPayDelay {
                state.autoPayAt[syssn] = now.addingTimeInterval(delay.seconds)
            }
            answer = "0000"
        }
        let index = state.insert(order)
        if order.state == .paid { events.append(.paid(state.orders[index])) }
        return paymentAnswer(order, respcd: answer, now: now)
    }

    /// The payment endpoint's answer for `order`, in the specification's field order.
    func paymentAnswer(_ order: SandboxOrder, respcd: String, now: Date) -> PythonJSON {
        var members: [(String, PythonJSON)] = [
            ("pay_type", .string(order.payType.rawValue)),
            ("sysdtm", .string(time.format(order.createdAt))),
        ]
        if order.payType.isBarcode { members.append(("cardcd", .string(order.cardcd))) }
        members += [
            ("txdtm", .string(order.requestTime)),
            ("resperr", .string(GatewayMessages.resperr(respcd))),
            ("txcurrcd", .string(order.currency)),
            ("txamt", .string(String(order.amount))),
            ("respmsg", .string(respcd == "0000" ? "" : GatewayMessages.english(respcd))),
            ("out_trade_no", .string(order.outTradeNo)),
            ("syssn", .string(order.syssn)),
        ]
        if let qrcode = order.qrcode { members.append(("qrcode", .string(qrcode))) }
        members.append(("respcd", .string(respcd)))
        return .object(members)
    }

    /// Pays a pending order now (the customer finished paying).
    func settlePaid(_ state: inout LedgerState, index: Int, at date: Date, events: inout [LedgerEvent]) {
        state.orders[index].state = .paid
        state.orders[index].respcd = "0000"
        state.orders[index].paidAt = date
        state.autoPayAt[state.orders[index].syssn] = nil
        events.append(.paid(state.orders[index]))
    }

    /// Fails a pending order with `respcd`.
    func settleFailed(_ state: inout LedgerState, index: Int, respcd: String) {
        state.orders[index].state = .failed
        state.orders[index].respcd = respcd
        state.autoPayAt[state.orders[index].syssn] = nil
    }

    /// Delayed QR payments, QR expiry and the end of a barcode order's lifetime that are due by
    /// `now`: applied lazily, before each request is answered.
    func settleDueEvents(_ state: inout LedgerState, now: Date) -> [LedgerEvent] {
        var events: [LedgerEvent] = []
        let barcodeLifetime = configuration.rules.barcodeLifetime?.seconds
        for index in state.orders.indices where state.orders[index].state == .pending {
            let order = state.orders[index]
            if let payAt = state.autoPayAt[order.syssn], payAt <= now, order.expiresAt.map({ payAt < $0 }) ?? true {
                settlePaid(&state, index: index, at: payAt, events: &events)
            } else if let expiresAt = order.expiresAt, expiresAt <= now {
                settleFailed(&state, index: index, respcd: "1142")
            } else if order.payType.isBarcode, let barcodeLifetime,
                now.timeIntervalSince(order.createdAt) >= barcodeLifetime
            {
                // WeChat closes a micropay order the customer never confirmed: "the merchant opened
                // an order, then timed out and the order closed" (1142).
                settleFailed(&state, index: index, respcd: "1142")
            }
        }
        return events
    }

    /// The failure when a code cannot be paid with `payType`: an Alipay code sent as WeChat (2006),
    /// a WeChat code sent as Alipay (1144), or something that is no payment code at all (2006).
    static func routingFailure(authCode: String, payType: PayType) -> SandboxDecline? {
        switch PaymentCodeClassifier(allowsAllInOne: true).classify(authCode) {
        case .productBarcode, .notPaymentCode: return .illegalCode
        case .payment(let wallet, _):
            switch (payType, wallet) {
            case (.wechatBarcode, .alipay?), (.wechatBarcode, nil): return .illegalCode
            case (.alipayBarcode, .wechat?): return .cardInvalid
            case (.alipayBarcode, nil): return .illegalCode
            default: return nil
            }
        }
    }

    /// A stable wallet identity for a payment code: a WeChat open id or an Alipay user id.
    static func cardcd(for authCode: String) -> String {
        let digest = DigestAlgorithm.md5.hexDigest(Array(authCode.utf8))
        if authCode.hasPrefix("1") { return "oSbx" + String(digest.prefix(24)).lowercased() }
        let digits = digest.utf8.prefix(12).map { String($0 % 10) }.joined()
        return "2088" + digits
    }

    /// The URL a dynamic QR code holds.
    static func qrcode(for syssn: String, payType: PayType) -> String {
        let token = String(DigestAlgorithm.md5.hexDigest(Array(syssn.utf8)).prefix(16)).lowercased()
        return payType == .wechatQR ? "weixin://wxpay/bizpayurl?pr=sbx\(token)" : "https://qr.alipay.com/sbx\(token)"
    }
}

extension SandboxOrder {
    /// The code a repeated payment request is answered with.
    var answerOnRepeat: String {
        switch state {
        case .paid: "0000"
        case .pending: payType.isBarcode ? scenario.paymentAnswer : "0000"
        case .failed: respcd
        case .closed, .reversed: "1142"
        }
    }
}
