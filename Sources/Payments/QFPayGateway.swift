import Foundation
import LatencyTrace
import QFPay
import WallClock

/// `PaymentGateway` over `QFPayClient`: builds the typed requests, and reduces verified answers
/// to what the pipeline decides on (response codes classified per endpoint as the specification
/// and qfpay-notes.md say; query rows chosen by type and number and read as the order's state).
public struct QFPayGateway: PaymentGateway {
    /// The client, with its shared rate budget.
    public let client: QFPayClient
    /// How far around a request's `txdtm` a query looks (clock skew between the till and QFPay,
    /// and a barcode sale's scan coming some time after its creation).
    public var queryMargin: Duration = .seconds(15 * 60)
    /// Rows asked for a page (QFPay's maximum is 100), and pages read at most.
    public var queryPageSize = 20
    public var queryMaxPages = 5

    public init(client: QFPayClient) { self.client = client }

    public var taskExecutor: (any TaskExecutor)? { client.taskExecutor }

    public func validate(_ order: SaleOrder) throws {
        do {
            try request(for: order, authCode: nil, at: Date()).validateOrder(for: client.configuration)
        } catch let error as QFPayError {
            throw PaymentsError(.invalidRequest, error.message, field: Self.tillField(error.field), rule: error.rule)
        }
    }

    public func pay(_ order: SaleOrder, authCode: String?, at: Date) async -> GatewayCall<GatewayAnswer> {
        LatencyTrace.mark(.requestStarted, order.outTradeNo)
        if order.flow == .barcode, authCode == nil { return .notSent("no payment code for a barcode payment") }
        let request: PaymentRequest
        do { request = try self.request(for: order, authCode: authCode, at: at) } catch let error as PaymentsError {
            return .notSent(error.message)
        } catch { return .notSent("\(error)") }
        return Self.call(await client.pay(request)) { response in
            Self.answer(response.respcd, on: .payment, syssn: response.syssn, qrcode: response.qrcode)
        }
    }

    private func request(for order: SaleOrder, authCode: String?, at: Date) throws -> PaymentRequest {
        let currency = Currency(rawValue: order.currency)
        switch order.flow {
        case .barcode:
            if let authCode {
                return .barcode(
                    outTradeNo: order.outTradeNo, amount: order.amount, authCode: AuthCode(authCode),
                    payType: order.payType, currency: currency, goodsName: order.goodsName,
                    transactionTime: TransactionTime(at))
            }
            // Before the scan the wallet may be unknown: validate as all-in-one, the code decides later.
            return PaymentRequest(
                outTradeNo: order.outTradeNo, amount: order.amount, currency: currency,
                payType: order.payType ?? .allInOneBarcode, authCode: authCode.map(AuthCode.init),
                goodsName: order.goodsName, transactionTime: TransactionTime(at))
        case .dynamicQR:
            guard let wallet = order.payType?.wallet else {
                throw PaymentsError(.invalidRequest, "a dynamic-QR sale needs a wallet", field: "wallet")
            }
            return .dynamicQR(
                outTradeNo: order.outTradeNo, amount: order.amount, wallet: wallet, currency: currency,
                goodsName: order.goodsName, transactionTime: TransactionTime(at))
        }
    }

    public func query(_ lookup: OrderLookup) async -> GatewayCall<OrderState> {
        for range in queryRanges(around: lookup.sentAt) {
            var request: QueryRequest
            switch lookup.target {
            case .payment(let syssn?): request = .transaction(syssn: syssn)
            case .payment(nil), .refund: request = .order(lookup.outTradeNo)
            }
            request.startTime = TransactionTime(range.start)
            request.endTime = TransactionTime(range.end)
            request.pageSize = queryPageSize
            let result = await client.queryAllPages(request, priority: .poll, maxPages: queryMaxPages)
            let rows: [TransactionRecord]
            switch result {
            case .answered(let answered): rows = answered
            case .outcomeUnknown(let unknown): return .outcomeUnknown("\(unknown)")
            case .notSent(let error): return .outcomeUnknown("the query was not answered: \(error)")
            }
            let state: OrderState? =
                switch lookup.target {
                case .payment(let syssn): Self.paymentState(rows, outTradeNo: lookup.outTradeNo, syssn: syssn)
                case .refund: Self.refundState(rows, outTradeNo: lookup.outTradeNo)
                }
            if let state { return .answered(state) }
        }
        return .answered(.notFound)
    }

