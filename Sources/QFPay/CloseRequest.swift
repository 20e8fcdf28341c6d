/// `POST /trade/v1/close` (or `/trade/v1/reversal`, per pay type in the configuration): cancel a
/// transaction. An unpaid order is closed; a paid one is reversed and the money returned. Meant
/// to avoid double payments, not as a refund.
public struct CloseRequest: Sendable, Hashable {
    /// `syssn` of the order to cancel; this or `outTradeNo` is required.
    public var syssn: String?
    /// `out_trade_no` of the order to cancel.
    public var outTradeNo: String?
    /// `txamt`: the order's amount.
    public var amount: Int
    /// The currency of the amount, for the limit check only.
    public var currency: Currency?
    /// `udid`; omitted when nil or empty.
    public var udid: String?
    /// `txdtm`.
    public var transactionTime: TransactionTime

    public init(
        syssn: String? = nil,
        outTradeNo: String? = nil,
        amount: Int,
        currency: Currency? = nil,
        udid: String? = nil,
        transactionTime: TransactionTime = .now
    ) {
        self.syssn = syssn
        self.outTradeNo = outTradeNo
        self.amount = amount
        self.currency = currency
        self.udid = udid
        self.transactionTime = transactionTime
    }

    /// The validated parameters, exactly as signed and sent.
    public func parameters(for configuration: QFPayConfiguration) throws(QFPayError) -> [String: String] {
        var parameters: [String: String] = [:]
        let syssn = syssn.flatMap { $0.isEmpty ? nil : $0 }
        let outTradeNo = outTradeNo.flatMap { $0.isEmpty ? nil : $0 }
        guard syssn != nil || outTradeNo != nil else {
            throw QFPayError(.missingField, "syssn or out_trade_no is required to close an order", field: "syssn")
        }
        if let syssn {
            try FieldValidation.syssn(syssn)
            parameters["syssn"] = syssn
        }
        if let outTradeNo {
            try FieldValidation.outTradeNo(outTradeNo)
            parameters["out_trade_no"] = outTradeNo
        }
        try FieldValidation.amount(
            amount, currency: currency ?? configuration.defaultCurrency, limits: configuration.amountLimits)
        parameters["txamt"] = String(amount)
        let txdtm = transactionTime.text(in: configuration.timeZone)
        try FieldValidation.time(txdtm, field: "txdtm")
        parameters["txdtm"] = txdtm
        if let udid, !udid.isEmpty {
            try FieldValidation.udid(udid)
            parameters["udid"] = udid
        }
        if let merchantID = configuration.merchantID, !merchantID.isEmpty { parameters["mchid"] = merchantID }
        return parameters
    }
}
