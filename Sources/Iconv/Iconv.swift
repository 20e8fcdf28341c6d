import Glibc

/// Converts text between character sets with glibc's iconv: the trade bill's GB18030 and CP932
/// (Windows' Shift_JIS), read by the reconciler and written by the sandbox.
public enum Iconv {
    /// A conversion that iconv cannot make, or cannot make for every byte.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        /// Where the input stopped converting, in bytes; `nil` when iconv knows neither charset.
        public let offset: Int?
    }

    /// `bytes` from `source` to `target`: the whole input or an error, never a partial or
    /// substituted conversion. Wraps `iconv_open`, `iconv` and `iconv_close`.
    public static func convert(_ bytes: [UInt8], from source: String, to target: String) throws(Failure) -> [UInt8] {
        guard !bytes.isEmpty else { return [] }
        let converter = iconv_open(target, source)
        guard let converter, converter != iconv_t(bitPattern: -1) else {
            throw Failure(description: "iconv cannot convert \(source) to \(target)", offset: nil)
        }
        defer { iconv_close(converter) }
        var input = bytes
        // Four bytes out for each byte in is the most any of these charsets grows (to UTF-8).
        var output = [UInt8](repeating: 0, count: bytes.count * 4 + 16)
        let outputCount = output.count
        let (result, left, written) = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                inputBuffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: inputBuffer.count) { inputBase in
                    outputBuffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: outputCount) { outputBase in
                        var inPointer: UnsafeMutablePointer<CChar>? = inputBase
                        var inLeft = inputBuffer.count
                        var outPointer: UnsafeMutablePointer<CChar>? = outputBase
                        var outLeft = outputCount
                        let result = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                        return (result, inLeft, outputCount - outLeft)
                    }
                }
            }
        }
        guard result != -1, left == 0 else {
            let offset = bytes.count - left
            throw Failure(description: "cannot convert \(source) to \(target) at byte \(offset)", offset: offset)
        }
        return Array(output.prefix(written))
    }
}
