import CQRencode

/// A QR code symbol (model 2): a square matrix of dark and light modules, made by libqrencode.
///
/// Only this module imports `CQRencode`; no C type appears in its API.
public struct QRCode: Sendable, Hashable {
    /// Error-correction level of a symbol.
    public enum ErrorCorrection: Int, Sendable, Hashable, CaseIterable, Codable {
        /// About 7 % of the codewords can be restored.
        case low
        /// About 15 %.
        case medium
        /// About 25 %.
        case quartile
        /// About 30 %.
        case high
    }

    /// The symbol version, 1 to 40.
    public let version: Int
    /// Modules per side (21 for version 1, 4 more per version), without the quiet zone.
    public let size: Int
    /// The error-correction level the symbol was made with.
    public let errorCorrection: ErrorCorrection
    /// Dark (`true`) or light modules, row by row, `size * size` of them.
    public let modules: [Bool]

    /// Encodes `data` as 8-bit bytes in the smallest version that holds it.
    ///
    /// Wraps `QRcode_encodeData`.
    /// - Throws: `QRCodeError` when the data is empty or too long for a version 40 symbol.
    public init(encoding data: [UInt8], errorCorrection: ErrorCorrection = .medium) throws(QRCodeError) {
        guard !data.isEmpty else { throw QRCodeError(code: .emptyData, message: "nothing to encode") }
        let level: QRecLevel
        switch errorCorrection {
        case .low: level = QR_ECLEVEL_L
        case .medium: level = QR_ECLEVEL_M
        case .quartile: level = QR_ECLEVEL_Q
        case .high: level = QR_ECLEVEL_H
        }
        let symbol = data.withUnsafeBufferPointer { QRcode_encodeData(Int32($0.count), $0.baseAddress, 0, level) }
        guard let symbol else {
            throw QRCodeError(code: .tooLong, message: "\(data.count) bytes do not fit in a QR code at this level")
        }
        defer { QRcode_free(symbol) }
        let width = Int(symbol.pointee.width)
        var modules = [Bool](repeating: false, count: width * width)
        for index in 0..<(width * width) {
            modules[index] = (symbol.pointee.data[index] & 1) != 0
        }
        self.version = Int(symbol.pointee.version)
        self.size = width
        self.errorCorrection = errorCorrection
        self.modules = modules
    }

    /// Encodes the UTF-8 bytes of `text`.
    public init(encoding text: String, errorCorrection: ErrorCorrection = .medium) throws(QRCodeError) {
        try self.init(encoding: Array(text.utf8), errorCorrection: errorCorrection)
    }

    /// Whether the module at column `x`, row `y` is dark; outside the symbol is light.
    public subscript(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < size, y < size else { return false }
        return modules[y * size + x]
    }
}

/// An error raised by `QRCode`.
public struct QRCodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, stable for callers to switch on.
    public enum Code: String, Sendable, Hashable {
        /// The data was empty.
        case emptyData = "qrcode.empty"
        /// The data does not fit in a version 40 symbol at the requested level.
        case tooLong = "qrcode.too-long"
    }

    /// The stable error code.
    public let code: Code
    /// A human message.
    public let message: String

    public var description: String { "\(code.rawValue): \(message)" }
}

extension QRCode {
    /// The version of the libqrencode loaded (wraps `QRcode_APIVersionString`).
    public static var libraryVersion: String { String(cString: QRcode_APIVersionString()) }
}
