import QRCode

/// Decodes an ESC/POS byte stream back into what it prints: text lines (Shift-JIS, katakana and
/// the Japan character set understood), QR codes, raster images, feeds, cuts and drawer pulses.
///
/// The decoder is tolerant: unknown commands and a truncated stream become `.note` elements, so
/// a technician sees what a printer would have received.
public struct PreviewDecoder: Sendable {
    /// Columns per line; text reaching the edge wraps, as on paper.
    public let columns: Int

    /// Creates a decoder for lines of `columns` half-width characters.
    public init(columns: Int = 48) {
        self.columns = columns
    }

    /// Decodes `bytes`.
    public func decode(_ bytes: [UInt8]) -> [PreviewElement] {
        var machine = DecoderState(bytes: bytes, columns: columns)
        machine.run()
        return machine.elements
    }
}

private struct DecoderState {
    let bytes: [UInt8]
    var index = 0
    var elements: [PreviewElement] = []

    var glyphs: [PreviewLine.Glyph] = []
    var alignment = PreviewAlignment.left
    var lineAlignment: PreviewAlignment?
    var emphasised = false
    var underlined = false
    var widthScale = 1
    var heightScale = 1
    var internationalSet = 0
    var codePage = 0
    var shiftJISSelected = false
    var kanjiMode: Bool?
    var qrModuleSize = 3
    var qrErrorCorrection = QRCode.ErrorCorrection.low
    var qrData: [UInt8] = []

    let columns: Int
    var usedColumns = 0

    init(bytes: [UInt8], columns: Int) {
        self.bytes = bytes
        self.columns = max(1, columns)
    }

    mutating func reset() {
        glyphs = []
        alignment = .left
        emphasised = false
        underlined = false
        widthScale = 1
        heightScale = 1
        internationalSet = 0
        codePage = 0
        shiftJISSelected = false
        kanjiMode = nil
        qrModuleSize = 3
        qrErrorCorrection = .low
    }

    var kanjiActive: Bool { kanjiMode ?? shiftJISSelected }

    func byte(at offset: Int) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    mutating func need(_ count: Int, _ name: String) -> Bool {
        if index + count <= bytes.count { return true }
        elements.append(.note("truncated \(name) at byte \(index)"))
        index = bytes.count
        return false
    }

    mutating func flushLine() {
        elements.append(.line(PreviewLine(glyphs: glyphs, alignment: lineAlignment ?? alignment)))
        glyphs = []
        usedColumns = 0
        lineAlignment = nil
    }

    mutating func flushPendingText() {
        if !glyphs.isEmpty { flushLine() }
    }

    mutating func append(_ character: Character, columns: Int) {
        let width = columns * widthScale
        if usedColumns + width > self.columns && !glyphs.isEmpty { flushLine() }  // the printer wraps
        usedColumns += width
        if glyphs.isEmpty { lineAlignment = alignment }
        glyphs.append(
            PreviewLine.Glyph(
                character: character, columns: columns, widthScale: widthScale, heightScale: heightScale,
                emphasised: emphasised, underlined: underlined))
    }

    mutating func run() {
        while index < bytes.count {
            let b = bytes[index]
            switch b {
            case 0x0A:
                flushLine()
                index += 1
            case 0x0D, 0x00:
                index += 1
            case 0x09:
                append(" ", columns: 1)
                index += 1
            case 0x10: dle()
            case 0x1B: esc()
            case 0x1D: gs()
            case 0x1C: fs()
            case 0x01...0x1F:
                elements.append(.note("control byte 0x\(hex(b))"))
                index += 1
            default: character()
            }
        }
        flushPendingText()
    }

    mutating func character() {
        let b = bytes[index]
        if kanjiActive && ShiftJISTable.isLead(b) {
            guard let trail = byte(at: 1) else {
                append("〓", columns: 2)
                index += 1
                return
            }
            let code = Int(b) << 8 | Int(trail)
            let scalar = ShiftJISTable.decoding[code]
            append(scalar == 0 ? "〓" : Character(Unicode.Scalar(scalar)!), columns: 2)
            index += 2
            return
        }
        index += 1
        switch b {
        case 0x5C where internationalSet == 8: append("¥", columns: 1)
        case 0x7E where internationalSet == 8: append("‾", columns: 1)
        case 0x20..<0x7F: append(Character(Unicode.Scalar(b)), columns: 1)
        case 0xA1...0xDF where codePage == 1:
            append(Character(Unicode.Scalar(0xFF61 + UInt32(b) - 0xA1)!), columns: 1)
        default: append("?", columns: 1)
        }
    }

    mutating func dle() {
        guard need(2, "DLE command") else { return }
        switch bytes[index + 1] {
        case 0x04:
            guard need(3, "DLE EOT") else { return }
            elements.append(.note("real-time status request DLE EOT \(bytes[index + 2])"))
            index += 3
        case 0x05:
            index += 3
        case 0x14:
            index += 5
        default:
            index += 2
        }
    }

