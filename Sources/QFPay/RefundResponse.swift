/// The answer to `/trade/v1/refund`. `respcd` 0000 means refunded.
public struct RefundResponse: GatewayResponse, Hashable {
    public let respcd: ResponseCode
    public let resperr: String
    public let respmsg: String
    /// QFPay's order number of the refund.
    public let syssn: String?
    /// QFPay's order number of the original payment.
    public let origSyssn: String?
    /// The refund's merchant order number.
    public let outTradeNo: String?
    /// `txamt`: the refunded amount.
    public let amount: Int?
    /// `txcurrcd`.
    public let currency: Currency?
    /// `txdtm` as sent.
    public let txdtm: String?
    /// `sysdtm`.
    public let sysdtm: String?
    public let fields: [String: String]
    public let body: [UInt8]

    public init(body: [UInt8]) throws(QFPayError) {
        let json = try JSONBody.gatewayObject(body, what: "refund")
        (respcd, resperr, respmsg) = json.gatewayStatus
        syssn = json.nonEmpty("syssn")
        origSyssn = json.nonEmpty("orig_syssn")
        outTradeNo = json.nonEmpty("out_trade_no")
        amount = json.int("txamt")
        currency = json.nonEmpty("txcurrcd").map(Currency.init(rawValue:))
        txdtm = json.nonEmpty("txdtm")
        sysdtm = json.nonEmpty("sysdtm")
        fields = json.scalarFields
        self.body = body
    }
}
