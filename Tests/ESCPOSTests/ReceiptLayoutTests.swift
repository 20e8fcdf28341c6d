import ESCPOS
import Foundation
import Testing

/// Golden-byte tests of every layout, in Japanese and English, on a 80 mm and a 58 mm printer.
///
/// The golden files are in `Golden/`; after a deliberate layout change, regenerate them with
/// `QFPOS_UPDATE_GOLDEN=1 swift test --filter ReceiptLayoutTests`, check them with
/// `qfposctl receipt preview`, and commit them.
@Suite("Receipt layouts")
struct ReceiptLayoutTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var profile: String
        var kind: ReceiptContent.Kind
        var language: ReceiptContent.Language
        var raster = false
        var reprint = false
        var receiptQR = false

        var fileName: String {
            "\(profile)-\(kind.rawValue)-\(language.rawValue)\(raster ? "-raster" : "")\(reprint ? "-reprint" : "")"
                + "\(receiptQR ? "-qr" : "").bin"
        }
        var testDescription: String { fileName }
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        for profile in ["epson-tm-t88-jp", "citizen-ct-s310"] {
            for kind in ReceiptContent.Kind.allCases {
                for language in [ReceiptContent.Language.ja, .en] {
                    cases.append(Case(profile: profile, kind: kind, language: language))
                }
            }
            cases.append(Case(profile: profile, kind: .qrPrompt, language: .ja, raster: true))
            cases.append(Case(profile: profile, kind: .sale, language: .jaEn))
            cases.append(Case(profile: profile, kind: .sale, language: .ja, reprint: true))
        }
        cases.append(Case(profile: "generic-58", kind: .qrPrompt, language: .en))
        cases.append(Case(profile: "generic-58", kind: .sale, language: .ja))
        cases.append(Case(profile: "bixolon-srp-350", kind: .refund, language: .en))
        cases.append(Case(profile: "epson-tm-t88-jp", kind: .sale, language: .en, receiptQR: true))
        cases.append(Case(profile: "citizen-ct-s310", kind: .sale, language: .jaEn, raster: true, receiptQR: true))
        return cases
    }()

    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden")

    func render(_ testCase: Case) throws -> [UInt8] {
        let profile = try PrinterProfile.named(testCase.profile)
        var content = ReceiptContent.sample(
            testCase.kind, language: testCase.language,
            qrURL: testCase.receiptQR ? "https://receipt.qfpay.example/r/20261127000300020012345678" : nil)
        content.isReprint = testCase.reprint
        return try ReceiptRenderer(profile: profile, options: .init(rasterQR: testCase.raster)).render(content)
    }

    @Test("each layout's bytes match its golden file", arguments: cases)
    func golden(_ testCase: Case) throws {
        let bytes = try render(testCase)
        let file = Self.goldenDirectory.appendingPathComponent(testCase.fileName)
        if ProcessInfo.processInfo.environment["QFPOS_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.goldenDirectory, withIntermediateDirectories: true)
            try Data(bytes).write(to: file)
        }
        let golden = try #require(FileManager.default.contents(atPath: file.path), "missing \(file.path)")
        #expect(bytes == Array(golden))
    }

    @Test("every layout starts with ESC @ and the profile's character sets, and ends with the cut", arguments: cases)
    func framing(_ testCase: Case) throws {
        let profile = try PrinterProfile.named(testCase.profile)
        let bytes = try render(testCase)
        var start = CommandEncoder(profile: profile)
        start.begin()
        #expect(Array(bytes.prefix(start.bytes.count)) == start.bytes)
        var end = CommandEncoder(profile: profile)
        end.cut(.partial)
        #expect(Array(bytes.suffix(end.bytes.count)) == end.bytes)
    }

    @Test("amounts line up at the right edge whatever the width of the Japanese label")
    func amountsAlign() throws {
        for name in ["epson-tm-t88-jp", "citizen-ct-s310"] {
            let profile = try PrinterProfile.named(name)
            let bytes = try ReceiptRenderer(profile: profile).render(.sample(.sale, language: .ja, amount: 1_234_567))
            let preview = ReceiptPreview(bytes: bytes, profile: profile)
            let lines = preview.elements.compactMap { element -> PreviewLine? in
                if case .line(let line) = element { return line }
                return nil
            }
            let amountLine = try #require(lines.first { $0.text.hasPrefix("金額") })
            #expect(amountLine.text.hasSuffix("¥1,234,567"))
            #expect(amountLine.columns == profile.columns)
            let walletLine = try #require(lines.first { $0.text.hasPrefix("決済方法") })
            #expect(walletLine.columns == profile.columns)
        }
    }

    @Test("the native-QR prompt is under 400 bytes")
    func promptSize() throws {
        let profile = try PrinterProfile.named("epson-tm-t88-jp")
        for language in ReceiptContent.Language.allCases {
            let bytes = try ReceiptRenderer(profile: profile).render(.sample(.qrPrompt, language: language))
            #expect(bytes.count < 400, "\(language): \(bytes.count) bytes")
        }
    }

    @Test("a 10 KB goods name is cut to three lines ending in ...")
    func longGoodsName() throws {
        let profile = try PrinterProfile.named("citizen-ct-s310")
        var content = ReceiptContent.sample(.sale, language: .ja)
        content.goodsName = String(repeating: "特製ブレンド😀", count: 1_500)
        let bytes = try ReceiptRenderer(profile: profile).render(content)
        #expect(bytes.count < 1_500)
        let text = ReceiptPreview(bytes: bytes, profile: profile).text
        let lines = text.split(separator: "\n").map(String.init)
        let label = try #require(lines.firstIndex(of: "品名"))
        let goodsLines = lines[(label + 1)...].prefix { $0.hasPrefix(" ") }
        #expect(goodsLines.count == ReceiptRenderer.maximumGoodsLines)
        #expect(goodsLines.last?.hasSuffix("...") == true)
        #expect(lines[label + 1 + goodsLines.count].hasPrefix("-----"))
        #expect(text.contains("〓"))
    }

    @Test("Japanese labels fall back to English on a printer without Kanji")
    func englishFallback() throws {
        let profile = try PrinterProfile.named("generic-58")
        let bytes = try ReceiptRenderer(profile: profile).render(.sample(.sale, language: .ja))
        let text = ReceiptPreview(bytes: bytes, profile: profile).text
        #expect(text.contains("SALE RECEIPT"))
        #expect(text.contains("JPY 1,200"))
        #expect(!text.contains("金額"))
    }

    @Test("ja+en puts the English label below the Japanese one")
    func bilingual() throws {
        let profile = try PrinterProfile.named("epson-tm-t88-jp")
        let bytes = try ReceiptRenderer(profile: profile).render(.sample(.sale, language: .jaEn))
        let lines = ReceiptPreview(bytes: bytes, profile: profile).text.split(separator: "\n").map(String.init)
        let amount = try #require(lines.firstIndex { $0.hasPrefix("金額") })
        #expect(lines[amount + 1] == "Amount")
    }

    @Test("a reprint is marked as such")
    func reprint() throws {
        let profile = try PrinterProfile.named("epson-tm-t88-jp")
        var content = ReceiptContent.sample(.sale, language: .jaEn)
        content.isReprint = true
        let text = ReceiptPreview(bytes: try ReceiptRenderer(profile: profile).render(content), profile: profile).text
        #expect(text.contains("** 再発行 / REPRINT **"))
    }

    @Test("the drawer opens after a sale only when asked")
    func drawer() throws {
        let profile = try PrinterProfile.named("epson-tm-t88-jp")
        let plain = try ReceiptRenderer(profile: profile).render(.sample(.sale))
        let withDrawer = try ReceiptRenderer(profile: profile, options: .init(openDrawer: true)).render(.sample(.sale))
        #expect(withDrawer == plain + [0x1B, 0x70, 0, 50, 100])
    }

    @Test("a sale receipt never prints the payment QR of the prompt, only an e-receipt link")
    func noPaymentQROnReceipts() throws {
        let profile = try PrinterProfile.named("epson-tm-t88-jp")
        var content = ReceiptContent.sample(.sale)
        content.qrURL = "https://qr.qfpay.example/q/paid-already"
        let plain = ReceiptPreview(bytes: try ReceiptRenderer(profile: profile).render(content), profile: profile)
        #expect(plain.nativeQRPayloads.isEmpty)
        content.receiptURL = "https://receipt.example/r/1"
        let linked = ReceiptPreview(bytes: try ReceiptRenderer(profile: profile).render(content), profile: profile)
        #expect(linked.nativeQRPayloads == ["https://receipt.example/r/1"])
    }

    @Test("a QR prompt without a URL is an error")
    func promptWithoutURL() throws {
        var content = ReceiptContent.sample(.qrPrompt)
        content.qrURL = nil
        #expect(throws: ESCPOSError.self) {
            try ReceiptRenderer(profile: try .named("epson-tm-t88-jp")).render(content)
        }
    }

    @Test("amounts have separators and the currency's minor units")
    func amounts() {
        let yen = AmountFormatter(yenSign: true)
        #expect(yen.format(0) == "¥0")
        #expect(yen.format(1_200) == "¥1,200")
        #expect(yen.format(-1_234_567) == "-¥1,234,567")
        #expect(AmountFormatter(yenSign: false).format(999) == "JPY 999")
        #expect(yen.format(123_456, currency: "USD") == "USD 1,234.56")
        #expect(yen.format(5, currency: "usd") == "USD 0.05")
    }
}
