import Devices
import ESCPOS
import TestSupport
import Testing

/// The acceptance test: a dynamic-QR prompt printed through a pty "printer" decodes back
/// (preview PNG → Debian's `zbarimg`) to exactly the QR URL, native and raster, 58 mm and 80 mm.
@Suite("Printer acceptance: QR prompt through a pty printer")
struct PrinterAcceptanceTests {
    static let url = "https://o2.qfpay.com/q/pay?code=6Yb2k9ZxQe&out_trade_no=POS-20261127-0042"

    @Test(
        "the printed QR prompt's preview decodes to exactly the URL",
        arguments: ["epson-tm-m30-58-jp", "epson-tm-t88-jp", "citizen-ct-s310", "bixolon-srp-350"], [false, true])
    func qrPromptRoundTrip(profileName: String, raster: Bool) async throws {
        let profile = try PrinterProfile.named(profileName)
        let bytes = try ReceiptRenderer(profile: profile, options: .init(rasterQR: raster)).render(
            .sample(.qrPrompt, language: .jaEn, amount: 3_980, qrURL: Self.url))

        let printer = try PrinterSimulator()
        defer { printer.stop() }
        let link = try PrinterTestSupport.link(printer.devicePath, profile: profileName)
        defer { link.close() }
        let id = link.submit(PrintJob(bytes: bytes, label: "qr-prompt"))
        #expect(await PrinterTestSupport.eventually { link.state(of: id) == .printed })

        let received = printer.received
        #expect(received == bytes)
        let preview = ReceiptPreview(bytes: received, profile: profile)
        #expect(try BarcodeReader.decode(png: preview.png()) == [Self.url])
        #expect(preview.text.contains(PrinterTextEncoder(profile: profile).canPrintYenSign ? "¥3,980" : "JPY 3,980"))
        if raster || !profile.nativeQR {
            #expect(preview.nativeQRPayloads.isEmpty)
        } else {
            #expect(preview.nativeQRPayloads == [Self.url])
        }
    }
}
