/// `POST /trade/v1/refund`: return part or all of a paid transaction. Refunds may repeat until
/// the paid amount is returned; each refund has its own new `out_trade_no`.
public struct RefundRequest: Sendable, Hashable {
    /// The refund's own merchant order number (not the payment's).
    public var outTradeNo: String
    /// `syssn`: QFPay's order number of the original payment.
    public var originalSyssn: String
    /// `txamt`: the amount to return, in minimum units.
    public var amount: Int
    /// The currency of the amount, for the limit check only (refunds send no `txcurrcd`).
    public var currency: Currency?
    /// `udid`; omitted when nil or empty.
    public var udid: String?
    /// `txdtm`.
    public var transactionTime: TransactionTime

    public init(
        outTradeNo: String,
        originalSyssn: String,
        amount: Int,
        currency: Currency? = nil,
        udid: String? = nil,
        transactionTime: TransactionTime = .now
    ) {
        self.outTradeNo = outTradeNo
        self.originalSyssn = originalSyssn
        self.amount = amount
        self.currency = currency
        self.udid = udid
        self.transactionTime = transactionTime
    }

    /// The validated parameters, exactly as signed and sent.
    public func parameters(for configuration: QFPayConfiguration) throws(QFPayError) -> [String: String] {
        try FieldValidation.outTradeNo(outTradeNo)
        try FieldValidation.syssn(originalSyssn)
        try FieldValidation.amount(
            amount, currency: currency ?? configuration.defaultCurrency, limits: configuration.amountLimits)
        let txdtm = transactionTime.text(in: configuration.timeZone)
        try FieldValidation.time(txdtm, field: "txdtm")
        var parameters = ["out_trade_no": outTradeNo, "syssn": originalSyssn, "txamt": String(amount), "txdtm": txdtm]
        if let udid, !udid.isEmpty {
            try FieldValidation.udid(udid)
            parameters["udid"] = udid
        }
        if let merchantID = configuration.merchantID, !merchantID.isEmpty { parameters["mchid"] = merchantID }
        return parameters
    }
}