    /// The time ranges of a query around `date`: `[date - margin, date + margin]`, cut at month
    /// boundaries (QFPay takes a range within one calendar month, shop time), the month of `date`
    /// first. Without a range QFPay searches "this month", which misses a sale polled or recovered
    /// across a month boundary.
    func queryRanges(around date: Date) -> [(start: Date, end: Date)] {
        let timeZone = client.configuration.timeZone
        let margin = Double(queryMargin.components.seconds)
        let from = WallClockTime(date.addingTimeInterval(-margin), in: timeZone)
        let to = WallClockTime(date.addingTimeInterval(margin), in: timeZone)
        let center = WallClockTime(date, in: timeZone)
        var ranges: [(start: Date, end: Date)] = []
        var monthStart = WallClockTime(year: from.year, month: from.month, day: 1)
        while monthStart <= to {
            let next =
                monthStart.month == 12
                ? WallClockTime(year: monthStart.year + 1, month: 1, day: 1)
                : WallClockTime(year: monthStart.year, month: monthStart.month + 1, day: 1)
            let start = max(from, monthStart)
            let lastSecond = next.date(in: timeZone).map { WallClockTime($0.addingTimeInterval(-1), in: timeZone) }
            let end = min(to, lastSecond ?? to)
            if let startDate = start.date(in: timeZone), let endDate = end.date(in: timeZone), startDate <= endDate {
                let isCenter = center.year == monthStart.year && center.month == monthStart.month
                if isCenter { ranges.insert((startDate, endDate), at: 0) } else { ranges.append((startDate, endDate)) }
            }
            monthStart = next
        }
        return ranges
    }

    public func close(_ order: SaleOrder, syssn: String?, at: Date) async -> GatewayCall<GatewayAnswer> {
        let request = CloseRequest(
            syssn: syssn, outTradeNo: order.outTradeNo, amount: order.amount,
            currency: Currency(rawValue: order.currency), transactionTime: TransactionTime(at))
        return Self.call(await client.close(request, payType: order.payType)) { response in
            Self.answer(response.respcd, on: .close, syssn: response.syssn, qrcode: nil)
        }
    }

    public func refund(_ refund: RefundOrder, of order: SaleOrder, syssn: String, at: Date) async
        -> GatewayCall<GatewayAnswer>
    {
        let request = RefundRequest(
            outTradeNo: refund.outTradeNo, originalSyssn: syssn, amount: refund.amount,
            currency: Currency(rawValue: order.currency), transactionTime: TransactionTime(at))
        return Self.call(await client.refund(request)) { response in
            Self.answer(response.respcd, on: .refund, syssn: response.syssn, qrcode: nil)
        }
    }

    public func tradeBill(date: String) async -> GatewayCall<[BillRow]> {
        switch await client.tradeBill(date: date) {
        case .answered(let bill):
            guard bill.isZip else {
                return .outcomeUnknown("trade_bill answered \(bill.respcd?.rawValue ?? "?"): \(bill.resperr ?? "")")
            }
            do { return .answered(try TradeBillReader.rows(zip: bill.body)) } catch {
                return .outcomeUnknown("trade_bill could not be read: \(error)")
            }
        case .outcomeUnknown(let unknown): return .outcomeUnknown("\(unknown)")
        case .notSent(let error): return .notSent("\(error)", respcd: error.respcd?.rawValue)
        }
    }

    // MARK: - Reading answers