    mutating func esc() {
        guard need(2, "ESC command") else { return }
        let command = bytes[index + 1]
        switch command {
        case 0x40:  // ESC @
            flushPendingText()
            reset()
            index += 2
        case 0x61:  // ESC a n
            guard need(3, "ESC a") else { return }
            alignment = PreviewAlignment(rawValue: Int(bytes[index + 2] % 48)) ?? .left
            index += 3
        case 0x45:  // ESC E n
            guard need(3, "ESC E") else { return }
            emphasised = bytes[index + 2] & 1 == 1
            index += 3
        case 0x2D:  // ESC - n
            guard need(3, "ESC -") else { return }
            underlined = bytes[index + 2] % 48 != 0
            index += 3
        case 0x21:  // ESC ! n
            guard need(3, "ESC !") else { return }
            let n = bytes[index + 2]
            emphasised = n & 0x08 != 0
            heightScale = n & 0x10 != 0 ? 2 : 1
            widthScale = n & 0x20 != 0 ? 2 : 1
            underlined = n & 0x80 != 0
            index += 3
        case 0x64:  // ESC d n
            guard need(3, "ESC d") else { return }
            let lines = Int(bytes[index + 2])
            if lines > 0 { flushLine() }
            for _ in 1..<max(lines, 1) { flushLine() }
            index += 3
        case 0x4A:  // ESC J n
            guard need(3, "ESC J") else { return }
            flushPendingText()
            elements.append(.feed(dots: Int(bytes[index + 2])))
            index += 3
        case 0x52:  // ESC R n
            guard need(3, "ESC R") else { return }
            internationalSet = Int(bytes[index + 2])
            index += 3
        case 0x74:  // ESC t n
            guard need(3, "ESC t") else { return }
            codePage = Int(bytes[index + 2])
            index += 3
        case 0x70:  // ESC p m t1 t2
            guard need(5, "ESC p") else { return }
            elements.append(.drawerPulse(pin: Int(bytes[index + 2] % 48)))
            index += 5
        case 0x24, 0x5C:  // ESC $ nL nH, ESC \ nL nH
            index += 4
        case 0x32, 0x3C:  // ESC 2, ESC <
            index += 2
        case 0x69, 0x6D:  // ESC i, ESC m: cuts on older models
            flushPendingText()
            elements.append(.cut(partial: command == 0x6D))
            index += 2
        default:
            // ESC 3 n, ESC M n, ESC G n, ESC V n, ESC { n, ESC SP n, ESC c 3/4/5 n …: one parameter.
            elements.append(.note("ESC 0x\(hex(command))"))
            index += 3
        }
    }

    mutating func gs() {
        guard need(2, "GS command") else { return }
        let command = bytes[index + 1]
        switch command {
        case 0x21:  // GS ! n
            guard need(3, "GS !") else { return }
            let n = bytes[index + 2]
            widthScale = Int(n >> 4) + 1
            heightScale = Int(n & 0x0F) + 1
            index += 3
        case 0x56:  // GS V m [n]
            guard need(3, "GS V") else { return }
            let m = bytes[index + 2]
            flushPendingText()
            let partial = m == 1 || m == 49 || m == 66 || m == 98 || m == 104
            if m >= 65 {
                guard need(4, "GS V") else { return }
                if bytes[index + 3] > 0 { elements.append(.feed(dots: Int(bytes[index + 3]))) }
                index += 4
            } else {
                index += 3
            }
            elements.append(.cut(partial: partial))
        case 0x28:  // GS ( fn pL pH …
            guard need(5, "GS (") else { return }
            let length = Int(bytes[index + 3]) | Int(bytes[index + 4]) << 8
            guard need(5 + length, "GS ( data") else { return }
            let body = Array(bytes[(index + 5)..<(index + 5 + length)])
            if bytes[index + 2] == 0x6B { qrFunction(body) }
            index += 5 + length
        case 0x76:  // GS v 0 m xL xH yL yH d…
            guard need(8, "GS v 0") else { return }
            let widthBytes = Int(bytes[index + 4]) | Int(bytes[index + 5]) << 8
            let height = Int(bytes[index + 6]) | Int(bytes[index + 7]) << 8
            let count = widthBytes * height
            guard need(8 + count, "GS v 0 image data") else { return }
            flushPendingText()
            let image = Bitmap(
                width: widthBytes * 8, height: height, packedRows: Array(bytes[(index + 8)..<(index + 8 + count)]))
            elements.append(.image(image, alignment: alignment))
            index += 8 + count
        case 0x72:  // GS r n
            guard need(3, "GS r") else { return }
            elements.append(.note("status request GS r \(bytes[index + 2])"))
            index += 3
        case 0x4C, 0x57:  // GS L nL nH, GS W nL nH
            index += 4
        default:
            // GS a n, GS B n, GS H n, GS h n, GS w n, GS f n …: one parameter.
            elements.append(.note("GS 0x\(hex(command))"))
            index += 3
        }
    }

    mutating func qrFunction(_ body: [UInt8]) {
        guard body.count >= 2, body[0] == 0x31 else { return }
        switch body[1] {
        case 0x43 where body.count >= 3:
            qrModuleSize = Int(body[2])
        case 0x45 where body.count >= 3:
            qrErrorCorrection = QRCode.ErrorCorrection(rawValue: Int(body[2]) - 48) ?? .low
        case 0x50 where body.count >= 3:
            qrData = Array(body.dropFirst(3))
        case 0x51:
            flushPendingText()
            elements.append(
                .qrCode(
                    data: qrData, moduleSize: qrModuleSize, errorCorrection: qrErrorCorrection,
                    alignment: alignment))
        default:
            break
        }
    }

    mutating func fs() {
        guard need(2, "FS command") else { return }
        switch bytes[index + 1] {
        case 0x26:  // FS &
            kanjiMode = true
            index += 2
        case 0x2E:  // FS .
            kanjiMode = false
            index += 2
        case 0x43:  // FS C n
            guard need(3, "FS C") else { return }
            shiftJISSelected = bytes[index + 2] % 48 == 1
            index += 3
        case 0x53:  // FS S n1 n2
            index += 4
        default:
            // FS ! n, FS - n, FS W n: one parameter.
            index += 3
        }
    }
}

/// Two upper-case hexadecimal digits.
private func hex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return digits.count == 1 ? "0" + digits : digits
}
