import QRCode

/// Builds an ESC/POS byte stream for one printer profile. Pure: no I/O, no clock.
///
/// Every method appends one command (or text) to `bytes`; the byte values are documented on each
/// method and pinned by golden-byte tests.
public struct CommandEncoder: Sendable {
    /// Horizontal alignment (`ESC a n`).
    public enum Alignment: UInt8, Sendable, Hashable {
        case left = 0
        case center = 1
        case right = 2
    }

    /// Underline thickness (`ESC - n`).
    public enum Underline: UInt8, Sendable, Hashable {
        case none = 0
        case thin = 1
        case thick = 2
    }

    /// Kind of cut (`GS V`).
    public enum Cut: Sendable, Hashable {
        case full
        case partial
    }

    /// The profile the stream is for.
    public let profile: PrinterProfile
    /// The text encoder for `profile`.
    public let textEncoder: PrinterTextEncoder
    /// The bytes built so far.
    public private(set) var bytes: [UInt8]

    /// An empty stream for `profile`.
    public init(profile: PrinterProfile) {
        self.profile = profile
        self.textEncoder = PrinterTextEncoder(profile: profile)
        self.bytes = []
        bytes.reserveCapacity(512)
    }

    // MARK: - Set-up

    /// `ESC @`: clears the print buffer and resets modes to their power-on values.
    public mutating func initialize() {
        bytes += [0x1B, 0x40]
    }

    /// Selects the character sets the profile needs, in this order:
    /// `ESC R n` (international set, 8 = Japan), `ESC t 1` (katakana page), `FS C 1` (Shift-JIS)
    /// and `FS &` (Kanji mode) for `kanjiModeShiftJIS`; `FS .` (Kanji mode off) when the printer has no Kanji.
    public mutating func selectCharacterSets() {
        if let set = profile.internationalCharacterSet { bytes += [0x1B, 0x52, UInt8(clamping: set)] }
        if profile.katakana { bytes += [0x1B, 0x74, 0x01] }
        switch profile.kanji {
        case .none: bytes += [0x1C, 0x2E]
        case .shiftJIS: bytes += [0x1C, 0x43, 0x01]
        case .kanjiModeShiftJIS: bytes += [0x1C, 0x43, 0x01, 0x1C, 0x26]
        }
    }

    /// `ESC @` followed by `selectCharacterSets()`: the start of every job.
    public mutating func begin() {
        initialize()
        selectCharacterSets()
    }

    // MARK: - Text

    /// `ESC a n`: alignment of the following lines (0 left, 1 centre, 2 right).
    public mutating func align(_ alignment: Alignment) {
        bytes += [0x1B, 0x61, alignment.rawValue]
    }

    /// `ESC E n`: emphasised (bold) on or off.
    public mutating func emphasis(_ on: Bool) {
        bytes += [0x1B, 0x45, on ? 1 : 0]
    }

    /// `ESC - n`: underline.
    public mutating func underline(_ underline: Underline) {
        bytes += [0x1B, 0x2D, underline.rawValue]
    }

    /// `GS ! n`: character size, each of `width` and `height` from 1 to 8 times.
    public mutating func size(width: Int, height: Int) {
        let w = UInt8(min(max(width, 1), 8) - 1)
        let h = UInt8(min(max(height, 1), 8) - 1)
        bytes += [0x1D, 0x21, w << 4 | h]
    }

    /// Text in the profile's encoding, unprintable characters replaced (see `PrinterTextEncoder`).
    /// Returns the columns the text fills at normal size.
    @discardableResult
    public mutating func text(_ string: String) -> Int {
        var encoded = EncodedText()
        swap(&encoded.bytes, &bytes)
        textEncoder.encode(string, into: &encoded)
        swap(&encoded.bytes, &bytes)
        return encoded.columns
    }

    /// `count` spaces (nothing when `count` is not positive).
    public mutating func spaces(_ count: Int) {
        if count > 0 { bytes.append(contentsOf: repeatElement(0x20, count: count)) }
    }

    /// Text followed by `LF`.
    public mutating func line(_ string: String) {
        text(string)
        lineFeed()
    }

    /// `LF`: prints the line buffer and feeds one line.
    public mutating func lineFeed() {
        bytes.append(0x0A)
    }

    /// `ESC d n`: prints and feeds `lines` lines (0–255).
    public mutating func feed(lines: Int) {
        bytes += [0x1B, 0x64, UInt8(clamping: lines)]
    }

    // MARK: - Paper and drawer

    /// `GS V 65 n` (full) or `GS V 66 n` (partial): feeds `feed` dots past the cutter and cuts.
    /// Printers without a cutter get `ESC d 4` instead, to reach the tear bar.
    public mutating func cut(_ cut: Cut = .partial, feed: Int = 0) {
        switch profile.cutter {
        case .none:
            self.feed(lines: 4)
        case .full, .partial:
            let kind: UInt8 = (cut == .full || profile.cutter == .full) ? 0x41 : 0x42
            bytes += [0x1D, 0x56, kind, UInt8(clamping: feed)]
        }
    }

