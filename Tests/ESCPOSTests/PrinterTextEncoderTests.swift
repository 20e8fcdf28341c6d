import ESCPOS
import Testing

@Suite("Japanese text encoding")
struct PrinterTextEncoderTests {
    let epson = PrinterTextEncoder(profile: try! .named("epson-tm-t88-jp"))
    let citizen = PrinterTextEncoder(profile: try! .named("citizen-ct-s310"))
    let sunmi = PrinterTextEncoder(profile: try! .named("sunmi-58"))
    let generic = PrinterTextEncoder(profile: try! .named("generic-58"))

    @Test("Kanji, hiragana and katakana become Shift-JIS, two columns each")
    func kanji() {
        let result = epson.encode("日本語かなカナ")
        #expect(result.bytes == [0x93, 0xFA, 0x96, 0x7B, 0x8C, 0xEA, 0x82, 0xA9, 0x82, 0xC8, 0x83, 0x4A, 0x83, 0x69])
        #expect(result.columns == 14)
        #expect(result.replacements == 0)
    }

    @Test("ASCII passes through, one column each")
    func ascii() {
        let result = epson.encode("Total 1,200")
        #expect(result.bytes == Array("Total 1,200".utf8))
        #expect(result.columns == 11)
    }

    @Test("the yen sign is 0x5C under ESC R 8, and backslash and tilde do not print as ¥ and ‾")
    func yenSign() {
        #expect(epson.encode("¥").bytes == [0x5C])
        #expect(epson.encode("\\").bytes == [0x81, 0x5F])
        #expect(epson.encode("~").bytes == [0x81, 0x60])
        #expect(generic.encode("¥").bytes == [0x3F])
        #expect(generic.encode("\\~").bytes == [0x5C, 0x7E])
    }

    @Test("half-width katakana use the katakana page, or become full width where there is none")
    func halfWidthKatakana() {
        #expect(epson.encode("ｱｲｳ").bytes == [0xB1, 0xB2, 0xB3])
        #expect(epson.encode("ｱｲｳ").columns == 3)
        // Printers that need FS & leave Kanji mode around single-byte katakana.
        #expect(citizen.encode("日ｱ日").bytes == [0x93, 0xFA, 0x1C, 0x2E, 0xB1, 0x1C, 0x26, 0x93, 0xFA])
        #expect(citizen.encode("ｱ").bytes == [0x1C, 0x2E, 0xB1, 0x1C, 0x26])
        // No katakana page but Kanji: full-width katakana.
        #expect(sunmi.encode("ｱ").bytes == [0x83, 0x41])
    }

    @Test("wave dash and full-width tilde both print as 0x8160")
    func waveDash() {
        #expect(epson.encode("〜").bytes == [0x81, 0x60])
        #expect(epson.encode("～").bytes == [0x81, 0x60])
        #expect(epson.encode("−").bytes == [0x81, 0x7C])
    }

    @Test("emoji and characters outside JIS X 0208 become one geta mark each")
    func outsideShiftJIS() {
        let result = epson.encode("A😀B👨‍👩‍👧C🇯🇵髙D")
        #expect(result.bytes == [0x41, 0x81, 0xAC, 0x42, 0x81, 0xAC, 0x43, 0x81, 0xAC, 0x81, 0xAC, 0x44])
        #expect(result.replacements == 4)
        #expect(result.columns == 12)
    }

    @Test("control characters are replaced with a question mark, never sent")
    func controlCharacters() {
        let result = epson.encode("a\u{1B}@b\u{00}c\u{07}\td\u{7F}\u{85}")
        #expect(result.bytes == Array("a?@b?c??d??".utf8))
        #expect(!result.bytes.contains { $0 < 0x20 })
    }

    @Test("Japanese on a printer without Kanji is replaced visibly")
    func noKanji() {
        let result = generic.encode("日本 OK")
        #expect(result.bytes == Array("?? OK".utf8))
        #expect(result.replacements == 2)
    }

    @Test("a kana with a combining voiced mark prints as the composed kana")
    func combiningMarks() {
        #expect(epson.encode("か\u{3099}").bytes == epson.encode("が").bytes)
        #expect(epson.encode("ハ\u{309A}").bytes == epson.encode("パ").bytes)
        #expect(epson.encode("あ\u{3099}").bytes == [0x81, 0xAC])
    }

    @Test("typographic bullets and dashes get readable stand-ins")
    func aliases() {
        #expect(epson.encode("oX••9").bytes == Array("oX**9".utf8))
        #expect(generic.encode("a–b").bytes == Array("a-b".utf8))
    }

    @Test("every byte of a hostile string is printable or a well-formed Shift-JIS pair")
    func hostileInput() {
        var text = ""
        for value in [0x01, 0x1B, 0x1D, 0x10, 0x0A, 0x7F, 0x80, 0x9F, 0xA5, 0xFF61, 0xFFFD, 0x1F600, 0xE000, 0x2603] {
            text.unicodeScalars.append(Unicode.Scalar(UInt32(value))!)
        }
        text += String(repeating: "商品名", count: 3_000)
        let bytes = epson.encode(text).bytes
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if (0x81...0x9F).contains(byte) || (0xE0...0xEA).contains(byte) {
                #expect(index + 1 < bytes.count)
                #expect((0x40...0xFC).contains(bytes[index + 1]))
                index += 2
            } else {
                #expect((0x20...0x7E).contains(byte) || (0xA1...0xDF).contains(byte))
                index += 1
            }
        }
    }
}
