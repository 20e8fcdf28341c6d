import Glibc

/// The JIS X 0208 part of Shift-JIS, built once from glibc's iconv converters (`CP932` and
/// `SHIFT_JIS`) rather than from a hand-made table.
///
/// Only codes whose lead byte is in the JIS X 0208 rows (0x81–0x84, 0x88–0x9F, 0xE0–0xEA) are
/// kept: vendor extensions (NEC row 13 at 0x87, IBM extensions at 0xED–0xEE and 0xFA–0xFC) are
/// not in the printers' Kanji fonts, so characters that need them are replaced instead.
enum ShiftJISTable {
    /// Unicode BMP scalar value → two-byte Shift-JIS code, 0 when there is none.
    static let encoding: [UInt16] = tables.encoding
    /// Two-byte Shift-JIS code → Unicode scalar value, 0 when the code is unassigned.
    static let decoding: [UInt32] = tables.decoding

    /// Lead bytes of the JIS X 0208 rows.
    static func isJISX0208Lead(_ byte: UInt8) -> Bool {
        (0x81...0x84).contains(byte) || (0x88...0x9F).contains(byte) || (0xE0...0xEA).contains(byte)
    }

    /// Any Shift-JIS lead byte (what a printer in Kanji mode takes as the first of two bytes).
    static func isLead(_ byte: UInt8) -> Bool {
        (0x81...0x9F).contains(byte) || (0xE0...0xFC).contains(byte)
    }

    private static let tables: (encoding: [UInt16], decoding: [UInt32]) = build()

    private static func build() -> (encoding: [UInt16], decoding: [UInt32]) {
        var encoding = [UInt16](repeating: 0, count: 0x1_0000)
        var decoding = [UInt32](repeating: 0, count: 0x1_0000)
        // CP932 first: its mapping (U+FF5E for 0x8160, U+FF0D for 0x817C) is what decoding yields;
        // SHIFT_JIS then adds the JIS mappings (U+301C, U+2212) as further sources of the same codes.
        for converterName in ["CP932", "SHIFT_JIS"] {
            let converter = iconv_open("UTF-32LE", converterName)
            guard let converter, converter != iconv_t(bitPattern: -1) else { continue }
            defer { iconv_close(converter) }
            for lead in UInt8(0x81)...UInt8(0xEA) where isJISX0208Lead(lead) {
                for trail in UInt8(0x40)...UInt8(0xFC) where trail != 0x7F {
                    guard let scalar = convert(converter, [lead, trail]), scalar < 0x1_0000 else { continue }
                    let code = UInt16(lead) << 8 | UInt16(trail)
                    if decoding[Int(code)] == 0 { decoding[Int(code)] = scalar }
                    if encoding[Int(scalar)] == 0 { encoding[Int(scalar)] = code }
                }
            }
        }
        return (encoding, decoding)
    }

    /// Converts one two-byte code to one UTF-32 scalar with `iconv`, or nil when unassigned.
    private static func convert(_ converter: iconv_t, _ bytes: [UInt8]) -> UInt32? {
        var input = bytes.map { CChar(bitPattern: $0) }
        var output = [UInt8](repeating: 0, count: 16)
        _ = iconv(converter, nil, nil, nil, nil)
        let produced: Int? = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBytes { outBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress
                var inLeft = inBuffer.count
                var outPointer: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress?.assumingMemoryBound(
                    to: CChar.self)
                var outLeft = outBuffer.count
                let result = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                guard result != -1, inLeft == 0 else { return nil }
                return outBuffer.count - outLeft
            }
        }
        guard produced == 4 else { return nil }
        return UInt32(output[0]) | UInt32(output[1]) << 8 | UInt32(output[2]) << 16 | UInt32(output[3]) << 24
    }
}
