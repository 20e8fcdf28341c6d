/// The answer to `/trade/v1/close` or `/trade/v1/reversal`.
///
/// The specification: if `respcd` is 1297 or the answer has no `syssn` (the cancellation's own
/// number, not `orig_syssn`), the transaction does not support cancelling; refund it if it was paid.
/// A reversal does not prove the customer was not charged: query afterwards.
public struct CloseResponse: GatewayResponse, Hashable {
    public let respcd: ResponseCode
    public let resperr: String
    public let respmsg: String
    /// QFPay's order number of the cancellation.
    public let syssn: String?
    /// QFPay's order number of the cancelled transaction.
    public let origSyssn: String?
    /// `txamt`.
    public let amount: Int?
    /// `txcurrcd`.
    public let currency: Currency?
    /// `txdtm` as sent.
    public let txdtm: String?
    /// `sysdtm`.
    public let sysdtm: String?
    public let fields: [String: String]
    public let body: [UInt8]

    /// Whether the order was cancelled: `respcd` 0000 and a `syssn` present.
    public var isCancelled: Bool { respcd.isSuccess && syssn != nil }

    /// Whether QFPay says this transaction cannot be cancelled (1297, or 0000 without `syssn`).
    public var isCancelUnsupported: Bool { respcd == .tryOtherMethod || (respcd.isSuccess && syssn == nil) }

    public init(body: [UInt8]) throws(QFPayError) {
        let json = try JSONBody.gatewayObject(body, what: "close")
        (respcd, resperr, respmsg) = json.gatewayStatus
        syssn = json.nonEmpty("syssn")
        origSyssn = json.nonEmpty("orig_syssn")
        amount = json.int("txamt")
        currency = json.nonEmpty("txcurrcd").map(Currency.init(rawValue:))
        txdtm = json.nonEmpty("txdtm")
        sysdtm = json.nonEmpty("sysdtm")
        fields = json.scalarFields
        self.body = body
    }
}
