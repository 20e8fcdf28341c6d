/// A customer's payment code (`auth_code`). Its description is masked (`1346••••••••4254`) so that
/// it can appear in logs and events; `value` is what is sent to QFPay.
public struct AuthCode: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The code as scanned.
    public let value: String

    public init(_ value: String) { self.value = value }

    /// The masked code.
    public var masked: String { Self.mask(value) }
    public var description: String { masked }
    public var debugDescription: String { "AuthCode(\(masked))" }

    /// The wallet the code belongs to, as far as its digits tell.
    public func classify(allowsAllInOne: Bool = true) -> ScannedCode {
        PaymentCodeClassifier(allowsAllInOne: allowsAllInOne).classify(value)
    }

    /// `text` with all but its first four and last four characters replaced by `•` (the length
    /// is kept: `1346••••••••••4254`); codes of eight characters or fewer are masked entirely.
    /// The same rule as the scanners' `ScanEvent.mask`.
    public static func mask(_ text: String) -> String {
        let characters = Array(text)
        guard characters.count > 8 else { return String(repeating: "•", count: characters.count) }
        return String(characters.prefix(4)) + String(repeating: "•", count: characters.count - 8)
            + String(characters.suffix(4))
    }
}
