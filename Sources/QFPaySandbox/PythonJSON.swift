/// A JSON value written exactly as Python's `json.dumps` writes it with its defaults: `", "` and
/// `": "` separators, keys in insertion order, every character outside printable ASCII escaped as
/// lower-case `\uXXXX` (surrogate pairs above U+FFFF). QFPay's gateway formats its bodies this way,
/// and response signatures are computed over these exact bytes.
public indirect enum PythonJSON: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    case array([PythonJSON])
    case object([(String, PythonJSON)])

    public static func == (lhs: PythonJSON, rhs: PythonJSON) -> Bool {
        lhs.serialized() == rhs.serialized()
    }

    /// The value's bytes as `json.dumps(value)` produces them.
    public func serialized() -> String {
        var output = ""
        write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .string(let text): Self.writeString(text, to: &output)
        case .int(let number): output += String(number)
        case .bool(let flag): output += flag ? "true" : "false"
        case .null: output += "null"
        case .array(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += ", " }
                item.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { output += ", " }
                Self.writeString(member.0, to: &output)
                output += ": "
                member.1.write(to: &output)
            }
            output += "}"
        }
    }

    private static func writeString(_ text: String, to output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            default:
                if scalar.value >= 0x20 && scalar.value < 0x7F {
                    output.unicodeScalars.append(scalar)
                } else if scalar.value > 0xFFFF {
                    let value = scalar.value - 0x10000
                    output += hexEscape(0xD800 + (value >> 10))
                    output += hexEscape(0xDC00 + (value & 0x3FF))
                } else {
                    output += hexEscape(scalar.value)
                }
            }
        }
        output += "\""
    }

    private static func hexEscape(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension PythonJSON {
    /// Looks a member up by name in an object; `nil` for other values.
    public subscript(key: String) -> PythonJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }
}
