/// Shows a dynamic-QR payment's URL in the terminal.
enum TerminalQRCode {
    /// The URL to scan, framed for the terminal. The QR matrix itself comes from the QRCode module
    /// (libqrencode) once it is part of the build; until then the URL is shown for a phone or
    /// another tool to encode.
    static func render(_ url: String) -> String {
        "Scan with the customer's wallet app (encode this URL as a QR code):\n  \(url)"
    }
}