    /// `ESC p m t1 t2`: pulses the drawer kick-out connector pin 2 (`pin` 0) or 5 (`pin` 1) for
    /// `onMilliseconds`, then waits `offMilliseconds` (2 ms units, rounded up, at most 510 ms).
    /// Does nothing when the profile has no drawer port.
    public mutating func pulseDrawer(pin: Int = 0, onMilliseconds: Int = 100, offMilliseconds: Int = 200) {
        guard profile.drawer else { return }
        let on = UInt8(clamping: (onMilliseconds + 1) / 2)
        let off = UInt8(clamping: (offMilliseconds + 1) / 2)
        bytes += [0x1B, 0x70, pin == 1 ? 1 : 0, on, off]
    }

    // MARK: - QR codes and images

    /// A QR code for `data`: native (`GS ( k`, model 2) when the profile has it and `forceRaster`
    /// is false, otherwise a raster image made with libqrencode (`GS v 0`).
    /// - Throws: `ESCPOSError` `.qrCode` when the data is empty or too long.
    public mutating func qrCode(
        _ data: String, moduleSize: Int? = nil, errorCorrection: QRCode.ErrorCorrection = .medium,
        forceRaster: Bool = false
    ) throws(ESCPOSError) {
        let size = moduleSize ?? profile.qrModuleSize
        if profile.nativeQR && !forceRaster {
            try nativeQRCode(Array(data.utf8), moduleSize: size, errorCorrection: errorCorrection)
        } else {
            try rasterQRCode(Array(data.utf8), moduleSize: size, errorCorrection: errorCorrection)
        }
    }

    /// Native QR code, five `GS ( k` functions: 165 select model 2 (`1D 28 6B 04 00 31 41 32 00`),
    /// 167 module size (`1D 28 6B 03 00 31 43 n`, 1–16), 169 error correction
    /// (`1D 28 6B 03 00 31 45 n`, 48 L 49 M 50 Q 51 H), 180 store data
    /// (`1D 28 6B pL pH 31 50 30 d…`), 181 print (`1D 28 6B 03 00 31 51 30`).
    public mutating func nativeQRCode(
        _ data: [UInt8], moduleSize: Int, errorCorrection: QRCode.ErrorCorrection
    ) throws(ESCPOSError) {
        guard !data.isEmpty, data.count <= 7_089 else {
            throw ESCPOSError(code: .qrCode, message: "QR data must be 1 to 7089 bytes, not \(data.count)")
        }
        let storeLength = data.count + 3
        bytes += [0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]
        bytes += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, UInt8(min(max(moduleSize, 1), 16))]
        bytes += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 48 + UInt8(errorCorrection.rawValue)]
        bytes += [0x1D, 0x28, 0x6B, UInt8(storeLength & 0xFF), UInt8(storeLength >> 8), 0x31, 0x50, 0x30]
        bytes += data
        bytes += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]
    }

    /// QR code as a raster image made with libqrencode. The module size shrinks when the symbol
    /// would be wider than the paper; no quiet zone is drawn (the paper around it is blank).
    public mutating func rasterQRCode(
        _ data: [UInt8], moduleSize: Int, errorCorrection: QRCode.ErrorCorrection
    ) throws(ESCPOSError) {
        let symbol: QRCode
        do {
            symbol = try QRCode(encoding: data, errorCorrection: errorCorrection)
        } catch {
            throw ESCPOSError(code: .qrCode, message: error.message, underlying: error)
        }
        let fitting = max(1, min(moduleSize, profile.dotsPerLine / (symbol.size + 2)))
        try rasterImage(Bitmap(qrCode: symbol, moduleSize: fitting))
    }

    /// `GS v 0 m xL xH yL yH d…` with m = 0 (normal density): a raster bit image, 1 = black.
    /// - Throws: `ESCPOSError` `.imageTooLarge` when wider than the paper or taller than 65535 dots.
    public mutating func rasterImage(_ image: Bitmap) throws(ESCPOSError) {
        guard image.width <= profile.dotsPerLine, image.height <= 0xFFFF, image.width > 0, image.height > 0 else {
            throw ESCPOSError(
                code: .imageTooLarge,
                message: "image \(image.width)x\(image.height) does not fit \(profile.dotsPerLine) dots")
        }
        let x = image.bytesPerRow
        bytes += [0x1D, 0x76, 0x30, 0x00, UInt8(x & 0xFF), UInt8(x >> 8)]
        bytes += [UInt8(image.height & 0xFF), UInt8(image.height >> 8)]
        bytes += image.bytes
    }

    // MARK: - Status

    /// `GS r 1`: asks for the paper sensor status. The answer comes after everything sent before
    /// it has been processed, so it confirms that a job has printed.
    public mutating func transmitPaperSensorStatus() {
        bytes += [0x1D, 0x72, 0x01]
    }

    /// Appends raw bytes, for commands this encoder does not cover.
    public mutating func raw(_ data: [UInt8]) {
        bytes += data
    }
}
