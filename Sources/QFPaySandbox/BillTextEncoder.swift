#if canImport(Glibc)
    import Glibc
#endif

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

    /// Wraps `iconv_open`, `iconv` and `iconv_close`: the whole text or an error, never a
    /// partial or substituted conversion.
    private static func iconv(_ text: String, to charset: String) throws -> [UInt8] {
        guard !text.isEmpty else { return [] }
        let converter = iconv_open(charset, "UTF-8")
        guard let converter, converter != iconv_t(bitPattern: -1) else {
            throw Unencodable(description: "iconv cannot convert UTF-8 to \(charset)")
        }
        defer { iconv_close(converter) }
        var input = Array(text.utf8)
        var output = [UInt8](repeating: 0, count: input.count * 4 + 16)
        let outputCount = output.count
        let (result, left, written) = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                inputBuffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: inputBuffer.count) { inputBase in
                    outputBuffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: outputCount) { outputBase in
                        var inPointer: UnsafeMutablePointer<CChar>? = inputBase
                        var inLeft = inputBuffer.count
                        var outPointer: UnsafeMutablePointer<CChar>? = outputBase
                        var outLeft = outputCount
                        let result = Glibc.iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                        return (result, inLeft, outputCount - outLeft)
                    }
                }
            }
        }
        guard result != -1, left == 0 else {
            let offset = input.count - left
            throw Unencodable(description: "the bill's text cannot be written in \(charset) (at byte \(offset))")
        }
        return Array(output.prefix(written))
    }
}
