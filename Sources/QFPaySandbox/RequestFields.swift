import Foundation
import QFPay

/// A request's parameters with the gateway's checks: a missing parameter or a value that is not
/// allowed is 1104, a malformed value 1103, and every message names the field.
struct RequestFields {
    let values: [String: String]
    let time: GatewayTime
    let configuration: SandboxConfiguration

    init(_ values: [String: String], time: GatewayTime, configuration: SandboxConfiguration) {
        self.values = values
        self.time = time
        self.configuration = configuration
    }

    subscript(name: String) -> String? { values[name] }

    func required(_ name: String) throws -> String {
        guard let value = values[name] else { throw GatewayRejection(respcd: "1104", message: "\(name) is missing") }
        return value
    }

    /// `mchid`, which must be the sandbox merchant's.
    func merchant(required: Bool = true) throws -> String {
        guard let mchid = required ? try self.required("mchid") : values["mchid"] else {
            return configuration.mchid
        }
        guard mchid == configuration.mchid else {
            throw GatewayRejection(respcd: "1104", message: "mchid \(mchid) is not this app code's merchant")
        }
        return mchid
    }

    /// A positive integer (an amount in the minimal unit).
    func positiveInteger(_ name: String) throws -> Int {
        let text = try required(name)
        guard let value = Self.integer(text) else {
            throw GatewayRejection(respcd: "1103", message: "\(name) must be an integer, got \(text)")
        }
        guard value > 0 else { throw GatewayRejection(respcd: "1104", message: "\(name) must be positive") }
        return value
    }

    /// An optional integer within `range`.
    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Self.integer(text) else {
            throw GatewayRejection(respcd: "1103", message: "\(name) must be an integer, got \(text)")
        }
        guard range.contains(value) else {
            throw GatewayRejection(
                respcd: "1104", message: "\(name) must be \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
        return value
    }

    /// An amount in `currency` within the configured limit.
    func amount(_ name: String, currency: String) throws -> Int {
        let amount = try positiveInteger(name)
        if let limit = configuration.amountLimits[currency], amount > limit {
            throw GatewayRejection(
                respcd: "1104", message: "\(name) \(amount) is over the limit of \(limit) \(currency)")
        }
        return amount
    }

    /// `txcurrcd`, one of the configured currencies.
    func currency() throws -> String {
        let currency = try required("txcurrcd")
        guard configuration.amountLimits[currency] != nil else {
            throw GatewayRejection(respcd: "1104", message: "txcurrcd \(currency) is not supported")
        }
        return currency
    }

    /// A merchant order number: 1 to 128 bytes of `[A-Za-z0-9_|*]`.
    func orderNumber(_ text: String, name: String) throws -> String {
        let bytes = Array(text.utf8)
        guard bytes.count <= 128 else {
            throw GatewayRejection(respcd: "1103", message: "\(name) is longer than 128 bytes")
        }
        guard bytes.allSatisfy(Self.isOrderNumberByte) else {
            throw GatewayRejection(
                respcd: "1103", message: "\(name) may hold only letters, digits, _ | and *: \(text)")
        }
        return text
    }

    /// `out_trade_no`, required.
    func outTradeNo() throws -> String { try orderNumber(try required("out_trade_no"), name: "out_trade_no") }

    /// A time `YYYY-MM-DD HH:MM:SS`.
    func dateTime(_ name: String, required isRequired: Bool = true) throws -> Date? {
        guard let text = isRequired ? try required(name) : values[name] else { return nil }
        guard let date = time.parse(text) else {
            throw GatewayRejection(respcd: "1103", message: "\(name) must be YYYY-MM-DD HH:MM:SS, got \(text)")
        }
        return date
    }

    /// `goods_name` under the rules: required (strict) or optional, at most 20 bytes of UTF-8
    /// (strict) or 20 characters, without special characters.
    func goodsName() throws -> String? {
        let rules = configuration.rules
        guard let name = values["goods_name"] else {
            guard !rules.goodsNameRequired else {
                throw GatewayRejection(respcd: "1104", message: "goods_name is missing")
            }
            return nil
        }
        switch rules.goodsNameLimit {
        case .utf8Bytes(let limit) where name.utf8.count > limit:
            throw GatewayRejection(
                respcd: "1103", message: "goods_name is \(name.utf8.count) bytes of UTF-8, longer than \(limit)")
        case .characters(let limit) where name.unicodeScalars.count > limit:
            throw GatewayRejection(respcd: "1103", message: "goods_name is longer than \(limit) characters")
        default:
            break
        }
        let strictly = rules.goodsNameCharacters == .lettersAndDigits
        if let bad = name.unicodeScalars.first(where: { strictly ? Self.isSpecialStrictly($0) : Self.isSpecial($0) }) {
            throw GatewayRejection(
                respcd: "1103",
                message: "goods_name holds the special character U+\(String(bad.value, radix: 16, uppercase: true))")
        }
        return name
    }

    /// `udid`, optional: at most 40 characters.
    func udid() throws {
        if let udid = values["udid"], udid.unicodeScalars.count > 40 {
            throw GatewayRejection(respcd: "1103", message: "udid is longer than 40 characters")
        }
    }

    static func integer(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ (48...57).contains($0) }) else {
            return nil
        }
        return Int(text)
    }

    static func isOrderNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "|"), UInt8(ascii: "*"):
            true
        default: false
        }
    }

    /// The specification's special characters: full-width forms, the listed symbols, Greek and
    /// Cyrillic letters, ASCII `$ & |`, control characters, and anything beyond the BMP (emoji).
    static func isSpecial(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x20 || value == 0x7F || value > 0xFFFF { return true }
        if (0xFF01...0xFF60).contains(value) || (0xFFE0...0xFFE6).contains(value) { return true }
        if (0x0391...0x03C9).contains(value) || (0x0401...0x0451).contains(value) { return true }
        return specialScalars.contains(scalar)
    }

    /// The strict reading of "special characters include full-width characters and symbols": only
    /// letters, digits and combining marks pass, with the ASCII space and `-` (the list's ASCII
    /// `a`–`z` and `-` stand for their full-width forms, which are refused: the specification's own
    /// sample sends `goods_name = 'test'`). Every symbol, punctuation mark, control, full-width form
    /// (U+3000, U+FF01–U+FF60, U+FFE0–U+FFE6), Greek or Cyrillic letter, and every character beyond
    /// the BMP (emoji) is special, as are the listed ones.
    static func isSpecialStrictly(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " || scalar == "-" { return false }
        if isSpecial(scalar) || scalar.value == 0x3000 { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber,
            .letterNumber, .nonspacingMark, .spacingMark, .enclosingMark:
            return false
        default:
            return true
        }
    }

    private static let specialScalars: Set<Unicode.Scalar> = Set(
        "$&|★☆¤§°゜¨±·×÷ˇˉˊˋ˙―‖‥…‰′″※℃℅℉№℡".unicodeScalars)
}
