import QRCode

/// A decoded ESC/POS stream rendered for people: a text rendering and a 1-bit image of the paper.
///
/// QR codes are drawn module for module (native ones re-encoded with libqrencode at the printer's
/// module size), so that a barcode reader decodes the image back to the data that was sent.
public struct ReceiptPreview: Sendable {
    /// Dot height of a font A line at normal size.
    public static let lineHeight = 24
    /// Dot width of a half-width font A character.
    public static let characterWidth = 12
    /// Dots between text lines.
    public static let lineGap = 6
    /// Blank dots above the first and below the last element.
    public static let margin = 24

    /// What the stream prints.
    public let elements: [PreviewElement]
    /// Printable width in dots.
    public let dotsPerLine: Int
    /// Half-width columns per line.
    public let columns: Int

    /// Decodes `bytes` for a printer with `dotsPerLine` dots and `columns` columns.
    public init(bytes: [UInt8], dotsPerLine: Int = 576, columns: Int = 48) {
        self.elements = PreviewDecoder(columns: columns).decode(bytes)
        self.dotsPerLine = dotsPerLine
        self.columns = columns
    }

    /// Decodes `bytes` for the paper of `profile`.
    public init(bytes: [UInt8], profile: PrinterProfile) {
        self.init(bytes: bytes, dotsPerLine: profile.dotsPerLine, columns: profile.columns)
    }

    /// Every QR payload in the stream, native and raster-free (raster QR codes are images: read them from `image()`).
    public var nativeQRPayloads: [String] {
        elements.compactMap {
            if case .qrCode(let data, _, _, _) = $0 { return String(decoding: data, as: UTF8.self) }
            return nil
        }
    }

    /// The printed text, one line per printed line, aligned within `columns`; QR codes, images,
    /// cuts and drawer pulses appear as bracketed notes.
    public var text: String {
        var output = ""
        for element in elements {
            switch element {
            case .line(let line):
                let pad: Int
                switch line.alignment {
                case .left: pad = 0
                case .center: pad = max(0, (columns - line.columns) / 2)
                case .right: pad = max(0, columns - line.columns)
                }
                var rendered = String(repeating: " ", count: pad)
                for glyph in line.glyphs { rendered.append(glyph.character) }
                while rendered.last == " " { rendered.removeLast() }
                output += rendered + "\n"
            case .qrCode(let data, let moduleSize, let level, _):
                output +=
                    "[QR native model 2, module \(moduleSize), EC \(level): \(String(decoding: data, as: UTF8.self))]\n"
            case .image(let image, _):
                output += "[raster image \(image.width)x\(image.height)]\n"
            case .feed(let dots):
                output += "[feed \(dots) dots]\n"
            case .cut(let partial):
                output += partial ? "[partial cut]\n" : "[full cut]\n"
            case .drawerPulse(let pin):
                output += "[drawer pulse pin \(pin == 0 ? 2 : 5)]\n"
            case .note(let note):
                output += "[\(note)]\n"
            }
        }
        return output
    }

    /// The paper as a 1-bit image `dotsPerLine` wide: ASCII in a 5×7 dot font, other characters
    /// (Kanji, kana, symbols) from `font` scaled to their cell, or as boxes when it has no glyph
    /// for them (full-width ones twice as wide, emphasised ones filled); QR codes and raster images
    /// dot for dot, cuts as dashed lines.
    public func image(font: HexFont? = .system) -> Bitmap {
        let wide = font?.glyphs(for: scalarsOutsideTheDotFont) ?? [:]
        var placed: [(y: Int, draw: Drawable)] = []
        var y = Self.margin
        for element in elements {
            switch element {
            case .line(let line):
                let height = Self.lineHeight * line.heightScale
                placed.append((y, .line(line, height: height)))
                y += height + Self.lineGap
            case .qrCode(let data, let moduleSize, let level, let alignment):
                guard let symbol = try? QRCode(encoding: data, errorCorrection: level) else {
                    continue
                }
                let bitmap = Bitmap(qrCode: symbol, moduleSize: max(1, moduleSize))
                placed.append((y, .bitmap(bitmap, alignment)))
                y += bitmap.height
            case .image(let bitmap, let alignment):
                placed.append((y, .bitmap(bitmap, alignment)))
                y += bitmap.height
            case .feed(let dots):
                y += dots
            case .cut:
                placed.append((y + 4, .cut))
                y += 12
            case .drawerPulse, .note:
                continue
            }
        }
        var paper = Bitmap(width: dotsPerLine, height: y + Self.margin)
        for (top, drawable) in placed {
            switch drawable {
            case .line(let line, let height):
                drawLine(line, top: top, height: height, glyphs: wide, on: &paper)
            case .bitmap(let bitmap, let alignment):
                paper.draw(bitmap, x: offset(width: bitmap.width, alignment: alignment), y: top)
            case .cut:
                var x = 0
                while x < dotsPerLine {
                    paper.fill(x: x, y: top, width: 8, height: 1)
                    x += 16
                }
            }
        }
        return paper
    }

