import WallClock

/// What a receipt says, independent of payments code: the payments layer maps its sale into it.
///
/// Amounts are integers in the currency's minimal unit (yen for JPY).
public struct ReceiptContent: Sendable, Hashable {
    /// Which layout to print.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        /// The dynamic-QR prompt the customer scans: amount, wallet, QR code, expiry time.
        case qrPrompt = "qr-prompt"
        /// Receipt after a successful payment.
        case sale
        /// Receipt after a refund.
        case refund
        /// Receipt after a cancel (void) of an unpaid or reversed sale.
        case cancel
        /// The daily summary.
        case summary
        /// A technician's test page: profile, ruler, character sets, QR code.
        case testPage = "test-page"
    }

    /// Label language.
    public enum Language: String, Sendable, Hashable, CaseIterable, Codable {
        /// Japanese labels only.
        case ja
        /// English labels only.
        case en
        /// Japanese labels with the English label below.
        case jaEn = "ja+en"
    }

    /// The layout.
    public var kind: Kind
    /// Label language. Printers without Kanji print English whatever is asked.
    public var language: Language
    /// Shop name from the configuration.
    public var shopName: String
    /// Shop address lines from the configuration.
    public var shopAddress: [String]
    /// When the sale (or refund, cancel, summary) happened, in the shop's time zone.
    public var dateTime: ReceiptDateTime
    /// Sale amount in minimal units.
    public var amount: Int
    /// ISO 4217 currency code, `JPY` in Japan.
    public var currency: String
    /// Wallet shown to the customer, e.g. `WeChat Pay`, `Alipay`.
    public var walletName: String
    /// QFPay transaction number (`syssn`).
    public var syssn: String?
    /// The merchant's order number (`out_trade_no`).
    public var outTradeNo: String?
    /// The payer's id, already masked (`oX2b••••••••9fQ`).
    public var maskedPayerID: String?
    /// Amount refunded, for refund receipts.
    public var refundAmount: Int?
    /// The original sale's `syssn`, for refund and cancel receipts.
    public var originalSyssn: String?
    /// Goods name; long names are wrapped over a few lines and cut with `...`.
    public var goodsName: String?
    /// Marks a copy printed again on request.
    public var isReprint: Bool
    /// When the QR prompt stops being valid.
    public var expiresAt: ReceiptDateTime?
    /// The URL the QR prompt's code carries (the dynamic-QR payment URL); also used by the test
    /// page. Never printed on sale, refund or cancel receipts.
    public var qrURL: String?
    /// An e-receipt link printed as a QR code below the details of sale, refund and cancel
    /// receipts, when there is one.
    public var receiptURL: String?
    /// Totals for the summary layout.
    public var summary: DailySummary?

    /// Creates content; only what the layout needs must be filled.
    public init(
        kind: Kind, language: Language = .jaEn, shopName: String, shopAddress: [String] = [],
        dateTime: ReceiptDateTime, amount: Int = 0, currency: String = "JPY", walletName: String = "",
        syssn: String? = nil, outTradeNo: String? = nil, maskedPayerID: String? = nil, refundAmount: Int? = nil,
        originalSyssn: String? = nil, goodsName: String? = nil, isReprint: Bool = false,
        expiresAt: ReceiptDateTime? = nil, qrURL: String? = nil, receiptURL: String? = nil,
        summary: DailySummary? = nil
    ) {
        self.kind = kind
        self.language = language
        self.shopName = shopName
        self.shopAddress = shopAddress
        self.dateTime = dateTime
        self.amount = amount
        self.currency = currency
        self.walletName = walletName
        self.syssn = syssn
        self.outTradeNo = outTradeNo
        self.maskedPayerID = maskedPayerID
        self.refundAmount = refundAmount
        self.originalSyssn = originalSyssn
        self.goodsName = goodsName
        self.isReprint = isReprint
        self.expiresAt = expiresAt
        self.qrURL = qrURL
        self.receiptURL = receiptURL
        self.summary = summary
    }
}

/// A calendar date and wall-clock time as printed, already in the shop's time zone.
public typealias ReceiptDateTime = WallClockTime

extension WallClockTime {
    /// `2026-11-27`.
    public var dateText: String { "\(year)-\(Self.two(month))-\(Self.two(day))" }
    /// `09:41`.
    public var timeText: String { "\(Self.two(hour)):\(Self.two(minute))" }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

/// Totals of one business day, per wallet.
public struct DailySummary: Sendable, Hashable {
    /// One wallet's totals.
    public struct Line: Sendable, Hashable {
        public var walletName: String
        public var saleCount: Int
        public var saleAmount: Int
        public var refundCount: Int
        public var refundAmount: Int

        /// Creates a line.
        public init(walletName: String, saleCount: Int, saleAmount: Int, refundCount: Int = 0, refundAmount: Int = 0) {
            self.walletName = walletName
            self.saleCount = saleCount
            self.saleAmount = saleAmount
            self.refundCount = refundCount
            self.refundAmount = refundAmount
        }
    }

    /// Per-wallet lines.
    public var lines: [Line]
    /// Sales cancelled (voided) during the day.
    public var cancelCount: Int

    /// Creates a summary.
    public init(lines: [Line], cancelCount: Int = 0) {
        self.lines = lines
        self.cancelCount = cancelCount
    }

    /// Sales minus refunds over all wallets.
    public var netAmount: Int { lines.reduce(0) { $0 + $1.saleAmount - $1.refundAmount } }
}
