import Foundation

/// Glyphs of a GNU Unifont `.hex` file (Debian's `unifont` package): one line per code point,
/// `XXXX:` and 32 or 64 hex digits, a 16-dot-high glyph 8 or 16 dots wide. The preview draws
/// Kanji and kana with it; the file is read once per image for just the characters it needs, so
/// nothing stays in memory between previews.
public struct HexFont: Sendable {
    /// One glyph: `rows` top to bottom, bit 15 the leftmost dot (8-dot glyphs use bits 15...8).
    public struct Glyph: Sendable, Equatable {
        public var width: Int
        public var rows: [UInt16]

        /// Whether the dot at (`x`, `y`) is black.
        public func isSet(x: Int, y: Int) -> Bool { rows[y] & (0x8000 >> UInt16(x)) != 0 }
    }

    /// Debian's Unifont files, Japanese glyph forms first.
    public static let systemPaths = ["/usr/share/unifont/unifont_jp.hex", "/usr/share/unifont/unifont.hex"]

    /// The first of `systemPaths` that exists, or nil (then previews draw boxes).
    public static var system: HexFont? {
        systemPaths.first { FileManager.default.isReadableFile(atPath: $0) }.map { HexFont(path: $0) }
    }

    /// The `.hex` file.
    public let path: String

    public init(path: String) { self.path = path }

    /// The glyphs of `scalars` that the file has (one pass over it; an unreadable file gives none).
    public func glyphs(for scalars: Set<UInt32>) -> [UInt32: Glyph] {
        guard !scalars.isEmpty, let data = FileManager.default.contents(atPath: path) else { return [:] }
        var found: [UInt32: Glyph] = [:]
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var index = 0
            while index < bytes.count, found.count < scalars.count {
                var lineEnd = index
                while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
                defer { index = lineEnd + 1 }
                var cursor = index
                var codePoint: UInt32 = 0
                while cursor < lineEnd, bytes[cursor] != UInt8(ascii: ":"), let digit = Self.hexValue(bytes[cursor]) {
                    codePoint = codePoint << 4 | UInt32(digit)
                    cursor += 1
                }
                guard cursor < lineEnd, bytes[cursor] == UInt8(ascii: ":"), scalars.contains(codePoint) else {
                    continue
                }
                if let glyph = Self.glyph(bytes[(cursor + 1)..<lineEnd]) { found[codePoint] = glyph }
            }
        }
        return found
    }

    private static func glyph(_ digits: Slice<UnsafeRawBufferPointer>) -> Glyph? {
        let values = digits.compactMap(hexValue)
        guard values.count == digits.count, values.count == 32 || values.count == 64 else { return nil }
        let width = values.count == 32 ? 8 : 16
        let perRow = width / 4
        let rows = (0..<16).map { row -> UInt16 in
            var bits: UInt16 = 0
            for digit in values[(row * perRow)..<((row + 1) * perRow)] { bits = bits << 4 | UInt16(digit) }
            return width == 8 ? bits << 8 : bits
        }
        return Glyph(width: width, rows: rows)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