    /// The image as a PNG file.
    public func png(font: HexFont? = .system) -> [UInt8] {
        PNGWriter.encode(image(font: font))
    }

    /// Characters printed that the 5×7 font lacks.
    private var scalarsOutsideTheDotFont: Set<UInt32> {
        var scalars: Set<UInt32> = []
        for case .line(let line) in elements {
            for glyph in line.glyphs where glyph.character != " " && PreviewFont.columns(of: glyph.character) == nil {
                if let scalar = glyph.character.unicodeScalars.first { scalars.insert(scalar.value) }
            }
        }
        return scalars
    }

    private enum Drawable {
        case line(PreviewLine, height: Int)
        case bitmap(Bitmap, PreviewAlignment)
        case cut
    }

    private func offset(width: Int, alignment: PreviewAlignment) -> Int {
        switch alignment {
        case .left: return 0
        case .center: return max(0, (dotsPerLine - width) / 2)
        case .right: return max(0, dotsPerLine - width)
        }
    }

    private func drawLine(
        _ line: PreviewLine, top: Int, height: Int, glyphs: [UInt32: HexFont.Glyph], on paper: inout Bitmap
    ) {
        var x = offset(width: line.columns * Self.characterWidth, alignment: line.alignment)
        for glyph in line.glyphs {
            let width = glyph.columns * glyph.widthScale * Self.characterWidth
            let glyphHeight = Self.lineHeight * glyph.heightScale
            let glyphTop = top + height - glyphHeight
            if let columns = PreviewFont.columns(of: glyph.character) {
                // 5×7 glyph scaled to the 12×24 cell: 2 dots a column, 3 dots a row.
                let scaleX = 2 * glyph.widthScale
                let scaleY = 3 * glyph.heightScale
                let left = x + glyph.widthScale
                let cellTop = glyphTop + 2 * glyph.heightScale
                for (column, bits) in columns.enumerated() {
                    for row in 0..<7 where bits & (1 << UInt8(row)) != 0 {
                        paper.fill(
                            x: left + column * scaleX, y: cellTop + row * scaleY,
                            width: scaleX + (glyph.emphasised ? 1 : 0), height: scaleY)
                    }
                }
            } else if let scalar = glyph.character.unicodeScalars.first, let shape = glyphs[scalar.value] {
                // A 16-dot Unifont glyph scaled (nearest dot) to the whole cell.
                for row in 0..<glyphHeight {
                    let sourceRow = row * 16 / glyphHeight
                    for column in 0..<width where shape.isSet(x: column * shape.width / width, y: sourceRow) {
                        paper.fill(x: x + column, y: glyphTop + row, width: glyph.emphasised ? 2 : 1, height: 1)
                    }
                }
            } else if glyph.character != " " {
                if glyph.emphasised {
                    paper.fill(x: x + 2, y: glyphTop + 4, width: width - 4, height: glyphHeight - 6)
                } else {
                    paper.strokeRectangle(x: x + 2, y: glyphTop + 4, width: width - 4, height: glyphHeight - 6)
                }
            }
            if glyph.underlined { paper.fill(x: x, y: top + height - 1, width: width, height: 1) }
            x += width
        }
    }
}
