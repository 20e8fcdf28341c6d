/// Formats amounts in minimal units for receipts: `¥1,200`, `-¥300`, `JPY 1,200` on printers
/// without a yen sign, `USD 12.50` for currencies with minor units.
public struct AmountFormatter: Sendable {
    /// Whether `¥` can be printed.
    public let yenSign: Bool

    /// Creates a formatter.
    public init(yenSign: Bool) {
        self.yenSign = yenSign
    }

    /// The formatted amount.
    public func format(_ amount: Int, currency: String = "JPY") -> String {
        let sign = amount < 0 ? "-" : ""
        let magnitude = amount.magnitude
        let code = currency.uppercased()
        let minorDigits = Self.minorDigits(code)
        var divisor: UInt = 1
        for _ in 0..<minorDigits { divisor *= 10 }
        let major = Self.grouped(magnitude / divisor)
        var text = major
        if minorDigits > 0 {
            var minor = String(magnitude % divisor)
            while minor.count < minorDigits { minor = "0" + minor }
            text += "." + minor
        }
        if code == "JPY" && yenSign { return sign + "¥" + text }
        return sign + code + " " + text
    }

    private static func minorDigits(_ currency: String) -> Int {
        switch currency {
        case "JPY", "KRW", "VND", "CLP", "ISK": return 0
        case "BHD", "KWD", "OMR", "JOD", "TND": return 3
        default: return 2
        }
    }

    private static func grouped(_ value: UInt) -> String {
        let digits = Array(String(value))
        var result = ""
        result.reserveCapacity(digits.count + digits.count / 3)
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}
