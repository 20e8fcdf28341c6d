/// Text as a printer takes it: bytes in the printer's character set and the columns they fill.
public struct EncodedText: Sendable, Hashable {
    /// Bytes to send, including any `FS .` / `FS &` switches the profile needs around half-width katakana.
    public var bytes: [UInt8]
    /// Columns filled in font A at normal size: 1 per half-width, 2 per full-width character.
    public var columns: Int
    /// How many characters (grapheme clusters) were replaced because the printer cannot print them.
    public var replacements: Int

    /// Empty text.
    public init() {
        self.bytes = []
        self.columns = 0
        self.replacements = 0
    }
}

/// Converts Swift strings into the byte encoding a printer profile understands: ASCII, half-width
/// katakana (`ESC t 1`), Shift-JIS Kanji (JIS X 0208), and the yen sign at 0x5C under `ESC R 8`.
///
/// Whatever the printer cannot print is replaced visibly, one replacement per user-perceived
/// character: `〓` (geta mark, full width) on Kanji printers, `?` otherwise. Control characters,
/// emoji and characters outside JIS X 0208 are never sent as raw bytes.
public struct PrinterTextEncoder: Sendable {
    /// The profile whose character sets are used.
    public let profile: PrinterProfile

    private let kanji: Bool
    private let japanSet: Bool

    /// Creates an encoder for `profile`.
    public init(profile: PrinterProfile) {
        self.profile = profile
        self.kanji = profile.kanji != .none
        self.japanSet = profile.internationalCharacterSet == 8
    }

    /// Whether the printer can print `¥` (under `ESC R 8` or as a full-width Kanji).
    public var canPrintYenSign: Bool { japanSet || kanji }

    /// Whether the printer can print Japanese text (Kanji and kana).
    public var canPrintJapanese: Bool { kanji }

    /// Encodes `text`.
    public func encode(_ text: String) -> EncodedText {
        var result = EncodedText()
        encode(text, into: &result)
        return result
    }

    /// Columns `text` fills when printed.
    public func columns(_ text: String) -> Int {
        if isPlainASCII(text) { return text.utf8.count }
        return encode(text).columns
    }

    /// Appends the encoding of `text` to `result`.
    public func encode(_ text: String, into result: inout EncodedText) {
        if isPlainASCII(text) {
            result.bytes.append(contentsOf: text.utf8)
            result.columns += text.utf8.count
            return
        }
        var inSingleByteKatakana = false
        var scalars = text.unicodeScalars.makeIterator()
        var next = scalars.next()
        while let base = next {
            // One user-perceived character: a base scalar and the marks that extend it.
            next = scalars.next()
            var voicing: UInt32 = 0
            var unprintable = false
            if Self.isRegionalIndicator(base.value), let pair = next, Self.isRegionalIndicator(pair.value) {
                next = scalars.next()
                unprintable = true
            }
            while let mark = next {
                let value = mark.value
                if value == 0x3099 || value == 0x309A {
                    voicing += value == 0x3099 ? 1 : 2
                } else if value == 0x200D {  // zero-width joiner: the next scalar is part of this character
                    unprintable = true
                    next = scalars.next()
                } else if Self.isVariationSelector(value) {
                    // ignored: the printer has one form of each character
                } else if Self.isExtending(value) {
                    unprintable = true
                } else {
                    break
                }
                next = next == nil ? nil : scalars.next()
            }
            var code: UInt16?
            if !unprintable {
                if voicing == 0 {
                    code = map(base)
                } else if let composed = Unicode.Scalar(base.value + voicing), Self.voicedKana.contains(composed) {
                    code = map(composed)
                }
            }
            if code == nil { result.replacements += 1 }
            let value = code ?? replacement(for: base)
            let isKatakanaByte = value >= 0xA1 && value <= 0xDF
            if profile.kanji == .kanjiModeShiftJIS, isKatakanaByte != inSingleByteKatakana {
                // In Kanji mode some printers take every byte >= 0x80 as a lead byte: leave Kanji
                // mode (FS .) for half-width katakana and come back (FS &) afterwards.
                result.bytes.append(contentsOf: isKatakanaByte ? [0x1C, 0x2E] : [0x1C, 0x26])
                inSingleByteKatakana = isKatakanaByte
            }
            if value > 0xFF {
                result.bytes.append(UInt8(value >> 8))
                result.bytes.append(UInt8(value & 0xFF))
                result.columns += 2
            } else {
                result.bytes.append(UInt8(value))
                result.columns += 1
            }
        }
        if inSingleByteKatakana { result.bytes.append(contentsOf: [0x1C, 0x26]) }
    }

