import ArgumentParser
import ESCPOS
import Foundation

/// `qfposctl receipt`: render receipt layouts as ESC/POS bytes and preview ESC/POS files.
struct ReceiptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt",
        abstract: "Render receipt layouts as ESC/POS bytes, and preview ESC/POS files as text and PNG.",
        subcommands: [
            ReceiptRenderCommand.self, ReceiptPreviewCommand.self, ReceiptProfilesCommand.self,
            ReceiptReprintCommand.self,
        ]
    )
}

/// `qfposctl receipt render KIND --profile P [--qr URL] [--amount N] [--raster-qr] [--lang L] --out FILE`.
struct ReceiptRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Write a layout (qr-prompt, sale, refund, cancel, summary, test-page) with sample data as ESC/POS."
    )

    @Argument(help: "Layout: \(ReceiptContent.Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: String

    @Option(help: "Printer profile: \(PrinterProfile.names.joined(separator: ", ")).")
    var profile: String = "epson-tm-t88-jp"

    @Option(help: "URL the QR code carries.")
    var qr: String?

    @Option(help: "Amount in yen.")
    var amount: Int = 1_200

    @Flag(help: "Send the QR code as a raster image even if the printer draws QR codes itself.")
    var rasterQR = false

    @Option(help: "Label language: ja, en or ja+en.")
    var lang: String = "ja+en"

    @Flag(help: "Mark the receipt as a reprint.")
    var reprint = false

    @Option(help: "Output file ('-' for standard output).")
    var out: String

    func run() throws {
        guard let kind = ReceiptContent.Kind(rawValue: kind) else {
            throw ValidationError(
                "unknown layout \(kind); use one of \(ReceiptContent.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        guard let language = ReceiptContent.Language(rawValue: lang) else {
            throw ValidationError("unknown language \(lang); use ja, en or ja+en")
        }
        let printer = try PrinterProfile.named(profile)
        var content = ReceiptContent.sample(kind, language: language, amount: amount, qrURL: qr)
        content.isReprint = reprint
        let bytes = try ReceiptRenderer(profile: printer, options: .init(rasterQR: rasterQR)).render(content)
        if out == "-" {
            FileHandle.standardOutput.write(Data(bytes))
        } else {
            try Data(bytes).write(to: URL(fileURLWithPath: out))
            print("wrote \(bytes.count) bytes of ESC/POS to \(out)")
        }
    }
}

/// `qfposctl receipt preview FILE [--profile P] [--png out.png]`: prints the text rendering.
struct ReceiptPreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Decode an ESC/POS file: print its text rendering and optionally write a 1-bit PNG of the paper."
    )

    @Argument(help: "ESC/POS file to decode ('-' for standard input).")
    var file: String

    @Option(help: "Printer profile, for the paper width (default: 80 mm, 576 dots, 48 columns).")
    var profile: String?

    @Option(help: "Write a PNG image of the paper here.")
    var png: String?

    func run() throws {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read \(file)")
            }
            data = contents
        }
        let preview: ReceiptPreview
        if let profile {
            preview = ReceiptPreview(bytes: Array(data), profile: try PrinterProfile.named(profile))
        } else {
            preview = ReceiptPreview(bytes: Array(data))
        }
        print(preview.text, terminator: "")
        if let png {
            try Data(preview.png()).write(to: URL(fileURLWithPath: png))
        }
    }
}

/// `qfposctl receipt profiles`: lists the printer profiles.
struct ReceiptProfilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "profiles", abstract: "List the printer profiles.")

    func run() {
        for profile in PrinterProfile.all {
            let qr = profile.nativeQR ? "native QR" : "raster QR"
            print(
                "\(profile.name)\t\(profile.paperWidthMM) mm\t\(profile.columns) col\t\(qr)\tkanji: \(profile.kanji.rawValue)\t\(profile.model)"
            )
        }
    }
}
