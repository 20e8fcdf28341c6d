/// A sale as the till sees it, in `sale.*` results and `sale.updated` events. Amounts are
/// integers in the currency's minimal unit (yen for JPY). Auth codes only ever appear masked.
public struct SaleInfo: Sendable, Hashable, Codable {
    /// The sale's id: the till's `order_id` when it gave one (the idempotency key), else one
    /// made by the daemon.
    public var saleID: String
    /// The till's own order id, when it gave one.
    public var orderID: String?
    /// QFPay's `out_trade_no` of the payment.
    public var outTradeNo: String?
    /// The lane (scanner and printer pair) the sale runs on.
    public var lane: String
    /// `scan` (customer shows a code) or `qr` (customer scans the printed QR code).
    public var mode: Mode
    public var amount: Int64
    public var currency: String
    /// The state: `awaiting_scan`, `pending`, `paid`, `failed`, `cancelled`, `refunded`, ...
    public var state: State
    /// Whether the state is final (nothing more will happen without a new request).
    public var isFinal: Bool
    /// The wallet, when known.
    public var wallet: Wallet?
    /// QFPay's last answer code and its meaning for the cashier.
    public var respcd: String?
    public var respcdMeaning: String?
    /// A human message for the cashier's screen.
    public var message: String?
    /// QFPay's transaction number once paid.
    public var syssn: String?
    /// The dynamic-QR code's content, for the till to show.
    public var qrcode: String?
    /// The customer's code, masked (`1346••••••••4254`).
    public var authCodeMasked: String?
    /// The amount refunded so far.
    public var refundedAmount: Int64
    /// ISO 8601 times.
    public var createdAt: String?
    public var updatedAt: String?

    public init(
        saleID: String, orderID: String? = nil, outTradeNo: String? = nil, lane: String, mode: Mode, amount: Int64,
        currency: String,
        state: State, isFinal: Bool, wallet: Wallet? = nil, respcd: String? = nil, respcdMeaning: String? = nil,
        message: String? = nil, syssn: String? = nil, qrcode: String? = nil, authCodeMasked: String? = nil,
        refundedAmount: Int64 = 0, createdAt: String? = nil, updatedAt: String? = nil
    ) {
        self.saleID = saleID
        self.orderID = orderID
        self.outTradeNo = outTradeNo
        self.lane = lane
        self.mode = mode
        self.amount = amount
        self.currency = currency
        self.state = state
        self.isFinal = isFinal
        self.wallet = wallet
        self.respcd = respcd
        self.respcdMeaning = respcdMeaning
        self.message = message
        self.syssn = syssn
        self.qrcode = qrcode
        self.authCodeMasked = authCodeMasked
        self.refundedAmount = refundedAmount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case saleID = "sale_id"
        case orderID = "order_id"
        case outTradeNo = "out_trade_no"
        case lane, mode, amount, currency, state
        case isFinal = "final"
        case wallet, respcd
        case respcdMeaning = "respcd_meaning"
        case message, syssn, qrcode
        case authCodeMasked = "auth_code"
        case refundedAmount = "refunded_amount"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
