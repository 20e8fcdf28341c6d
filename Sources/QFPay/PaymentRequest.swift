/// `POST /trade/v1/payment`: a barcode payment (the merchant scans the customer's code, pay types
/// 800208, 800108, 800008 with `auth_code`) or a dynamic-QR payment (the customer scans the code
/// QFPay returns, pay types 800201, 800101).
public struct PaymentRequest: Sendable, Hashable {
    /// The merchant's unique order number. Re-sending a payment reuses it.
    public var outTradeNo: String
    /// `txamt`, in the currency's minimum unit.
    public var amount: Int
    /// `txcurrcd`; the configuration's default currency when nil.
    public var currency: Currency?
    /// `pay_type`.
    public var payType: PayType
    /// The customer's code: required for barcode pay types, absent for dynamic QR.
    public var authCode: AuthCode?
    /// `goods_name`: required (both payment tables say Y), at most 20 bytes of UTF-8 without
    /// special characters. Nil or empty: the configuration's `defaultGoodsName` is sent.
    public var goodsName: String?
    /// `udid`, the device, at most 40 characters; omitted when nil or empty.
    public var udid: String?
    /// `limit_pay=no_credit`: the customer may not pay with a credit card.
    public var noCredit: Bool
    /// `expired_time`: minutes the dynamic QR code stays payable, 5 to 120 (QFPay's default is 30).
    public var expiresInMinutes: Int?
    /// `txdtm`.
    public var transactionTime: TransactionTime

    /// A request with every field given.
    public init(
        outTradeNo: String,
        amount: Int,
        currency: Currency? = nil,
        payType: PayType,
        authCode: AuthCode? = nil,
        goodsName: String? = nil,
        udid: String? = nil,
        noCredit: Bool = false,
        expiresInMinutes: Int? = nil,
        transactionTime: TransactionTime = .now
    ) {
        self.outTradeNo = outTradeNo
        self.amount = amount
        self.currency = currency
        self.payType = payType
        self.authCode = authCode
        self.goodsName = goodsName
        self.udid = udid
        self.noCredit = noCredit
        self.expiresInMinutes = expiresInMinutes
        self.transactionTime = transactionTime
    }

    /// A barcode payment. Without `payType` the wallet is detected from the code: WeChat 800208,
    /// Alipay 800108, otherwise all-in-one 800008. Product barcodes are refused when validated.
    public static func barcode(
        outTradeNo: String,
        amount: Int,
        authCode: AuthCode,
        payType: PayType? = nil,
        currency: Currency? = nil,
        goodsName: String? = nil,
        udid: String? = nil,
        noCredit: Bool = false,
        transactionTime: TransactionTime = .now
    ) -> PaymentRequest {
        var detected = PayType.allInOneBarcode
        if case .payment(_, let type) = authCode.classify() { detected = type }
        return PaymentRequest(
            outTradeNo: outTradeNo, amount: amount, currency: currency, payType: payType ?? detected,
            authCode: authCode, goodsName: goodsName, udid: udid, noCredit: noCredit,
            transactionTime: transactionTime)
    }

    /// A dynamic-QR payment for `wallet`: QFPay answers with the `qrcode` URL to show the customer.
    public static func dynamicQR(
        outTradeNo: String,
        amount: Int,
        wallet: Wallet,
        currency: Currency? = nil,
        goodsName: String? = nil,
        udid: String? = nil,
        noCredit: Bool = false,
        expiresInMinutes: Int? = nil,
        transactionTime: TransactionTime = .now
    ) -> PaymentRequest {
        PaymentRequest(
            outTradeNo: outTradeNo, amount: amount, currency: currency, payType: wallet.qrPayType,
            goodsName: goodsName, udid: udid, noCredit: noCredit, expiresInMinutes: expiresInMinutes,
            transactionTime: transactionTime)
    }

    /// Checks `name` as a `goods_name` (required, at most 20 bytes of UTF-8, no special character),
    /// for configurations and tills that check names before a sale starts.
    public static func validate(goodsName name: String?) throws(QFPayError) { try FieldValidation.goodsName(name) }

    /// Checks every field but the customer's code, as ``parameters(for:)`` would: a sale can be
    /// refused before the customer scans anything.
    public func validateOrder(for configuration: QFPayConfiguration) throws(QFPayError) {
        _ = try orderParameters(for: configuration)
    }

    /// The validated parameters, exactly as signed and sent; optional fields are left out when unset.
    public func parameters(for configuration: QFPayConfiguration) throws(QFPayError) -> [String: String] {
        var parameters = try orderParameters(for: configuration)
        if payType.isBarcode {
            guard let authCode else {
                throw QFPayError(
                    .missingField, "auth_code is required for pay_type \(payType.rawValue)", field: "auth_code",
                    rule: "auth_code.required")
            }
            try FieldValidation.authCode(authCode.value)
            parameters["auth_code"] = authCode.value
        } else if authCode != nil {
            throw QFPayError(
                .invalidField, "auth_code must not be sent with dynamic QR pay_type \(payType.rawValue)",
                field: "auth_code")
        }
        return parameters
    }

    /// Every parameter but `auth_code`, validated.
    private func orderParameters(for configuration: QFPayConfiguration) throws(QFPayError) -> [String: String] {
        let currency = currency ?? configuration.defaultCurrency
        try FieldValidation.outTradeNo(outTradeNo)
        try FieldValidation.currency(currency)
        try FieldValidation.amount(amount, currency: currency, limits: configuration.amountLimits)
        let txdtm = transactionTime.text(in: configuration.timeZone)
        try FieldValidation.time(txdtm, field: "txdtm")
        let goodsName = goodsName.flatMap { $0.isEmpty ? nil : $0 } ?? configuration.defaultGoodsName
        try FieldValidation.goodsName(goodsName)
        var parameters = [
            "txamt": String(amount), "txcurrcd": currency.rawValue, "pay_type": payType.rawValue,
            "out_trade_no": outTradeNo, "txdtm": txdtm, "goods_name": goodsName,
        ]
        if let expiresInMinutes {
            guard !payType.isBarcode else {
                throw QFPayError(
                    .invalidField, "expired_time applies only to dynamic QR payments, not \(payType.rawValue)",
                    field: "expired_time")
            }
            guard (5...120).contains(expiresInMinutes) else {
                throw QFPayError(
                    .invalidField, "expired_time must be 5 to 120 minutes, got \(expiresInMinutes)",
                    field: "expired_time", rule: "expired_time.5_to_120_minutes")
            }
            parameters["expired_time"] = String(expiresInMinutes)
        }
        if let udid, !udid.isEmpty {
            try FieldValidation.udid(udid)
            parameters["udid"] = udid
        }
        if noCredit { parameters["limit_pay"] = "no_credit" }
        if let merchantID = configuration.merchantID, !merchantID.isEmpty { parameters["mchid"] = merchantID }
        return parameters
    }
}

extension PaymentRequest: CustomStringConvertible {
    /// A log-safe summary: the auth code is masked.
    public var description: String {
        "payment \(outTradeNo) \(amount) \(currency?.rawValue ?? "") \(payType.rawValue)"
            + (authCode.map { " code \($0.masked)" } ?? "")
    }
}
