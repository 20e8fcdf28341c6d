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

    /// `text` with all but its first four and last four characters replaced by `•`; codes of
    /// twelve characters or fewer keep only their last two characters, and of four or fewer none.
    public static func mask(_ text: String) -> String {
        let characters = Array(text)
        let count = characters.count
        if count > 12 {
            return String(characters.prefix(4)) + String(repeating: "•", count: count - 8)
                + String(characters.suffix(4))
        }
        if count > 4 { return String(repeating: "•", count: count - 2) + String(characters.suffix(2)) }
        return String(repeating: "•", count: count)
    }
}
