import Iconv

/// Encodes the bill's text in the configured encoding: UTF-8 (with or without a byte order mark)
/// directly, GB18030 and CP932 (Windows' Shift_JIS) through glibc's iconv.
enum BillTextEncoder {
    struct Unencodable: Error, CustomStringConvertible {
        var description: String
    }

    static func encode(_ text: String, as encoding: TradeBillFormat.Encoding) throws -> [UInt8] {
        switch encoding {
        case .utf8BOM: return [0xEF, 0xBB, 0xBF] + Array(text.utf8)
        case .utf8: return Array(text.utf8)
        case .gb18030: return try iconv(text, to: "GB18030")
        case .shiftJIS: return try iconv(text, to: "CP932")
        }
    }

    /// The whole text in `charset`, or an error naming where it stopped.
    private static func iconv(_ text: String, to charset: String) throws -> [UInt8] {
        do {
            return try Iconv.convert(Array(text.utf8), from: "UTF-8", to: charset)
        } catch {
            guard let offset = error.offset else { throw Unencodable(description: error.description) }
            throw Unencodable(description: "the bill's text cannot be written in \(charset) (at byte \(offset))")
        }
    }
}
