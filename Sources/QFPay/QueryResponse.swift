/// The answer to `/trade/v1/query`. The top-level `respcd` 0000 only means the query was
/// answered; each record's own `respcd` is the transaction's state (0000 done, 1143 still unpaid).
/// QFPay gives no total count: page until a page is shorter than `pageSize`.
public struct QueryResponse: GatewayResponse, Hashable {
    public let respcd: ResponseCode
    public let resperr: String
    public let respmsg: String
    /// `page`.
    public let page: Int?
    /// `page_size`.
    public let pageSize: Int?
    /// The `data` rows.
    public let records: [TransactionRecord]
    public let fields: [String: String]
    public let body: [UInt8]

    public init(body: [UInt8]) throws(QFPayError) {
        let json = try JSONBody.gatewayObject(body, what: "query")
        (respcd, resperr, respmsg) = json.gatewayStatus
        page = json.int("page")
        pageSize = json.int("page_size")
        records = json.objects("data").map(TransactionRecord.init(json:))
        fields = json.scalarFields
        self.body = body
    }

    /// The payment record of `outTradeNo`, if the answer has one.
    public func payment(outTradeNo: String) -> TransactionRecord? {
        records.first { $0.outTradeNo == outTradeNo && $0.orderType == .payment }
    }
}
