/// One row of a query's `data`: a payment, refund or close and its state.
public struct TransactionRecord: Sendable, Hashable {
    /// `order_type`: payment, refund or close.
    public struct OrderType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        public static let payment = OrderType(rawValue: "payment")
        public static let refund = OrderType(rawValue: "refund")
        public static let close = OrderType(rawValue: "close")
    }

    /// `cancel`: whether the transaction was cancelled or refunded.
    public struct CancelState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public var description: String { String(rawValue) }
        /// 0: a normal transaction.
        public static let none = CancelState(rawValue: 0)
        /// 1: reversed (later documents).
        public static let reversed = CancelState(rawValue: 1)
        /// 2: cancelled (closed).
        public static let cancelled = CancelState(rawValue: 2)
        /// 3: refunded.
        public static let refunded = CancelState(rawValue: 3)
        /// 5: partially refunded (later documents).
        public static let partiallyRefunded = CancelState(rawValue: 5)
    }

    /// `order_type`.
    public let orderType: OrderType
    /// `cancel`.
    public let cancel: CancelState?
    /// The transaction's state: 0000 done, 1143 (and the other pending codes) still in progress.
    public let respcd: ResponseCode
    /// `errmsg`: the payment result text.
    public let errmsg: String
    /// `syssn`.
    public let syssn: String?
    /// `orig_syssn`, for refunds and closes when given.
    public let origSyssn: String?
    /// `out_trade_no`.
    public let outTradeNo: String?
    /// `txamt`.
    public let amount: Int?
    /// `txcurrcd`.
    public let currency: Currency?
    /// `pay_type` as QFPay answered it.
    public let payTypeCode: String?
    /// `txdtm`.
    public let txdtm: String?
    /// `sysdtm`.
    public let sysdtm: String?
    /// `paydtm`: when the customer paid, nil when empty.
    public let paydtm: String?
    /// Every scalar field of the row as text.
    public let fields: [String: String]

    /// `pay_type` when it is one of the known pay types.
    public var payType: PayType? { payTypeCode.flatMap(PayType.init(rawValue:)) }

    /// The state of the transaction: in a row, 1143 is "not paid yet" (pending).
    public var classification: ResponseCode.Classification { respcd.classification }

    init(json: JSONBody) {
        orderType = OrderType(rawValue: json.string("order_type") ?? "")
        cancel = json.int("cancel").map(CancelState.init(rawValue:))
        respcd = ResponseCode(rawValue: json.string("respcd") ?? "")
        errmsg = json.string("errmsg") ?? ""
        syssn = json.nonEmpty("syssn")
        origSyssn = json.nonEmpty("orig_syssn")
        outTradeNo = json.nonEmpty("out_trade_no")
        amount = json.int("txamt")
        currency = json.nonEmpty("txcurrcd").map(Currency.init(rawValue:))
        payTypeCode = json.nonEmpty("pay_type")
        txdtm = json.nonEmpty("txdtm")
        sysdtm = json.nonEmpty("sysdtm")
        paydtm = json.nonEmpty("paydtm")
        fields = json.scalarFields
    }
}
