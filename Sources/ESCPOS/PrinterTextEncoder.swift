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
        for character in text {
            let scalars = character.unicodeScalars
            var code = scalars.count == 1 ? map(scalars.first!) : mapCluster(scalars)
            if code == nil { result.replacements += 1 }
            if code == nil { code = replacement(for: scalars.first!) }
            let value = code!
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

    /// A cluster of several scalars: a kana with a combining (semi-)voiced mark, or a character
    /// with variation selectors; anything else (emoji sequences, flags) has no printer code.
    private func mapCluster(_ scalars: Character.UnicodeScalarView) -> UInt16? {
        var iterator = scalars.makeIterator()
        guard let base = iterator.next() else { return nil }
        var value = base.value
        while let mark = iterator.next() {
            switch mark.value {
            case 0xFE00...0xFE0F: continue
            case 0x3099: value += 1  // combining voiced sound mark: か + ゙ = が
            case 0x309A: value += 2  // combining semi-voiced sound mark: は + ゚ = ぱ
            default: return nil
            }
        }
        guard value < 0x1_0000, let composed = Unicode.Scalar(value) else { return nil }
        if value != base.value, !Self.voicedKana.contains(composed) { return nil }
        return map(composed)
    }

    private static let voicedKana: Set<Unicode.Scalar> = Set(
        "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポ".unicodeScalars)

    private static let fullWidthForHalfWidthKatakana: [Unicode.Scalar] = Array(
        "。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン゛゜"
            .unicodeScalars)
}
