import Foundation

/// A QFPay JSON object read leniently: numbers and strings are interchangeable, as QFPay mixes them
/// (`"txamt": "10"` and `10`). Used only while parsing, never stored.
struct JSONBody {
    let object: [String: Any]

    init(object: [String: Any]) { self.object = object }

    /// The object in `bytes`, or nil when they are not a JSON object.
    init?(bytes: [UInt8]) {
        guard let value = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]),
            let object = value as? [String: Any]
        else { return nil }
        self.object = object
    }

    /// The value of `key` as text: strings as they are, numbers in their shortest form, null as nil.
    func string(_ key: String) -> String? { Self.text(object[key]) }

    /// The value of `key` as text, nil when absent or empty.
    func nonEmpty(_ key: String) -> String? {
        guard let text = string(key), !text.isEmpty else { return nil }
        return text
    }

    /// The value of `key` as an integer, from a number or a string of digits.
    func int(_ key: String) -> Int? {
        guard let text = string(key)?.trimmingWhitespace() else { return nil }
        if let value = Int(text) { return value }
        if let value = Double(text), value == value.rounded(), abs(value) < 9e15 { return Int(value) }
        return nil
    }

    /// The objects of the list under `key`.
    func objects(_ key: String) -> [JSONBody] {
        (object[key] as? [Any] ?? []).compactMap { ($0 as? [String: Any]).map(JSONBody.init(object:)) }
    }

    /// Every scalar member as text (nested lists and objects left out).
    var scalarFields: [String: String] {
        var fields: [String: String] = [:]
        for (key, value) in object {
            if let text = Self.text(value) { fields[key] = text }
        }
        return fields
    }

    static func text(_ value: Any?) -> String? {
        switch value {
        case nil: return nil
        case let string as String: return string
        case let bool as Bool where type(of: value!) == Bool.self: return bool ? "true" : "false"
        case let number as NSNumber:
            let double = number.doubleValue
            if double == double.rounded(), abs(double) < 9e15 { return String(Int64(double)) }
            return number.stringValue
        case let int as Int: return String(int)
        case let double as Double: return String(double)
        default: return nil
        }
    }
}
