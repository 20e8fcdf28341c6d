import QFPay

/// How the customer pays.
public enum SaleFlow: String, Sendable, Codable, CaseIterable {
    /// The cashier scans the customer's payment code (pay types 800208, 800108, 800008).
    case barcode
    /// The customer scans a QR code qfpos prints (pay types 800201, 800101).
    case dynamicQR
}

/// The fixed facts of a sale, written in its first journal entry.
public struct SaleOrder: Sendable, Codable, Equatable {
    /// The till's order id; starting a sale with an id the journal has returns that sale.
    public var saleID: String
    /// The merchant order number sent to QFPay for the payment.
    public var outTradeNo: String
    /// Amount in the currency's minimal unit (yen for JPY).
    public var amount: Int
    /// ISO currency code, `JPY` in Japan.
    public var currency: String
    /// Barcode or dynamic QR.
    public var flow: SaleFlow
    /// The pay type; for barcode sales it may be settled only when the code is scanned.
    public var payType: PayType?
    /// The till lane (one scanner, one printer) the sale belongs to.
    public var lane: String
    /// `goods_name` sent to QFPay, if any.
    public var goodsName: String?

    public init(
        saleID: String,
        outTradeNo: String,
        amount: Int,
        currency: String = "JPY",
        flow: SaleFlow,
        payType: PayType?,
        lane: String,
        goodsName: String? = nil
    ) {
        self.saleID = saleID
        self.outTradeNo = outTradeNo
        self.amount = amount
        self.currency = currency
        self.flow = flow
        self.payType = payType
        self.lane = lane
        self.goodsName = goodsName
    }
}

/// One refund of a sale: its own merchant order number and amount.
public struct RefundOrder: Sendable, Codable, Equatable, Hashable {
    /// The refund's own `out_trade_no`.
    public var outTradeNo: String
    /// Amount refunded, minimal unit.
    public var amount: Int

    public init(outTradeNo: String, amount: Int) {
        self.outTradeNo = outTradeNo
        self.amount = amount
    }
}
