/// Turns a JSON value into one protocol line: compact JSON (no raw newline can appear in it,
/// since JSON escapes control characters in strings) followed by `\n`.
enum LineEncoding {
    static func line(for value: JSONValue) -> [UInt8] {
        // Encoding a JSONValue cannot fail: it holds no non-finite numbers the encoder rejects,
        // except a double that is NaN or infinite, which is written as null instead.
        var bytes =
            (try? JSONCoding.encoder.encode(value.replacingNonFiniteNumbers())).map(Array.init) ?? Array("null".utf8)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}

extension JSONValue {
    fileprivate func replacingNonFiniteNumbers() -> JSONValue {
        switch self {
        case .double(let value) where !value.isFinite: .null
        case .array(let elements): .array(elements.map { $0.replacingNonFiniteNumbers() })
        case .object(let members): .object(members.mapValues { $0.replacingNonFiniteNumbers() })
        default: self
        }
    }
}

extension JSONValue {
    /// The value as one protocol line, newline included (a batch answer is an array).
    public func encodedLine() -> [UInt8] { LineEncoding.line(for: self) }
}
