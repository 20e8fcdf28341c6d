/// Parses one JSON text (RFC 8259) into a ``JSONValue``, straight from the line's bytes: every
/// request the till sends is read here, and going through `Decodable` cost a thrown error for
/// each member whose type was guessed wrong.
///
/// What it accepts and yields is what Foundation's `JSONDecoder` gave the protocol before, except
/// that trailing commas (`[1,]`, `{"a":1,}`), which are not JSON, are refused:
/// - a number is an `integer` when it has an exact `Int64` value (`12`, `1.0`, `1e3`), else a
///   `double`; one out of `Double`'s range is refused;
/// - of a repeated member name the first value is kept;
/// - escapes are decoded, surrogate pairs joined, a lone surrogate refused;
/// - nesting deeper than 512 arrays or objects is refused.
enum JSONParser {
    /// Why a text is not JSON: an offset into the bytes and what was wrong there.
    struct Failure: Error, Sendable, Equatable {
        var offset: Int
        var reason: String
    }

    static let maximumDepth = 512

    static func parse(_ bytes: some Collection<UInt8>) throws(Failure) -> JSONValue {
        let buffer = Array(bytes)
        guard isValidUTF8(buffer) else { throw Failure(offset: 0, reason: "the text is not valid UTF-8") }
        return try parse(validUTF8: buffer)
    }

    static func isValidUTF8(_ bytes: [UInt8]) -> Bool { String(validating: bytes, as: UTF8.self) != nil }

    /// ``parse(_:)`` of bytes the caller has checked are UTF-8 (a control line).
    static func parse(validUTF8 buffer: [UInt8]) throws(Failure) -> JSONValue {
        var parser = Cursor(bytes: buffer)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.offset == buffer.count else { throw parser.failure("text after the JSON value") }
        return value
    }

    private struct Cursor {
        let bytes: [UInt8]
        var offset = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func failure(_ reason: String) -> Failure { Failure(offset: offset, reason: reason) }

        var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { offset += 1 }
        }

        mutating func expect(_ byte: UInt8) throws(Failure) {
            guard current == byte else { throw failure("expected \(Character(Unicode.Scalar(byte)))") }
            offset += 1
        }

        mutating func literal(_ word: String, _ value: JSONValue) throws(Failure) -> JSONValue {
            for byte in word.utf8 {
                guard current == byte else { throw failure("invalid literal") }
                offset += 1
            }
            return value
        }

        mutating func value(depth: Int) throws(Failure) -> JSONValue {
            guard let byte = current else { throw failure("unexpected end of the text") }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw failure("unexpected character")
            }
        }

        mutating func object(depth: Int) throws(Failure) -> JSONValue {
            guard depth <= JSONParser.maximumDepth else { throw failure("nested too deeply") }
            offset += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                offset += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw failure("expected a member name") }
                let key = try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                let member = try value(depth: depth)
                if members[key] == nil { members[key] = member }
                skipWhitespace()
                if current == UInt8(ascii: ",") {
                    offset += 1
                    continue
                }
                try expect(UInt8(ascii: "}"))
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws(Failure) -> JSONValue {
            guard depth <= JSONParser.maximumDepth else { throw failure("nested too deeply") }
            offset += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                offset += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth))
                skipWhitespace()
                if current == UInt8(ascii: ",") {
                    offset += 1
                    continue
                }
                try expect(UInt8(ascii: "]"))
                return .array(elements)
            }
        }

        mutating func string() throws(Failure) -> String {
            offset += 1  // the opening quote
            let start = offset
            // The common case: no escape, so the bytes are the string (they are valid UTF-8).
            while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                guard byte >= 0x20 else { throw failure("a control character in a string") }
                offset += 1
            }
            guard let stop = current else { throw failure("unterminated string") }
            if stop == UInt8(ascii: "\"") {
                offset += 1
                return String(decoding: bytes[start..<(offset - 1)], as: UTF8.self)
            }
            var scalars = Array(bytes[start..<offset])
            while let byte = current {
                switch byte {
                case UInt8(ascii: "\""):
                    offset += 1
                    return String(decoding: scalars, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    offset += 1
                    guard let escaped = current else { throw failure("unterminated escape") }
                    offset += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
                    case UInt8(ascii: "b"): scalars.append(0x08)
                    case UInt8(ascii: "f"): scalars.append(0x0C)
                    case UInt8(ascii: "n"): scalars.append(0x0A)
                    case UInt8(ascii: "r"): scalars.append(0x0D)
                    case UInt8(ascii: "t"): scalars.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = UInt32(try hex4())
                        if (0xD800..<0xDC00).contains(code) {
                            guard current == UInt8(ascii: "\\"), offset + 1 < bytes.count,
                                bytes[offset + 1] == UInt8(ascii: "u")
                            else { throw failure("a lone surrogate") }
                            offset += 2
                            let low = UInt32(try hex4())
                            guard (0xDC00..<0xE000).contains(low) else { throw failure("a lone surrogate") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00..<0xE000).contains(code) {
                            throw failure("a lone surrogate")
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw failure("an invalid escape") }
                        scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: throw failure("an invalid escape")
                    }
                default:
                    guard byte >= 0x20 else { throw failure("a control character in a string") }
                    scalars.append(byte)
                    offset += 1
                }
            }
            throw failure("unterminated string")
        }

        mutating func hex4() throws(Failure) -> UInt16 {
            var code: UInt16 = 0
            for _ in 0..<4 {
                guard let byte = current else { throw failure("unterminated escape") }
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw failure("an invalid \\u escape")
                }
                code = code << 4 | UInt16(digit)
                offset += 1
            }
            return code
        }

        mutating func digits() -> Int {
            let start = offset
            while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { offset += 1 }
            return offset - start
        }

        mutating func number() throws(Failure) -> JSONValue {
            let start = offset
            if current == UInt8(ascii: "-") { offset += 1 }
            let leadingZero = current == UInt8(ascii: "0")
            let integerDigits = digits()
            guard integerDigits > 0 else { throw failure("a number without digits") }
            guard !leadingZero || integerDigits == 1 else { throw failure("a number with a leading zero") }
            var integral = true
            if current == UInt8(ascii: ".") {
                offset += 1
                guard digits() > 0 else { throw failure("a fraction without digits") }
                integral = false
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                offset += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
                guard digits() > 0 else { throw failure("an exponent without digits") }
                integral = false
            }
            let text = String(decoding: bytes[start..<offset], as: UTF8.self)
            if integral, let exact = Int64(text) { return .integer(exact) }
            guard let number = Double(text), number.isFinite else { throw failure("a number out of range") }
            if !integral, number == number.rounded(.towardZero), let exact = Int64(exactly: number) {
                return .integer(exact)
            }
            return .double(number)
        }
    }
}
