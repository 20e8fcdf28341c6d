import ESCPOS
import QRCode
import Testing

@Suite("ESC/POS commands")
struct CommandEncoderTests {
    let epson = try! PrinterProfile.named("epson-tm-t88-jp")
    let citizen = try! PrinterProfile.named("citizen-ct-s310")
    let generic = try! PrinterProfile.named("generic-58")

    func bytes(_ profile: PrinterProfile? = nil, _ build: (inout CommandEncoder) throws -> Void) rethrows -> [UInt8] {
        var encoder = CommandEncoder(profile: profile ?? epson)
        try build(&encoder)
        return encoder.bytes
    }

    @Test("initialise is ESC @")
    func initialise() {
        #expect(bytes { $0.initialize() } == [0x1B, 0x40])
    }

    @Test("character sets follow the profile's Kanji system")
    func characterSets() {
        // ESC R 8, ESC t 1, FS C 1
        #expect(bytes(epson) { $0.selectCharacterSets() } == [0x1B, 0x52, 8, 0x1B, 0x74, 1, 0x1C, 0x43, 1])
        // ... and FS & for printers whose Kanji mode must be switched on
        #expect(
            bytes(citizen) { $0.selectCharacterSets() }
                == [0x1B, 0x52, 8, 0x1B, 0x74, 1, 0x1C, 0x43, 1, 0x1C, 0x26])
        // FS . (Kanji off) for printers without Kanji
        #expect(bytes(generic) { $0.selectCharacterSets() } == [0x1C, 0x2E])
    }

    @Test("alignment, emphasis, underline and size have their ESC and GS codes")
    func textModes() {
        #expect(bytes { $0.align(.left) } == [0x1B, 0x61, 0])
        #expect(bytes { $0.align(.center) } == [0x1B, 0x61, 1])
        #expect(bytes { $0.align(.right) } == [0x1B, 0x61, 2])
        #expect(bytes { $0.emphasis(true) } == [0x1B, 0x45, 1])
        #expect(bytes { $0.emphasis(false) } == [0x1B, 0x45, 0])
        #expect(bytes { $0.underline(.thin) } == [0x1B, 0x2D, 1])
        #expect(bytes { $0.underline(.thick) } == [0x1B, 0x2D, 2])
        #expect(bytes { $0.underline(.none) } == [0x1B, 0x2D, 0])
        #expect(bytes { $0.size(width: 1, height: 1) } == [0x1D, 0x21, 0x00])
        #expect(bytes { $0.size(width: 2, height: 2) } == [0x1D, 0x21, 0x11])
        #expect(bytes { $0.size(width: 1, height: 2) } == [0x1D, 0x21, 0x01])
        #expect(bytes { $0.size(width: 9, height: 0) } == [0x1D, 0x21, 0x70])
    }

    @Test("line feed and feed are LF and ESC d n")
    func feeds() {
        #expect(bytes { $0.line("A") } == [0x41, 0x0A])
        #expect(bytes { $0.feed(lines: 3) } == [0x1B, 0x64, 3])
    }

    @Test("cuts are GS V 65/66 n, and a feed to the tear bar without a cutter")
    func cuts() {
        #expect(bytes(epson) { $0.cut(.partial, feed: 0) } == [0x1D, 0x56, 0x42, 0])
        #expect(bytes(epson) { $0.cut(.full, feed: 16) } == [0x1D, 0x56, 0x41, 16])
        #expect(bytes(try! .named("generic-80")) { $0.cut(.partial) } == [0x1D, 0x56, 0x41, 0])
        #expect(bytes(generic) { $0.cut() } == [0x1B, 0x64, 4])
    }

    @Test("the drawer pulse is ESC p m t1 t2 in 2 ms units, and nothing without a drawer port")
    func drawer() {
        #expect(bytes(epson) { $0.pulseDrawer() } == [0x1B, 0x70, 0, 50, 100])
        #expect(
            bytes(epson) { $0.pulseDrawer(pin: 1, onMilliseconds: 50, offMilliseconds: 500) } == [
                0x1B, 0x70, 1, 25, 250,
            ])
        #expect(bytes(generic) { $0.pulseDrawer() } == [])
    }

    @Test("a native QR code is the five GS ( k functions with model 2, size, level and data")
    func nativeQR() throws {
        let data = Array("https://q.example/a".utf8)
        let result = try bytes(epson) {
            try $0.qrCode("https://q.example/a", moduleSize: 6, errorCorrection: .quartile)
        }
        var expected: [UInt8] = [0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]
        expected += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 6]
        expected += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 50]
        expected += [0x1D, 0x28, 0x6B, UInt8(data.count + 3), 0x00, 0x31, 0x50, 0x30] + data
        expected += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]
        #expect(result == expected)
    }

    @Test("the store length of a long QR payload is little-endian over two bytes")
    func nativeQRLength() throws {
        let url = "https://q.example/" + String(repeating: "x", count: 300)
        let result = try bytes(epson) { try $0.qrCode(url) }
        let store = 9 + 8 + 8
        #expect(
            Array(result[store..<(store + 5)]) == [0x1D, 0x28, 0x6B, UInt8((318 + 3) & 0xFF), UInt8((318 + 3) >> 8)])
    }

    @Test("a raster QR code is GS v 0 with the libqrencode matrix")
    func rasterQR() throws {
        let result = try bytes(epson) { try $0.qrCode("HELLO", moduleSize: 2, forceRaster: true) }
        let symbol = try QRCode(encoding: "HELLO")
        let side = symbol.size * 2
        let rowBytes = (side + 7) / 8
        #expect(Array(result[0..<8]) == [0x1D, 0x76, 0x30, 0x00, UInt8(rowBytes), 0, UInt8(side), 0])
        #expect(result.count == 8 + rowBytes * side)
        // The top-left module of a QR code is dark (finder pattern): the first two dots are black.
        #expect(result[8] & 0xC0 == 0xC0)
    }

    @Test("printers without native QR get a raster even when native is asked for")
    func rasterFallback() throws {
        let result = try bytes(generic) { try $0.qrCode("HELLO") }
        #expect(Array(result[0..<3]) == [0x1D, 0x76, 0x30])
    }

    @Test("empty QR data is an error, not an empty symbol")
    func emptyQR() {
        #expect(throws: ESCPOSError.self) { try bytes { try $0.qrCode("") } }
        #expect(throws: ESCPOSError.self) { try bytes { try $0.qrCode("", forceRaster: true) } }
    }

    @Test("an image wider than the paper is refused")
    func imageTooWide() {
        #expect(throws: ESCPOSError.self) {
            try bytes(generic) { try $0.rasterImage(Bitmap(width: 400, height: 8)) }
        }
    }

    @Test("GS r 1 asks for the paper sensor status")
    func paperSensor() {
        #expect(bytes { $0.transmitPaperSensorStatus() } == [0x1D, 0x72, 0x01])
    }
}
