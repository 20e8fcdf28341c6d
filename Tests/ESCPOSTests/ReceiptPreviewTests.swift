import ESCPOS
import Foundation
import QRCode
import TestSupport
import Testing

@Suite("Previews")
struct ReceiptPreviewTests {
    @Test("decoding gives back the Japanese text and the native QR payload")
    func decodesText() throws {
        let profile = try PrinterProfile.named("epson-tm-t88-jp")
        let bytes = try ReceiptRenderer(profile: profile).render(.sample(.qrPrompt, language: .jaEn))
        let preview = ReceiptPreview(bytes: bytes, profile: profile)
        #expect(preview.text.contains("カフェ 山田 Cafe Yamada"))
        #expect(preview.text.contains("¥1,200"))
        #expect(preview.text.contains("有効期限 / Expires 09:46"))
        #expect(preview.nativeQRPayloads == ["https://qr.qfpay.example/q/20261127000300020012345678"])
        #expect(preview.text.hasSuffix("[partial cut]\n"))
    }

    @Test("half-width katakana and FS . / FS & switches decode back")
    func katakanaRoundTrip() throws {
        let profile = try PrinterProfile.named("citizen-ct-s310")
        var encoder = CommandEncoder(profile: profile)
        encoder.begin()
        encoder.line("日ｶﾀｶﾅ本 ¥500")
        let preview = ReceiptPreview(bytes: encoder.bytes, profile: profile)
        #expect(preview.text == "日ｶﾀｶﾅ本 ¥500\n")
    }

    @Test("a line longer than the paper wraps as the printer wraps it, full-width characters kept whole")
    func wraps() throws {
        let profile = try PrinterProfile.named("citizen-ct-s310")
        var encoder = CommandEncoder(profile: profile)
        encoder.begin()
        encoder.line(String(repeating: "a", count: 31) + "日本")
        encoder.size(width: 2, height: 1)
        encoder.line(String(repeating: "b", count: 17))
        let preview = ReceiptPreview(bytes: encoder.bytes, profile: profile)
        #expect(
            preview.text == String(repeating: "a", count: 31) + "\n日本\n" + String(repeating: "b", count: 16) + "\nb\n")
    }

    @Test("unknown commands and a truncated stream become notes")
    func notes() {
        let preview = ReceiptPreview(bytes: [0x41, 0x0A, 0x1B, 0x7A, 0x01, 0x1D, 0x76, 0x30, 0x00, 0x10])
        #expect(preview.text.contains("A\n"))
        #expect(preview.text.contains("[ESC 0x7A]"))
        #expect(preview.text.contains("[truncated GS v 0"))
    }

    @Test(
        "a QR prompt's preview PNG decodes back to exactly the URL with zbarimg",
        arguments: ["epson-tm-t88-jp", "citizen-ct-s310", "generic-58", "bixolon-srp-350"], [false, true])
    func qrRoundTrip(profileName: String, raster: Bool) throws {
        let profile = try PrinterProfile.named(profileName)
        let url = "https://qr.qfpay.example/q/20261127000300020012345678?sign=AbC-123_x"
        let bytes = try ReceiptRenderer(profile: profile, options: .init(rasterQR: raster)).render(
            .sample(.qrPrompt, language: .ja, qrURL: url))
        let png = ReceiptPreview(bytes: bytes, profile: profile).png()
        #expect(try BarcodeReader.decode(png: png) == [url])
    }

    @Test("the PNG is a 1-bit greyscale image of the paper width with valid checksums")
    func pngStructure() throws {
        let profile = try PrinterProfile.named("citizen-ct-s310")
        let bytes = try ReceiptRenderer(profile: profile).render(.sample(.sale))
        let png = ReceiptPreview(bytes: bytes, profile: profile).png()
        #expect(Array(png[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(png[12..<16]) == Array("IHDR".utf8))
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 384)
        #expect(png[24] == 1)  // bit depth
        #expect(png[25] == 0)  // greyscale
        let crc = png[29..<33].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        #expect(crc == crc32(Array(png[12..<29])))
    }

    @Test("a stored zlib stream round-trips through zbarimg's decoder for large images")
    func largeImage() throws {
        // Taller than one 65535-byte stored block: the writer must split it.
        var encoder = CommandEncoder(profile: try .named("epson-tm-t88-jp"))
        encoder.begin()
        encoder.align(.center)
        for _ in 0..<60 { encoder.line("padding line") }
        try encoder.qrCode("https://example.com/large", forceRaster: true)
        for _ in 0..<60 { encoder.line("padding line") }
        let preview = ReceiptPreview(bytes: encoder.bytes)
        let image = preview.image()
        #expect((image.bytesPerRow + 1) * image.height > 65_535)
        #expect(try BarcodeReader.decode(png: preview.png()) == ["https://example.com/large"])
    }

    /// Reference CRC-32, independent of the writer's table.
    func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

