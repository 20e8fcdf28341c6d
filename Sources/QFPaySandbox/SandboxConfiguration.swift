import Foundation
import QFPay

/// How a sandbox behaves: the merchant's credentials, time, notifications, QR payments, cancel
/// support, how strictly it reads the specification (`rules`) and faults.
public struct SandboxConfiguration: Sendable {
    /// How the gateway refuses to cancel a paid order.
    public enum CancelRefusal: String, Sendable, Hashable, CaseIterable {
        /// Answer 1297 (try another method): the order stays paid.
        case code1297 = "1297"
        /// Answer 0000 without `syssn` (the specification's other sign of "cancel unsupported"):
        /// the order stays paid.
        case withoutSyssn = "no-syssn"
    }

    /// The address to listen on; 127.0.0.1 by default.
    public var host: String = "127.0.0.1"
    /// The port to listen on; 0 picks a free one.
    public var port: Int = 0
    /// The app code clients must send in `X-QF-APPCODE`.
    public var appCode: String
    /// The key requests and responses are signed with. Never logged.
    public var key: String
    /// The merchant id requests must carry in `mchid`.
    public var mchid: String
    /// The shop's time zone: `txdtm`, `sysdtm`, query times and bill dates are local times here.
    public var timeZone: TimeZone = TimeZone(identifier: "Asia/Tokyo")!
    /// Sandbox seconds per real second (QR expiry, delayed QR payment, notification retries).
    public var timeScale: Double = 1
    /// Where notifications go (`http://` only); none when `nil`.
    public var notifyURL: URL?
    /// Delays between notification attempts after the first: the specification's
    /// 1m, 5m, 10m, 60m, 2h, 6h, 15h by default.
    public var notifyRetrySchedule: [Duration] = SandboxConfiguration.specificationRetrySchedule
    /// When set, a dynamic-QR order is paid this long (sandbox time) after it was placed.
    public var qrAutoPayDelay: Duration?
    /// How long an unpaid dynamic-QR order lives when the request gives no `expired_time`.
    public var qrDefaultExpiry: Duration = .seconds(30 * 60)
    /// Pay types whose orders cannot be cancelled, and how the refusal looks: paid orders always,
    /// unpaid ones too under `rules.cancelRefusalsCoverUnpaidOrders` (strict).
    public var cancelRefusals: [PayType: CancelRefusal] = [:]
    /// The largest `txamt` per currency (10,000 USD or about that, in each currency's minimal unit).
    /// Currencies not listed are refused.
    public var amountLimits: [String: Int] = SandboxConfiguration.defaultAmountLimits
    /// How strictly the specification is read: `.strict` by default, `.lenient` for integrators;
    /// each rule can be switched on its own.
    public var rules: SandboxRules = .strict
    /// Request limits enforced with HTTP 429 (`rules.rateLimits`): QFPay's 100 a second and 400 a
    /// minute under the strict rules, none when `nil`.
    public var rateLimits: RateLimits? {
        get { rules.rateLimits }
        set { rules.rateLimits = newValue }
    }
    /// Faults injected from the start (change them at run time with `SandboxServer.setFaults`).
    public var faults: SandboxFaults = SandboxFaults()

    /// Requests allowed per sliding second and minute (real time).
    public struct RateLimits: Sendable, Hashable {
        public var perSecond: Int
        public var perMinute: Int

        public init(perSecond: Int = 100, perMinute: Int = 400) {
            self.perSecond = perSecond
            self.perMinute = perMinute
        }

        /// QFPay's published limits: 100 a second, 400 a minute.
        public static let qfpay = RateLimits()
    }

    public init(appCode: String, key: String, mchid: String) {
        self.appCode = appCode
        self.key = key
        self.mchid = mchid
    }

    /// The specification's notification retry schedule: 1m, 5m, 10m, 60m, 2h, 6h, 15h.
    public static let specificationRetrySchedule: [Duration] = [1, 5, 10, 60, 120, 360, 900].map {
        .seconds($0 * 60)
    }

    /// The currencies of qfpay-notes.md with roughly 10,000 USD in each minimal unit.
    public static let defaultAmountLimits: [String: Int] = [
        "JPY": 1_500_000, "USD": 1_000_000, "CNY": 7_000_000, "HKD": 7_800_000, "EUR": 950_000,
        "SGD": 1_350_000, "THB": 35_000_000, "MYR": 4_500_000, "AED": 3_670_000, "IDR": 160_000_000,
        "MMK": 21_000_000, "CAD": 1_400_000, "AUD": 1_550_000,
    ]
}
