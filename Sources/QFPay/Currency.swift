/// A `txcurrcd` currency code. Amounts are always integers in the currency's minimum unit
/// (yen for JPY, cents for USD).
public struct Currency: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The ISO 4217 code QFPay expects, upper case.
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public static let jpy: Currency = "JPY"
    public static let cny: Currency = "CNY"
    public static let hkd: Currency = "HKD"
    public static let usd: Currency = "USD"
    public static let eur: Currency = "EUR"
    public static let sgd: Currency = "SGD"
    public static let myr: Currency = "MYR"
    public static let thb: Currency = "THB"
    public static let aed: Currency = "AED"
    public static let idr: Currency = "IDR"
    public static let mmk: Currency = "MMK"
    public static let cad: Currency = "CAD"
    public static let aud: Currency = "AUD"

    /// The currencies QFPay lists (qfpay-notes.md, "Currencies").
    public static let supported: [Currency] = [
        .aed, .cny, .eur, .hkd, .idr, .jpy, .mmk, .myr, .sgd, .thb, .usd, .cad, .aud,
    ]

    /// Default per-currency maximum of one transaction in minimum units: about the specification's
    /// 10,000 USD. Currencies absent from the table are only checked for being positive.
    public static let defaultAmountLimits: [Currency: Int] = [
        .jpy: 1_500_000,
        .usd: 1_000_000,
        .cny: 7_200_000,
        .hkd: 7_800_000,
        .eur: 950_000,
        .sgd: 1_350_000,
        .myr: 4_700_000,
        .thb: 36_000_000,
        .aed: 3_670_000,
        .cad: 1_400_000,
        .aud: 1_550_000,
    ]
}
