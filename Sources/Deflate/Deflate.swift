import CZlib

/// Raw deflate (RFC 1951, no zlib or gzip wrapper), as zip archives store method-8 entries, and
/// CRC-32, through the system's zlib. The only module that imports `CZlib`.
public enum Deflate {
    /// Compresses `bytes` into one raw deflate stream. Wraps `deflateInit2` with windowBits −15
    /// (raw), `deflate(Z_FINISH)` and `deflateEnd`.
    public static func compress(_ bytes: [UInt8], level: Int32 = Z_BEST_COMPRESSION) throws(DeflateError) -> [UInt8] {
        var stream = z_stream()
        let initialised = CZlib_deflateInit2(&stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY)
        guard initialised == Z_OK else { throw DeflateError("deflateInit2 failed", code: initialised) }
        defer { deflateEnd(&stream) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 16)
        let outputCount = output.count
        let status = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = uInt(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = uInt(outputCount)
                return deflate(&stream, Z_FINISH)
            }
        }
        // deflateBound guarantees room for the whole stream in one call.
        guard status == Z_STREAM_END else { throw DeflateError("deflate did not finish", code: status) }
        return Array(output.prefix(Int(stream.total_out)))
    }

    /// Inflates one raw deflate stream that must hold exactly `expectedSize` bytes and end where
    /// `bytes` ends. Wraps `inflateInit2` with windowBits −15 (raw), `inflate` and `inflateEnd`.
    public static func decompress(_ bytes: [UInt8], expectedSize: Int) throws(DeflateError) -> [UInt8] {
        guard expectedSize >= 0 else { throw DeflateError("negative expected size") }
        var stream = z_stream()
        let initialised = CZlib_inflateInit2(&stream, -15)
        guard initialised == Z_OK else { throw DeflateError("inflateInit2 failed", code: initialised) }
        defer { inflateEnd(&stream) }
        var input = bytes
        // One byte more than expected, so that a stream longer than announced is noticed.
        var output = [UInt8](repeating: 0, count: expectedSize + 1)
        let outputCount = output.count
        let status = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = uInt(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = uInt(outputCount)
                return inflate(&stream, Z_FINISH)
            }
        }
        let produced = Int(stream.total_out)
        switch status {
        case Z_STREAM_END:
            guard produced == expectedSize else {
                throw DeflateError("the stream holds \(produced) bytes, \(expectedSize) were announced")
            }
            guard stream.avail_in == 0 else {
                throw DeflateError("\(stream.avail_in) bytes follow the end of the deflate stream")
            }
            return Array(output.prefix(produced))
        case Z_BUF_ERROR where produced > expectedSize, Z_OK where produced > expectedSize:
            throw DeflateError("the stream holds more than the \(expectedSize) bytes announced")
        case Z_BUF_ERROR:
            throw DeflateError("the deflate stream is truncated after \(produced) bytes")
        case Z_DATA_ERROR:
            let message = stream.msg.map { String(cString: $0) } ?? "invalid data"
            throw DeflateError("the deflate stream is corrupt (\(message))", code: status)
        default:
            throw DeflateError("inflate failed", code: status)
        }
    }

    /// CRC-32 (ISO-HDLC), as zip records it. Wraps zlib's `crc32`.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(CZlib.crc32(0, buffer.baseAddress, uInt(buffer.count)))
        }
    }
}

/// Why zlib refused: a message naming what is wrong, and zlib's status code when there is one.
public struct DeflateError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// zlib's return code (`Z_DATA_ERROR`, ...), when zlib gave one.
    public var code: Int32?

    public init(_ message: String, code: Int32? = nil) {
        self.message = message
        self.code = code
    }

    public var description: String { code.map { "\(message) (zlib \($0))" } ?? message }
}

extension Deflate {
    /// The version of the zlib loaded (wraps `zlibVersion`).
    public static var libraryVersion: String { String(cString: zlibVersion()) }
}
