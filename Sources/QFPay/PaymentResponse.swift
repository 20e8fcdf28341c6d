/// The answer to `/trade/v1/payment`. `respcd` 0000 means paid (barcode) or QR created (dynamic
/// QR); 1143/1145 mean in progress: query until settled.
public struct PaymentResponse: GatewayResponse, Hashable {
    public let respcd: ResponseCode
    public let resperr: String
    public let respmsg: String
    /// QFPay's order number.
    public let syssn: String?
    /// The merchant's order number, as QFPay echoes it.
    public let outTradeNo: String?
    /// `pay_type` as QFPay answered it.
    public let payTypeCode: String?
    /// `txamt`.
    public let amount: Int?
    /// `txcurrcd`.
    public let currency: Currency?
    /// `txdtm` as sent.
    public let txdtm: String?
    /// `sysdtm`, QFPay's time.
    public let sysdtm: String?
    /// `qrcode`: the URL to show as a QR code (dynamic QR only).
    public let qrcode: String?
    /// `cardcd`: the customer's OpenID at the wallet.
    public let cardcd: String?
    public let fields: [String: String]
    public let body: [UInt8]

    /// `pay_type` when it is one of the known pay types.
    public var payType: PayType? { payTypeCode.flatMap(PayType.init(rawValue:)) }

    public init(body: [UInt8]) throws(QFPayError) {
        let json = try JSONBody.gatewayObject(body, what: "payment")
        (respcd, resperr, respmsg) = json.gatewayStatus
        syssn = json.nonEmpty("syssn")
        outTradeNo = json.nonEmpty("out_trade_no")
        payTypeCode = json.nonEmpty("pay_type")
        amount = json.int("txamt")
        currency = json.nonEmpty("txcurrcd").map(Currency.init(rawValue:))
        txdtm = json.nonEmpty("txdtm")
        sysdtm = json.nonEmpty("sysdtm")
        qrcode = json.nonEmpty("qrcode")
        cardcd = json.nonEmpty("cardcd")
        fields = json.scalarFields
        self.body = body
    }
}
