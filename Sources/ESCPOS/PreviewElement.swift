import QRCode

/// One thing an ESC/POS stream makes the printer do, as decoded for a preview.
public enum PreviewElement: Sendable, Hashable {
    /// A printed line of text (possibly empty: a blank line).
    case line(PreviewLine)
    /// A native QR code (`GS ( k`): its data, module size in dots and error-correction level.
    case qrCode(data: [UInt8], moduleSize: Int, errorCorrection: QRCode.ErrorCorrection, alignment: PreviewAlignment)
    /// A raster image (`GS v 0`).
    case image(Bitmap, alignment: PreviewAlignment)
    /// Paper fed by `dots` without printing (`ESC J`).
    case feed(dots: Int)
    /// A cut (`GS V`), partial or full.
    case cut(partial: Bool)
    /// A cash-drawer pulse (`ESC p`) on pin 2 (0) or 5 (1).
    case drawerPulse(pin: Int)
    /// Something worth telling a technician: an unknown command, a truncated one, a status request.
    case note(String)
}

/// Horizontal alignment in a preview.
public enum PreviewAlignment: Int, Sendable, Hashable {
    case left = 0
    case center = 1
    case right = 2
}

/// A line of decoded text with the attributes it was printed with.
public struct PreviewLine: Sendable, Hashable {
    /// One character and the columns it fills at normal size (1 half-width, 2 full-width).
    public struct Glyph: Sendable, Hashable {
        public var character: Character
        public var columns: Int
        public var widthScale: Int
        public var heightScale: Int
        public var emphasised: Bool
        public var underlined: Bool
    }

    /// The characters.
    public var glyphs: [Glyph]
    /// Alignment the line was printed with.
    public var alignment: PreviewAlignment

    /// The text of the line.
    public var text: String { String(glyphs.map(\.character)) }
    /// Columns filled, size multipliers included.
    public var columns: Int { glyphs.reduce(0) { $0 + $1.columns * $1.widthScale } }
    /// The tallest character's height multiplier (1 for a blank line).
    public var heightScale: Int { glyphs.map(\.heightScale).max() ?? 1 }
}
