/// A notification callback QFPay posts to the merchant's address after a payment, refund or
/// close. Verify it with `parse(body:signature:key:)`, store the result durably, then answer `SUCCESS`.
public struct QFPayNotification: Sendable, Hashable {
    /// `notify_type`.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        public static let payment = Kind(rawValue: "payment")
        public static let refund = Kind(rawValue: "refund")
        public static let close = Kind(rawValue: "close")
        /// Older name of refund notifications.
        public static let cancel = Kind(rawValue: "cancel")

        /// Whether the notification reports money returned (refund, or its older name cancel).
        public var isRefund: Bool { self == .refund || self == .cancel }
    }

    /// `notify_type`.
    public let kind: Kind
    /// `syssn`.
    public let syssn: String?
    /// `orig_syssn`, when given.
    public let origSyssn: String?
    /// `out_trade_no`.
    public let outTradeNo: String?
    /// `orig_out_trade_no`: the payment's order number, on refund notifications.
    public let origOutTradeNo: String?
    /// `pay_type` as sent.
    public let payTypeCode: String?
    /// `txamt`.
    public let amount: Int?
    /// `txcurrcd`.
    public let currency: Currency?
    /// `txdtm`.
    public let txdtm: String?
    /// `sysdtm`.
    public let sysdtm: String?
    /// `paydtm`.
    public let paydtm: String?
    /// `respcd`.
    public let respcd: ResponseCode
    /// `cancel`: 0 processing, 2 closed, 3 refunded.
    public let cancel: TransactionRecord.CancelState?
    /// `status`: "1" when the transaction succeeded.
    public let status: String?
    /// `cardcd`: the customer's OpenID.
    public let cardcd: String?
    /// `goods_name`.
    public let goodsName: String?
    /// `mchid`.
    public let merchantID: String?
    /// Every scalar field as text.
    public let fields: [String: String]
    /// The raw body.
    public let body: [UInt8]

    /// `pay_type` when known.
    public var payType: PayType? { payTypeCode.flatMap(PayType.init(rawValue:)) }

    /// Whether the notification reports a successful transaction (`status` 1 or `respcd` 0000).
    public var isSuccess: Bool { status == "1" || (status == nil && respcd.isSuccess) }

    /// The answer QFPay expects once the notification is stored.
    public static let acknowledgement = "SUCCESS"

    /// Verifies `signature` (`X-QF-SIGN`) = MD5(body + key) on the raw bytes (SHA-256 when the
    /// signature has 64 digits), then parses. A missing or wrong signature or a body that is not
    /// a JSON object is an error; nothing of a forged notification is trusted.
    public static func parse(body: [UInt8], signature: String?, key: Secret) throws(QFPayError) -> QFPayNotification {
        guard let signature, !signature.isEmpty else {
            throw QFPayError(.invalidSignature, "the notification has no X-QF-SIGN", field: "X-QF-SIGN")
        }
        let algorithm: DigestAlgorithm = signature.utf8.count == 64 ? .sha256 : .md5
        guard Signer(key: key.value, algorithm: algorithm).verifies(body: body, signature: signature) else {
            throw QFPayError(
                .invalidSignature, "the notification's X-QF-SIGN does not match its body", field: "X-QF-SIGN")
        }
        return try QFPayNotification(verifiedBody: body)
    }

    /// Parses a body whose signature was already verified.
    public init(verifiedBody body: [UInt8]) throws(QFPayError) {
        guard let json = JSONBody(bytes: body) else {
            throw QFPayError(.unparsableBody, "the notification is not a JSON object (\(body.count) bytes)")
        }
        guard let kind = json.nonEmpty("notify_type") else {
            throw QFPayError(.unparsableBody, "the notification has no notify_type", field: "notify_type")
        }
        self.kind = Kind(rawValue: kind)
        syssn = json.nonEmpty("syssn")
        origSyssn = json.nonEmpty("orig_syssn")
        outTradeNo = json.nonEmpty("out_trade_no")
        origOutTradeNo = json.nonEmpty("orig_out_trade_no")
        payTypeCode = json.nonEmpty("pay_type")
        amount = json.int("txamt")
        currency = json.nonEmpty("txcurrcd").map(Currency.init(rawValue:))
        txdtm = json.nonEmpty("txdtm")
        sysdtm = json.nonEmpty("sysdtm")
        paydtm = json.nonEmpty("paydtm")
        respcd = ResponseCode(rawValue: json.string("respcd") ?? "")
        cancel = json.int("cancel").map(TransactionRecord.CancelState.init(rawValue:))
        status = json.nonEmpty("status")
        cardcd = json.nonEmpty("cardcd")
        goodsName = json.nonEmpty("goods_name")
        merchantID = json.nonEmpty("mchid")
        fields = json.scalarFields
        self.body = body
    }
}