    private func isPlainASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x5C && $0 != 0x7E }
    }

    private func replacement(for scalar: Unicode.Scalar) -> UInt16 {
        if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { return 0x3F }
        return kanji ? 0x81AC : 0x3F
    }

    /// The printer code of one scalar: a byte (≤ 0xFF) or a two-byte Shift-JIS code, or nil.
    private func map(_ scalar: Unicode.Scalar) -> UInt16? {
        let value = scalar.value
        switch value {
        case 0x5C:  // backslash: 0x5C prints ¥ under ESC R 8
            if !japanSet { return 0x5C }
            return kanji ? 0x815F : nil
        case 0x7E:  // tilde: 0x7E prints ‾ under ESC R 8
            if !japanSet { return 0x7E }
            return kanji ? 0x8160 : nil
        case 0x20..<0x7F:
            return UInt16(value)
        case 0xA5:  // ¥
            if japanSet { return 0x5C }
            return kanji ? 0x818F : nil
        case 0x203E:  // ‾
            return japanSet ? 0x7E : lookup(value)
        case 0xFF61...0xFF9F:  // half-width katakana
            if profile.katakana { return UInt16(value - 0xFF61 + 0xA1) }
            guard kanji else { return nil }
            let index = Int(value - 0xFF61)
            return lookup(Self.fullWidthForHalfWidthKatakana[index].value)
        default:
            if let code = lookup(value) { return code }
            guard let alias = Self.alias(value) else { return nil }
            return alias.value < 0x80 ? UInt16(alias.value) : lookup(alias.value)
        }
    }

    /// A stand-in for common typographic characters outside JIS X 0208 (or outside ASCII on
    /// printers without Kanji): bullets become `・` or `*`, dashes `-`, curly quotes straight ones.
    private static func alias(_ value: UInt32) -> Unicode.Scalar? {
        switch value {
        case 0x2022, 0x00B7, 0x2219, 0x25CF: return "*"
        case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFF0D: return "-"
        case 0x2018, 0x2019: return "'"
        case 0x201C, 0x201D: return "\""
        case 0x00A0, 0x2002, 0x2003, 0x2009: return " "
        case 0x2026: return "."
        default: return nil
        }
    }

    private func lookup(_ value: UInt32) -> UInt16? {
        guard kanji, value < 0x1_0000 else { return nil }
        let code = ShiftJISTable.encoding[Int(value)]
        return code == 0 ? nil : code
    }

    private static func isRegionalIndicator(_ value: UInt32) -> Bool { (0x1F1E6...0x1F1FF).contains(value) }

    private static func isVariationSelector(_ value: UInt32) -> Bool {
        (0xFE00...0xFE0F).contains(value) || (0xE0100...0xE01EF).contains(value)
    }

    /// Combining marks, emoji modifiers, tags and keycaps: they make the character unprintable.
    private static func isExtending(_ value: UInt32) -> Bool {
        switch value {
        case 0x0300...0x036F, 0x1AB0...0x1AFF, 0x1DC0...0x1DFF, 0x20D0...0x20FF, 0xFE20...0xFE2F, 0x200C,
            0x1F3FB...0x1F3FF, 0xE0020...0xE007F:
            return true
        default:
            return false
        }
    }

    private static let voicedKana: Set<Unicode.Scalar> = Set(
        "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポ".unicodeScalars)

    private static let fullWidthForHalfWidthKatakana: [Unicode.Scalar] = Array(
        "。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン゛゜"
            .unicodeScalars)
}