    private static func call<R: Sendable, V: Sendable>(_ result: GatewayResult<R>, _ transform: (R) -> V)
        -> GatewayCall<V>
    {
        switch result {
        case .answered(let response): .answered(transform(response))
        case .outcomeUnknown(let unknown): .outcomeUnknown("\(unknown)")
        case .notSent(let error):
            if let respcd = error.respcd {
                .notSent("\(respcd.meaning(on: .payment)) (\(error.message))", respcd: respcd.rawValue)
            } else {
                .notSent("\(error)")
            }
        }
    }

    /// A payment, close or refund answer, its code classified as `endpoint` means it. Codes that
    /// settle nothing (unknown, duplicate order number) are pending: the order is asked for by
    /// query, never given up as failed.
    static func answer(_ code: ResponseCode, on endpoint: ResponseCode.Endpoint, syssn: String?, qrcode: String?)
        -> GatewayAnswer
    {
        let outcome: AnswerOutcome =
            switch code.classification(on: endpoint) {
            case .success: .success
            case .pending, .unknown: .pending
            case .failed: .failed
            case .rejected: .rejected
            case .unsupported: .unsupported
            case .retryLater: .retryLater
            }
        return GatewayAnswer(
            respcd: code.rawValue, outcome: outcome, syssn: syssn, qrcode: qrcode, meaning: code.meaning(on: endpoint))
    }

    /// The payment's state from a query's rows: its own `payment` row (by `syssn` once known, or
    /// by `out_trade_no`), with the `close` rows of that payment. A close row is never read as the
    /// payment (it carries the close's own `syssn` and respcd 0000). Nil when no row is the payment's.
    static func paymentState(_ rows: [TransactionRecord], outTradeNo: String, syssn: String?) -> OrderState? {
        func isThisOrder(_ row: TransactionRecord) -> Bool {
            if let syssn { return row.syssn == syssn }
            return row.outTradeNo == outTradeNo
        }
        let payment = rows.first { row in
            (row.orderType == .payment || row.orderType.rawValue.isEmpty) && isThisOrder(row)
        }
        let paymentSyssn = payment?.syssn ?? syssn
        let closed = rows.contains { row in
            row.orderType == .close && row.respcd.isSuccess
                && ((paymentSyssn != nil && row.origSyssn == paymentSyssn) || row.outTradeNo == outTradeNo)
        }
        guard let payment else { return closed ? .closed : nil }
        if let cancel = payment.cancel, cancel == .reversed || cancel == .cancelled { return .closed }
        switch payment.respcd.classification(on: .queryRow) {
        case .success:
            if let cancel = payment.cancel, cancel == .refunded || cancel == .partiallyRefunded { return .refunded }
            // Paid. A close row beside a payment row that still reads paid settles nothing: the
            // money is refunded (a refund of a reversed order is refused, never doubled).
            return .succeeded(syssn: payment.syssn ?? syssn ?? "", amount: payment.amount ?? 0)
        case .pending, .unknown:
            if closed { return .closed }
            return .pending(respcd: payment.respcd.rawValue, syssn: payment.syssn)
        case .failed, .rejected, .unsupported, .retryLater:
            return .failed(respcd: payment.respcd.rawValue, meaning: payment.respcd.meaning(on: .queryRow))
        }
    }

    /// A refund's state from a query's rows: the `refund` row with the refund's own number.
    static func refundState(_ rows: [TransactionRecord], outTradeNo: String) -> OrderState? {
        guard let row = rows.first(where: { $0.orderType == .refund && $0.outTradeNo == outTradeNo }) else {
            return nil
        }
        switch row.respcd.classification(on: .queryRow) {
        case .success: return .succeeded(syssn: row.syssn ?? "", amount: row.amount ?? 0)
        case .pending, .unknown: return .pending(respcd: row.respcd.rawValue, syssn: row.syssn)
        case .failed, .rejected, .unsupported, .retryLater:
            return .failed(respcd: row.respcd.rawValue, meaning: row.respcd.meaning(on: .refund))
        }
    }

    /// The till's name of a QFPay request field.
    static func tillField(_ field: String?) -> String? {
        switch field {
        case "txamt": "amount"
        case "txcurrcd": "currency"
        case "pay_type": "wallet"
        case "out_trade_no": "order_id"
        default: field
        }
    }
}
