import ESCPOS
import Foundation
import Testing

@Suite("Hostile input")
struct HostileInputTests {
    @Test("text fields cannot inject printer commands (drawer pulse, cut, initialise)")
    func noCommandInjection() throws {
        let profile = try PrinterProfile.named("epson-tm-t88-jp")
        var content = ReceiptContent.sample(.sale, language: .jaEn)
        content.shopName = "Shop\u{1B}p\u{0}\u{19}\u{FA}\u{1B}@"
        content.goodsName = "Tea\u{1D}V\u{41}\u{0}\u{10}\u{14}\u{1}\u{0}\u{1}"
        content.walletName = "Pay\u{1C}\u{2E}\u{85}"
        content.maskedPayerID = "\u{1B}d\u{FF}"
        let bytes = try ReceiptRenderer(profile: profile).render(content)
        let elements = ReceiptPreview(bytes: bytes, profile: profile).elements
        let cuts = elements.filter { if case .cut = $0 { return true } else { return false } }
        #expect(cuts.count == 1)
        #expect(elements.last == .cut(partial: true))
        #expect(!elements.contains { if case .drawerPulse = $0 { return true } else { return false } })
        #expect(!elements.contains { if case .note = $0 { return true } else { return false } })
        // ESC @ appears once, at the start.
        let initialisations = zip(bytes, bytes.dropFirst()).filter { $0 == (0x1B, 0x40) }.count
        #expect(initialisations == 1)
    }

    @Test("emoji, characters outside Shift-JIS and controls in every field give a readable receipt")
    func readableReplacement() throws {
        let profile = try PrinterProfile.named("citizen-ct-s310")
        var content = ReceiptContent.sample(.sale, language: .ja)
        content.shopName = "🍵茶房 髙島屋🇯🇵"
        content.goodsName = "抹茶ラテ😀\tＬサイズ"
        let bytes = try ReceiptRenderer(profile: profile).render(content)
        let text = ReceiptPreview(bytes: bytes, profile: profile).text
        #expect(text.contains("〓茶房 〓島屋〓"))
        #expect(text.contains("抹茶ラテ〓?Ｌサイズ"))
    }

    @Test("decoding random bytes never traps and always yields an image")
    func randomBytes() {
        var generator = SplitMix64(seed: 0x5EED)
        for round in 0..<20 {
            let count = 200 + round * 500
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let preview = ReceiptPreview(bytes: bytes, dotsPerLine: 384, columns: 32)
            _ = preview.text
            #expect(preview.image().width == 384)
        }
    }
}

/// A deterministic generator so that the random-bytes test is repeatable.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Receipt dates")
struct ReceiptDateTimeTests {
    @Test("a date is printed in the shop's time zone")
    func tokyo() throws {
        // 2026-11-27 00:41:05 UTC is 09:41 in Tokyo.
        let date = Date(timeIntervalSince1970: 1_795_740_065)
        let time = ReceiptDateTime(date, in: try #require(TimeZone(identifier: "Asia/Tokyo")))
        #expect(time.description == "2026-11-27 09:41:05")
        #expect(time.dateText == "2026-11-27")
        #expect(time.timeText == "09:41")
    }
}
