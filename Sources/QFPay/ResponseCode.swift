/// A QFPay `respcd`, with its meaning in English and Japanese and what it says about the outcome.
public struct ResponseCode: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// What a code says about a transaction's outcome.
    public enum Classification: String, Sendable, Hashable, Codable {
        /// Done: paid, refunded, closed.
        case success
        /// Still in progress or result not yet known: keep querying (1143, 1145, 1298, 2999, 1161).
        case pending
        /// Definitely not done: declined, refused.
        case failed
        /// The request itself was refused before anything was processed (format, parameter or
        /// signature error, maintenance): nothing happened, the request may be corrected.
        case rejected
        /// Close only (1297): this order cannot be cancelled; refund it if it turns out paid.
        case unsupported
        /// Refund only (1265, 1269): not possible now; the same refund may succeed later.
        case retryLater
        /// Not in the table, or a code that does not settle the outcome (a duplicate order number
        /// means an earlier request with this number exists): resolve by query.
        case unknown
    }

    /// The endpoint an answer came from: a code's meaning depends on it (1143 is "not paid yet" on
    /// a payment and in a query row, "the order does not exist" on a refund or close).
    public enum Endpoint: String, Sendable, Hashable, CaseIterable {
        /// `/trade/v1/payment`.
        case payment
        /// A row of `/trade/v1/query`'s `data` (the transaction's own state).
        case queryRow = "query_row"
        /// `/trade/v1/close` or `/trade/v1/reversal`.
        case close
        /// `/trade/v1/refund`.
        case refund
    }

    /// The four digits.
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    /// `0000`.
    public static let success: ResponseCode = "0000"
    /// `1143`: not paid yet, the customer may be entering the password (pending).
    public static let notPaidYet: ResponseCode = "1143"
    /// `1145`: please wait (pending).
    public static let processing: ResponseCode = "1145"
    /// `1297`: try another payment method; on close, cancelling is not supported.
    public static let tryOtherMethod: ResponseCode = "1297"
    /// `1108`: signature error.
    public static let signatureError: ResponseCode = "1108"

    /// Whether the code is `0000`.
    public var isSuccess: Bool { rawValue == "0000" }

    /// Whether the code is in the table of the specification and the notes.
    public var isKnown: Bool { Self.table[rawValue] != nil }

    /// What the code says about the outcome of a payment (the specification's "Payment Process").
    public var classification: Classification { classification(on: .payment) }

    /// What the code says about the outcome on `endpoint`: the specification's table first, then
    /// qfpay-notes.md. docs/payments.md ("Response codes per endpoint") has the whole table.
    public func classification(on endpoint: Endpoint) -> Classification {
        if let special = Self.endpointTable[endpoint]?[rawValue] { return special.classification }
        if Self.requestProblems.contains(rawValue) { return endpoint == .queryRow ? .failed : .rejected }
        guard let entry = Self.table[rawValue] else {
            // A code nobody documented: never a failure on its own word, resolve by query (a row
            // with such a code is asked for again, bounded by the sale's window).
            return endpoint == .queryRow ? .pending : .unknown
        }
        return entry.classification
    }

    /// The meaning in English, for logs and technicians.
    public var englishMessage: String { Self.table[rawValue]?.english ?? "Unknown response code \(rawValue)" }

    /// The meaning in Japanese, for the till and receipts.
    public var japaneseMessage: String { Self.table[rawValue]?.japanese ?? "不明な応答コード \(rawValue)" }

    /// The meaning in English of the code as `endpoint` answered it.
    public func englishMessage(on endpoint: Endpoint) -> String {
        Self.endpointTable[endpoint]?[rawValue]?.english ?? englishMessage
    }

    /// The meaning in Japanese of the code as `endpoint` answered it.
    public func japaneseMessage(on endpoint: Endpoint) -> String {
        Self.endpointTable[endpoint]?[rawValue]?.japanese ?? japaneseMessage
    }

    /// "English / Japanese", for the cashier's screen.
    public func meaning(on endpoint: Endpoint) -> String {
        "\(englishMessage(on: endpoint)) / \(japaneseMessage(on: endpoint))"
    }

    /// Codes that say the request itself was refused before processing (qfpay-notes.md,
    /// "Request problems"): maintenance, format, parameter, signature.
    public static let requestProblems: Set<String> = ["1100", "1103", "1104", "1108"]

    /// Every code of the specification and the notes.
    public static var allKnown: [ResponseCode] { table.keys.sorted().map(ResponseCode.init(rawValue:)) }

    struct Entry: Sendable {
        let classification: Classification
        let english: String
        let japanese: String
    }

    static let table: [String: Entry] = [
        "0000": Entry(classification: .success, english: "Operation successful", japanese: "処理が完了しました"),
        // Pending: keep querying.
        "1143": Entry(
            classification: .pending,
            english: "Not paid yet: the customer may be entering the password (older lists: order does not exist)",
            japanese: "未払いです（お客様がパスワードを入力中の可能性があります）"),
        "1145": Entry(classification: .pending, english: "Processing, please wait", japanese: "処理中です。お待ちください"),
        "1298": Entry(
            classification: .pending,
            english: "Slow network: if paid do not pay again, confirm later",
            japanese: "通信が遅延しています。支払済みの場合は再度支払わず、後ほどご確認ください"),
        "2999": Entry(classification: .pending, english: "Channel processing", japanese: "決済チャネルで処理中です"),
        "1161": Entry(
            classification: .pending, english: "Result unknown: query the transaction",
            japanese: "結果が不明です。取引を照会してください"),
        // Failed, for the cashier.
        "1142": Entry(classification: .failed, english: "The order has been closed", japanese: "注文はクローズされています"),
        "1144": Entry(
            classification: .failed,
            english: "WeChat Pay code scanned as Alipay, or the bound bank card is invalid",
            japanese: "WeChat PayのコードがAlipayとして読み取られたか、紐付けられたカードが無効です"),
        "1147": Entry(
            classification: .failed,
            english: "WeChat Pay error: Hong Kong wallet not supported, or wrong password",
            japanese: "WeChat Payエラー：香港ウォレット非対応、またはパスワード誤りです"),
        "1181": Entry(classification: .failed, english: "The order has expired", japanese: "注文の有効期限が切れました"),
        "1201": Entry(classification: .failed, english: "Insufficient balance", japanese: "残高が不足しています"),
        "2004": Entry(classification: .failed, english: "Insufficient account balance", japanese: "残高が不足しています"),
        "1202": Entry(
            classification: .failed, english: "Payment code wrong or expired: ask for a new code",
            japanese: "支払いコードが誤っているか期限切れです。新しいコードを表示してください"),
        "2005": Entry(
            classification: .failed, english: "Payment code invalid or expired (a code lives about one minute)",
            japanese: "支払いコードが無効か期限切れです（有効期間は約1分です）"),
        "2006": Entry(
            classification: .failed, english: "Illegal or invalid payment code (e.g. Alipay code sent as WeChat Pay)",
            japanese: "不正または無効な支払いコードです"),
        "2007": Entry(
            classification: .failed, english: "The customer closed the password box",
            japanese: "お客様がパスワード入力を中止しました"),
        "1296": Entry(
            classification: .failed, english: "Channel error or busy (configuration error or WeChat suspended)",
            japanese: "決済チャネルのエラーです（設定誤り、または一時停止中）"),
        "1297": Entry(
            classification: .failed,
            english: "Please try another payment method (on close: cancelling is not supported)",
            japanese: "他の支払い方法をお試しください（取消の場合：取消に対応していません）"),
        // Request problems.
        "1100": Entry(classification: .rejected, english: "System under maintenance", japanese: "システムメンテナンス中です"),
        "1102": Entry(
            classification: .unknown, english: "Duplicate order number: query the existing order",
            japanese: "注文番号が重複しています。既存の注文を照会してください"),
        "2011": Entry(
            classification: .unknown, english: "Duplicate order number: query the existing order",
            japanese: "注文番号が重複しています。既存の注文を照会してください"),
        "1103": Entry(classification: .rejected, english: "Request format error", japanese: "リクエストの形式が誤っています"),
        "1104": Entry(classification: .rejected, english: "Request parameter error", japanese: "リクエストのパラメータが誤っています"),
        "1108": Entry(classification: .rejected, english: "Signature error", japanese: "署名が誤っています"),
        // Refund problems.
        "1125": Entry(classification: .failed, english: "Already refunded", japanese: "すでに返金されています"),
        "1155": Entry(classification: .failed, english: "Refund denied", japanese: "返金が拒否されました"),
        "1265": Entry(
            classification: .failed, english: "Refunds are not possible now (23:30 to 00:30)",
            japanese: "現在返金できません（23:30〜0:30）"),
        "1266": Entry(classification: .failed, english: "Refund amount is wrong", japanese: "返金金額が誤っています"),
        "1269": Entry(
            classification: .failed, english: "Today's transaction volume is too low for this refund",
            japanese: "本日の取引額が不足しているため返金できません"),
        "1270": Entry(
            classification: .failed, english: "Partial refunds are not supported",
            japanese: "部分返金には対応していません"),
        "1271": Entry(
            classification: .failed, english: "Partial refunds are not supported",
            japanese: "部分返金には対応していません"),
        "1272": Entry(
            classification: .failed, english: "Refund exceeds the refundable amount",
            japanese: "返金可能額を超えています"),
    ]

    /// Where a code means something else on one endpoint than in `table`.
    static let endpointTable: [Endpoint: [String: Entry]] = [
        .close: [
            // The specification: 1297 or an answer without syssn: the order cannot be cancelled.
            "1297": Entry(
                classification: .unsupported, english: "This order cannot be cancelled: refund it if it was paid",
                japanese: "この注文は取消できません。支払済みの場合は返金してください"),
            "1143": Entry(
                classification: .failed, english: "The order does not exist: nothing was cancelled",
                japanese: "注文が存在しません（取消は行われていません）"),
            "1142": Entry(classification: .success, english: "The order has been closed", japanese: "注文はクローズされています"),
            "1145": Entry(classification: .unknown, english: "Processing, please wait", japanese: "処理中です。お待ちください"),
            "1298": Entry(
                classification: .unknown, english: "Slow network: confirm the order later",
                japanese: "通信が遅延しています。後ほど注文をご確認ください"),
            "2999": Entry(classification: .unknown, english: "Channel processing", japanese: "決済チャネルで処理中です"),
            "1161": Entry(
                classification: .unknown, english: "Result unknown: query the transaction",
                japanese: "結果が不明です。取引を照会してください"),
        ],
        .refund: [
            // The specification's table: 1143 "The order does not exist", the refund was not passed.
            "1143": Entry(
                classification: .failed, english: "The order does not exist: nothing was refunded",
                japanese: "注文が存在しないため返金されませんでした"),
            "1145": Entry(
                classification: .pending, english: "Refund processing, please wait", japanese: "返金処理中です。お待ちください"),
            "1161": Entry(
                classification: .unknown, english: "Refund result unknown: query it", japanese: "返金の結果が不明です。照会してください"),
            "1265": Entry(
                classification: .retryLater, english: "Refunds are not possible now (23:30 to 00:30)",
                japanese: "現在返金できません（23:30〜0:30）"),
            "1269": Entry(
                classification: .retryLater, english: "Today's transaction volume is too low for this refund",
                japanese: "本日の取引額が不足しているため返金できません"),
        ],
    ]
}