@Suite("QR codes")
struct QRCodeTests {
    @Test("a short URL fits a small version and has finder patterns in three corners")
    func finderPatterns() throws {
        let symbol = try QRCode(encoding: "https://example.com", errorCorrection: .medium)
        #expect(symbol.version >= 1 && symbol.version <= 3)
        #expect(symbol.size == 17 + 4 * symbol.version)
        for (x, y) in [(0, 0), (symbol.size - 7, 0), (0, symbol.size - 7)] {
            #expect(symbol[x, y] && symbol[x + 6, y + 6] && symbol[x + 3, y + 3])
            #expect(!symbol[x + 1, y + 1])
        }
    }

    @Test("a higher error-correction level needs at least as large a symbol")
    func levels() throws {
        let low = try QRCode(encoding: String(repeating: "a", count: 100), errorCorrection: .low)
        let high = try QRCode(encoding: String(repeating: "a", count: 100), errorCorrection: .high)
        #expect(high.version > low.version)
    }

    @Test("empty and oversized data are errors")
    func errors() {
        #expect(throws: QRCodeError.self) { try QRCode(encoding: "") }
        #expect(throws: QRCodeError.self) { try QRCode(encoding: String(repeating: "x", count: 8_000)) }
    }
}

@Suite("Preview glyphs from Unifont")
struct HexFontTests {
    @Test("a .hex line gives its glyph, 8 or 16 dots wide, and other code points are not read")
    func parsesHexLines() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qfpos-hex-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("font.hex").path
        try """
        0041:0000000018242442427E424242420000
        65E5:00001FF01010101010101FF01010101010101FF010100000000000000000
        not a glyph line
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let glyphs = HexFont(path: path).glyphs(for: [0x41, 0x65E5, 0x672C])
        #expect(glyphs.keys.sorted() == [0x41])  // 65E5 has 60 digits: refused, not misdrawn
        let a = try #require(glyphs[0x41])
        #expect(a.width == 8)
        #expect(a.rows[4] == 0x1800)
        #expect(a.isSet(x: 3, y: 4) && a.isSet(x: 4, y: 4) && !a.isSet(x: 2, y: 4))
    }

    @Test("Kanji are drawn from the system's Unifont: each its own shape, none a box")
    func drawsKanji() throws {
        let font = try #require(HexFont.system, "Debian's unifont package (make deps) provides the preview glyphs")
        let profile = try PrinterProfile.named("epson-tm-t88-jp")
        var encoder = CommandEncoder(profile: profile)
        encoder.begin()
        encoder.line("日本")
        let preview = ReceiptPreview(bytes: encoder.bytes, profile: profile)
        func cell(_ image: Bitmap, column: Int) -> [Bool] {
            var dots: [Bool] = []
            for y in ReceiptPreview.margin..<(ReceiptPreview.margin + ReceiptPreview.lineHeight) {
                for x in (column * 24)..<((column + 1) * 24) { dots.append(image[x, y]) }
            }
            return dots
        }
        let drawn = preview.image(font: font)
        let boxes = preview.image(font: nil)
        #expect(cell(drawn, column: 0) != cell(drawn, column: 1), "日 and 本 look different")
        #expect(cell(boxes, column: 0) == cell(boxes, column: 1), "without the font both are the same box")
        #expect(cell(drawn, column: 0) != cell(boxes, column: 0))
        #expect(cell(drawn, column: 0).contains(true))
    }
}
