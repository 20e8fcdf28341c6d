import Foundation
import WallClock

/// Everything the client needs to talk to one QFPay merchant account.
public struct QFPayConfiguration: Sendable {
    /// Where the gateway is.
    public enum Environment: Sendable, Hashable {
        /// `https://openapi-test.qfpay.com`: no money moves.
        case test
        /// `https://openapi.qfpay.com`.
        case production
        /// Any base URL, such as the local sandbox or `https://openapi-jp.qfapi.com`.
        case custom(URL)

        /// The base URL requests' paths are appended to.
        public var baseURL: URL {
            switch self {
            case .test: URL(string: "https://openapi-test.qfpay.com")!
            case .production: URL(string: "https://openapi.qfpay.com")!
            case .custom(let url): url
            }
        }
    }

    /// The cancel endpoint of the specification.
    public static let closePath = "/trade/v1/close"
    /// The cancel endpoint later QFPay documents give for some pay types.
    public static let reversalPath = "/trade/v1/reversal"

    /// The gateway's base URL.
    public var baseURL: URL
    /// `X-QF-APPCODE`.
    public var appCode: String
    /// The key requests are signed with. Never logged.
    public var key: Secret
    /// The merchant (`mchid`), sent with every request when set.
    public var merchantID: String?
    /// The request signature's digest: MD5 (the specification's default) or SHA-256, which sends
    /// `X-QF-SIGNTYPE: SHA256`.
    public var signType: DigestAlgorithm
    /// Longest wait for the connection to be made (a request whose connection is not made in time
    /// is not sent); the whole exchange is bounded by `connectTimeout + requestTimeout`.
    public var connectTimeout: Duration
    /// Longest wait for the answer once connected.
    public var requestTimeout: Duration
    /// The cancel endpoint for pay types that do not use `/trade/v1/close`.
    public var cancelPaths: [PayType: String]
    /// The per-currency maximum of one transaction, in minimum units.
    public var amountLimits: [Currency: Int]
    /// The currency payments are made in unless a request says otherwise.
    public var defaultCurrency: Currency
    /// The shop's time zone: `txdtm` and query times are the shop's local time (JST by default).
    public var timeZone: TimeZone
    /// How HTTP 429 answers are retried.
    public var retryPolicy: RetryPolicy
    /// The HTTP method of `/download/v1/trade_bill`: POST as in the specification's sample, GET as
    /// in later documents.
    public var tradeBillMethod: String
    /// The `goods_name` of payments that give none: QFPay requires one (both payment tables say
    /// Y). Checked by the same rule as every name (`PaymentRequest.validate(goodsName:)`).
    public var defaultGoodsName: String

    /// The default `goods_name`: 商品, "goods" in Japanese and Chinese (6 bytes of UTF-8).
    public static let standardGoodsName = "商品"

    /// A configuration for `environment` with the merchant's credentials.
    public init(
        environment: Environment,
        appCode: String,
        key: Secret,
        merchantID: String?,
        signType: DigestAlgorithm = .md5,
        connectTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(20),
        cancelPaths: [PayType: String] = [:],
        amountLimits: [Currency: Int] = Currency.defaultAmountLimits,
        defaultCurrency: Currency = .jpy,
        timeZone: TimeZone = .japanStandardTime,
        retryPolicy: RetryPolicy = RetryPolicy(),
        tradeBillMethod: String = "POST",
        defaultGoodsName: String = QFPayConfiguration.standardGoodsName
    ) {
        self.baseURL = environment.baseURL
        self.appCode = appCode
        self.key = key
        self.merchantID = merchantID
        self.signType = signType
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.cancelPaths = cancelPaths
        self.amountLimits = amountLimits
        self.defaultCurrency = defaultCurrency
        self.timeZone = timeZone
        self.retryPolicy = retryPolicy
        self.tradeBillMethod = tradeBillMethod
        self.defaultGoodsName = defaultGoodsName
    }

    /// The cancel endpoint for `payType`: `/trade/v1/close` unless `cancelPaths` says otherwise.
    public func cancelPath(for payType: PayType?) -> String {
        payType.flatMap { cancelPaths[$0] } ?? Self.closePath
    }

    /// The signer of requests, responses and notifications with this configuration's key.
    public var signer: Signer { Signer(key: key.value, algorithm: signType) }

    /// Checks what a request cannot go without.
    public func validate() throws(QFPayError) {
        guard let scheme = baseURL.scheme?.lowercased(), scheme == "https" || scheme == "http",
            baseURL.host(percentEncoded: true) != nil
        else {
            throw QFPayError(.invalidConfiguration, "base URL \(baseURL) is not an http(s) URL", field: "base_url")
        }
        guard !appCode.isEmpty else { throw QFPayError(.invalidConfiguration, "app code is empty", field: "app_code") }
        guard !key.isEmpty else { throw QFPayError(.invalidConfiguration, "key is empty", field: "key") }
    }
}

extension QFPayConfiguration: CustomStringConvertible {
    /// Never shows the key.
    public var description: String {
        "QFPayConfiguration(\(baseURL), app code \(appCode), mchid \(merchantID ?? "-"), \(signType.rawValue))"
    }
}
