/// How strictly the sandbox reads the specification. `.strict` (the default) answers as strictly
/// as `qfpay-api-japan.txt`'s words allow; `.lenient` is the sandbox's older, kinder behaviour for
/// integrators who are not there yet. Every rule can be switched on its own, so a test can relax
/// exactly one rule and say why. docs/sandbox.md cites the specification's line for each.
public struct SandboxRules: Sendable, Hashable {
    /// How long `goods_name` may be.
    public enum GoodsNameLimit: Sendable, Hashable {
        /// At most this many bytes of UTF-8 (the payment tables: "No long than 20 byte").
        case utf8Bytes(Int)
        /// At most this many characters (the later note: "no longer than 20 characters").
        case characters(Int)
    }

    /// Which characters `goods_name` refuses as special.
    public enum GoodsNameCharacters: Sendable, Hashable {
        /// Only letters (not Greek or Cyrillic), digits, combining marks, the ASCII space and `-`
        /// pass: every symbol, punctuation mark, full-width form and control character is special.
        case lettersAndDigits
        /// Only the specification's listed characters, full-width forms, Greek and Cyrillic
        /// letters, controls and characters beyond the BMP are special.
        case listedOnly
    }

    /// Rule 1. A query without `start_time`/`end_time` searches the current calendar month of the
    /// sandbox clock, also when it names `syssn` or `out_trade_no`. Off: such by-number queries
    /// search all time (queries without numbers still default to this month).
    public var queriesDefaultToThisMonth: Bool
    /// Rule 2. `goods_name` must be present on `/trade/v1/payment` (1104 when missing).
    public var goodsNameRequired: Bool
    /// Rule 2. The length limit of `goods_name` (1103 beyond).
    public var goodsNameLimit: GoodsNameLimit
    /// Rule 2. Which characters of `goods_name` are special (1103).
    public var goodsNameCharacters: GoodsNameCharacters
    /// Rule 3. Signature and parameter errors (1100, 1103, 1104, 1108) are answered unsigned, as a
    /// front end in front of the gateway sends them. Off: they are signed like business answers.
    public var unsignedRequestErrors: Bool
    /// Rule 4. How long after it was placed (sandbox time) a paid order can still be cancelled;
    /// later, a close answers 1297 and the order stays paid. `nil`: any time.
    public var revokeWindow: Duration?
    /// Rule 4. `SandboxConfiguration.cancelRefusals` refuse the close of unpaid (pending or
    /// failed) orders of the pay type too, not only of paid ones.
    public var cancelRefusalsCoverUnpaidOrders: Bool
    /// Rule 5. Refunds are answered 1265 from 23:30 to 00:30 in the shop's time zone (sandbox clock).
    public var refundBlackout: Bool
    /// Rule 6. The layout of the trade bill: compression, header language, text encoding.
    public var tradeBill: TradeBillFormat
    /// Rule 7. Request limits enforced with HTTP 429; none when `nil`.
    public var rateLimits: SandboxConfiguration.RateLimits?
    /// Rule 8. A barcode order still pending this long after it was placed (sandbox time) closes
    /// itself (row respcd 1142, nothing charged), as WeChat's micropay orders do. `nil`: never.
    public var barcodeLifetime: Duration?

    public init(
        queriesDefaultToThisMonth: Bool = true,
        goodsNameRequired: Bool = true,
        goodsNameLimit: GoodsNameLimit = .utf8Bytes(20),
        goodsNameCharacters: GoodsNameCharacters = .lettersAndDigits,
        unsignedRequestErrors: Bool = true,
        revokeWindow: Duration? = .seconds(15 * 60),
        cancelRefusalsCoverUnpaidOrders: Bool = true,
        refundBlackout: Bool = true,
        tradeBill: TradeBillFormat = TradeBillFormat(),
        rateLimits: SandboxConfiguration.RateLimits? = .qfpay,
        barcodeLifetime: Duration? = .seconds(5 * 60)
    ) {
        self.queriesDefaultToThisMonth = queriesDefaultToThisMonth
        self.goodsNameRequired = goodsNameRequired
        self.goodsNameLimit = goodsNameLimit
        self.goodsNameCharacters = goodsNameCharacters
        self.unsignedRequestErrors = unsignedRequestErrors
        self.revokeWindow = revokeWindow
        self.cancelRefusalsCoverUnpaidOrders = cancelRefusalsCoverUnpaidOrders
        self.refundBlackout = refundBlackout
        self.tradeBill = tradeBill
        self.rateLimits = rateLimits
        self.barcodeLifetime = barcodeLifetime
    }

    /// The specification read as strictly as its words allow: the default.
    public static let strict = SandboxRules()

    /// The sandbox's older behaviour: by-number queries over all time, `goods_name` optional and
    /// counted in characters, every answer signed, paid orders cancellable at any time, refunds at
    /// any hour, a stored zip with English headers, no rate limits, pending orders waiting forever.
    public static let lenient = SandboxRules(
        queriesDefaultToThisMonth: false, goodsNameRequired: false, goodsNameLimit: .characters(20),
        goodsNameCharacters: .listedOnly, unsignedRequestErrors: false, revokeWindow: nil,
        cancelRefusalsCoverUnpaidOrders: false, refundBlackout: false,
        tradeBill: TradeBillFormat(compression: .stored, language: .english, encoding: .utf8), rateLimits: nil,
        barcodeLifetime: nil)
}

/// The trade bill's layout. QFPay does not publish its bill's format (qfpay-notes.md); the strict
/// default is a deflated zip holding a CSV in the style of Chinese payment bills: title lines,
/// Chinese headers, amounts with separators and fractions, a total line, UTF-8 with a BOM.
public struct TradeBillFormat: Sendable, Hashable {
    /// How the CSV entry is stored in the zip.
    public enum Compression: String, Sendable, Hashable, CaseIterable {
        /// Method 8, raw deflate through zlib.
        case deflate
        /// Method 0, uncompressed.
        case stored
    }

    /// The language of the header row and of the transaction types.
    public enum Language: String, Sendable, Hashable, CaseIterable {
        /// 交易时间, 交易流水号, 商户订单号 ... 付款/退款/撤销; amounts like `1,200.00`.
        case chinese = "zh"
        /// 取引日時, 取引番号, 加盟店注文番号 ... 支払/返金/取消; amounts like `1,200`.
        case japanese = "ja"
        /// The API's field names (`syssn`, `txamt` ...), amounts in the minimal unit, no title lines.
        case english = "en"
    }

    /// The CSV's text encoding.
    public enum Encoding: String, Sendable, Hashable, CaseIterable {
        /// UTF-8 with a byte order mark (what spreadsheet programs need to read UTF-8 CSV).
        case utf8BOM = "utf-8-bom"
        /// UTF-8 without a byte order mark.
        case utf8 = "utf-8"
        /// GB18030, the Chinese national encoding (through iconv).
        case gb18030
        /// Shift_JIS as Windows writes it (CP932, through iconv).
        case shiftJIS = "shift_jis"
    }

    public var compression: Compression
    public var language: Language
    public var encoding: Encoding

    public init(compression: Compression = .deflate, language: Language = .chinese, encoding: Encoding = .utf8BOM) {
        self.compression = compression
        self.language = language
        self.encoding = encoding
    }
}
