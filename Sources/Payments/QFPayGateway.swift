import Foundation
import QFPay

/// `PaymentGateway` over `QFPayClient`: builds the typed requests, and reduces verified answers
/// to what the pipeline decides on (response codes classified as the specification and
/// qfpay-notes.md say; query rows read as the order's state).
public struct QFPayGateway: PaymentGateway {
    /// The client, with its shared rate budget.
    public let client: QFPayClient

    public init(client: QFPayClient) { self.client = client }

    public func pay(_ order: SaleOrder, authCode: String?, at: Date) async -> GatewayCall<GatewayAnswer> {
        let currency = Currency(rawValue: order.currency)
        let request: PaymentRequest
        switch order.flow {
        case .barcode:
            guard let authCode else { return .notSent("no payment code for a barcode payment") }
            request = .barcode(
                outTradeNo: order.outTradeNo, amount: order.amount, authCode: AuthCode(authCode),
                payType: order.payType, currency: currency, goodsName: order.goodsName,
                transactionTime: TransactionTime(at))
        case .dynamicQR:
            guard let wallet = order.payType?.wallet else { return .notSent("a dynamic-QR sale needs a wallet") }
            request = .dynamicQR(
                outTradeNo: order.outTradeNo, amount: order.amount, wallet: wallet, currency: currency,
                goodsName: order.goodsName, transactionTime: TransactionTime(at))
        }
        return Self.call(await client.pay(request)) { response in
            Self.answer(response.respcd, syssn: response.syssn, qrcode: response.qrcode)
        }
    }

    public func query(outTradeNo: String, at: Date) async -> GatewayCall<OrderState> {
        let result = await client.query(.order(outTradeNo), priority: .poll)
        guard case .answered(let response) = result else { return Self.call(result) { _ in .notFound } }
        guard response.respcd.isSuccess else {
            return .outcomeUnknown("query answered \(response.respcd): \(response.respcd.englishMessage)")
        }
        guard let record = response.records.first(where: { $0.outTradeNo == outTradeNo }) else {
            return .answered(.notFound)
        }
        return .answered(Self.state(of: record))
    }

    public func close(_ order: SaleOrder, syssn: String?, at: Date) async -> GatewayCall<GatewayAnswer> {
        let request = CloseRequest(
            syssn: syssn, outTradeNo: order.outTradeNo, amount: order.amount,
            currency: Currency(rawValue: order.currency), transactionTime: TransactionTime(at))
        return Self.call(await client.close(request, payType: order.payType)) { response in
            Self.answer(response.respcd, syssn: response.syssn, qrcode: nil)
        }
    }

    public func refund(_ refund: RefundOrder, of order: SaleOrder, syssn: String, at: Date) async
        -> GatewayCall<GatewayAnswer>
    {
        let request = RefundRequest(
            outTradeNo: refund.outTradeNo, originalSyssn: syssn, amount: refund.amount,
            currency: Currency(rawValue: order.currency), transactionTime: TransactionTime(at))
        return Self.call(await client.refund(request)) { response in
            Self.answer(response.respcd, syssn: response.syssn, qrcode: nil)
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
        case .notSent(let error): return .notSent("\(error)")
        }
    }

    // MARK: - Reading answers

    private static func call<R: Sendable, V: Sendable>(_ result: GatewayResult<R>, _ transform: (R) -> V)
        -> GatewayCall<V>
    {
        switch result {
        case .answered(let response): .answered(transform(response))
        case .outcomeUnknown(let unknown): .outcomeUnknown("\(unknown)")
        case .notSent(let error): .notSent("\(error)")
        }
    }

    /// A payment, close or refund answer. Codes that settle nothing (unknown, duplicate order
    /// number) are pending: the order is asked for by query, never given up as failed.
    static func answer(_ code: ResponseCode, syssn: String?, qrcode: String?) -> GatewayAnswer {
        let outcome: AnswerOutcome
        switch code.classification {
        case .success: outcome = .success
        case .pending, .unknown: outcome = .pending
        case .failed: outcome = .failed
        }
        return GatewayAnswer(
            respcd: code.rawValue, outcome: outcome, syssn: syssn, qrcode: qrcode,
            meaning: "\(code.englishMessage) / \(code.japaneseMessage)")
    }

    /// A query row as the order's state. `cancel` 1 or 2 is closed or reversed whatever the code.
    static func state(of record: TransactionRecord) -> OrderState {
        if let cancel = record.cancel, cancel == .reversed || cancel == .cancelled { return .closed }
        switch record.respcd.classification {
        case .success:
            if let cancel = record.cancel, cancel == .refunded || cancel == .partiallyRefunded,
                record.orderType == .payment
            {
                return .refunded
            }
            return .succeeded(syssn: record.syssn ?? "", amount: record.amount ?? 0)
        case .pending, .unknown:
            return .pending(respcd: record.respcd.rawValue, syssn: record.syssn)
        case .failed:
            return .failed(
                respcd: record.respcd.rawValue,
                meaning: "\(record.respcd.englishMessage) / \(record.respcd.japaneseMessage)")
        }
    }
}
