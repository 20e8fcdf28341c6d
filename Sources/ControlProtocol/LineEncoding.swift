/// Turns a JSON value into one protocol line: compact JSON (no raw newline can appear in it,
/// since JSON escapes control characters in strings) followed by `\n`.
enum LineEncoding {
    static func line(for value: JSONValue) -> [UInt8] {
        // A double that is NaN or infinite (which JSON cannot carry) is written as null.
        var bytes = JSONWriter.bytes(of: value)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}

extension JSONValue {
    /// The value as one protocol line, newline included (a batch answer is an array).
    public func encodedLine() -> [UInt8] { LineEncoding.line(for: self) }
}
