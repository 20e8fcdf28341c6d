import Foundation
import QRCode

#if canImport(Glibc)
    import Glibc
#endif

/// Shows a dynamic-QR payment's code in the terminal with Unicode half blocks: each character
/// holds two rows of modules (`▀` top dark, `▄` bottom dark, `█` both, space neither).
enum TerminalQRCode {
    /// Light modules around the symbol.
    static let quietZone = 2

    /// The QR code of `url`. On a terminal the code is drawn black on white
    /// with ANSI colours, whatever the terminal's own colours; otherwise as plain characters
    /// (dark modules as blocks, for a light background).
    static func render(_ url: String, colours: Bool = isatty(STDOUT_FILENO) == 1) -> String {
        guard let symbol = try? QRCode(encoding: url, errorCorrection: .medium) else {
            return "(too long for a QR code: give the customer the URL above)"
        }
        let side = symbol.size + 2 * quietZone
        var lines: [String] = []
        for row in stride(from: 0, to: side, by: 2) {
            var line = colours ? "\u{1B}[30;47m" : ""
            for column in 0..<side {
                let top = symbol[column - quietZone, row - quietZone]
                let bottom = row + 1 < side && symbol[column - quietZone, row + 1 - quietZone]
                line += top ? (bottom ? "█" : "▀") : (bottom ? "▄" : " ")
            }
            lines.append(line + (colours ? "\u{1B}[0m" : ""))
        }
        return lines.joined(separator: "\n")
    }
}
