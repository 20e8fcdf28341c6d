import QRCode

/// A 1-bit image, rows packed most significant bit first, 1 = black dot: the layout of `GS v 0`.
public struct Bitmap: Sendable, Hashable {
    /// Width in dots.
    public let width: Int
    /// Height in dots.
    public let height: Int
    /// Bytes per row: `(width + 7) / 8`.
    public let bytesPerRow: Int
    /// The packed rows, `bytesPerRow * height` bytes.
    public private(set) var bytes: [UInt8]

    /// A white image.
    public init(width: Int, height: Int) {
        precondition(width >= 0 && height >= 0, "negative bitmap size")
        self.width = width
        self.height = height
        self.bytesPerRow = (width + 7) / 8
        self.bytes = [UInt8](repeating: 0, count: bytesPerRow * height)
    }

    /// An image from packed rows as `GS v 0` carries them.
    public init(width: Int, height: Int, packedRows: [UInt8]) {
        self.init(width: width, height: height)
        let count = min(packedRows.count, bytes.count)
        bytes.replaceSubrange(0..<count, with: packedRows[0..<count])
    }

    /// A QR code drawn at `moduleSize` dots per module, with `quietZone` light modules around it.
    public init(qrCode: QRCode, moduleSize: Int, quietZone: Int = 0) {
        let side = (qrCode.size + 2 * quietZone) * moduleSize
        self.init(width: side, height: side)
        for row in 0..<qrCode.size {
            for column in 0..<qrCode.size where qrCode[column, row] {
                fill(
                    x: (column + quietZone) * moduleSize, y: (row + quietZone) * moduleSize,
                    width: moduleSize, height: moduleSize)
            }
        }
    }

    /// Whether the dot at (`x`, `y`) is black; outside the image is white.
    public subscript(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < width, y < height else { return false }
        return bytes[y * bytesPerRow + x >> 3] & (0x80 >> UInt8(x & 7)) != 0
    }

    /// Blackens one dot; dots outside the image are ignored.
    public mutating func set(x: Int, y: Int) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        bytes[y * bytesPerRow + x >> 3] |= 0x80 >> UInt8(x & 7)
    }

    /// Blackens a rectangle, clipped to the image.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int) {
        let x0 = max(0, x)
        let y0 = max(0, y)
        let x1 = min(width, x + w)
        let y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            for column in x0..<x1 { bytes[row * bytesPerRow + column >> 3] |= 0x80 >> UInt8(column & 7) }
        }
    }

    /// Draws `other` with its top left corner at (`x`, `y`), black dots only.
    public mutating func draw(_ other: Bitmap, x: Int, y: Int) {
        for row in 0..<other.height {
            for column in 0..<other.width where other[column, row] { set(x: x + column, y: y + row) }
        }
    }

    /// Draws the outline of a rectangle.
    public mutating func strokeRectangle(x: Int, y: Int, width w: Int, height h: Int) {
        guard w > 0, h > 0 else { return }
        fill(x: x, y: y, width: w, height: 1)
        fill(x: x, y: y + h - 1, width: w, height: 1)
        fill(x: x, y: y, width: 1, height: h)
        fill(x: x + w - 1, y: y, width: 1, height: h)
    }
}
