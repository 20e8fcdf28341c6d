/// Writes a zip archive whose entries are stored uncompressed (method 0): local file headers, the
/// data, a central directory and its end record. Enough for the reconciliation bill, and readable
/// by `unzip`, Python's `zipfile` and every other zip reader.
struct StoredZip {
    private var body: [UInt8] = []
    private var directory: [UInt8] = []
    private var entryCount = 0
    private let dosTime: UInt16
    private let dosDate: UInt16

    /// `modified` gives the entries' timestamp: (year, month, day, hour, minute, second).
    init(modified: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int)) {
        dosTime = UInt16(modified.hour << 11 | modified.minute << 5 | modified.second / 2)
        dosDate = UInt16(max(0, modified.year - 1980) << 9 | modified.month << 5 | modified.day)
    }

    mutating func add(name: String, contents: [UInt8]) {
        let nameBytes = Array(name.utf8)
        let crc = CRC32.checksum(contents)
        let offset = UInt32(body.count)
        // Local file header.
        body.appendLittleEndian(UInt32(0x0403_4B50))
        body.appendLittleEndian(UInt16(20))  // version needed
        body.appendLittleEndian(UInt16(0x0800))  // flags: UTF-8 names
        body.appendLittleEndian(UInt16(0))  // method: stored
        body.appendLittleEndian(dosTime)
        body.appendLittleEndian(dosDate)
        body.appendLittleEndian(crc)
        body.appendLittleEndian(UInt32(contents.count))
        body.appendLittleEndian(UInt32(contents.count))
        body.appendLittleEndian(UInt16(nameBytes.count))
        body.appendLittleEndian(UInt16(0))
        body += nameBytes
        body += contents
        // Central directory entry.
        directory.appendLittleEndian(UInt32(0x0201_4B50))
        directory.appendLittleEndian(UInt16(20))  // version made by
        directory.appendLittleEndian(UInt16(20))
        directory.appendLittleEndian(UInt16(0x0800))
        directory.appendLittleEndian(UInt16(0))
        directory.appendLittleEndian(dosTime)
        directory.appendLittleEndian(dosDate)
        directory.appendLittleEndian(crc)
        directory.appendLittleEndian(UInt32(contents.count))
        directory.appendLittleEndian(UInt32(contents.count))
        directory.appendLittleEndian(UInt16(nameBytes.count))
        directory.appendLittleEndian(UInt16(0))  // extra
        directory.appendLittleEndian(UInt16(0))  // comment
        directory.appendLittleEndian(UInt16(0))  // disk
        directory.appendLittleEndian(UInt16(0))  // internal attributes
        directory.appendLittleEndian(UInt32(0))  // external attributes
        directory.appendLittleEndian(offset)
        directory += nameBytes
        entryCount += 1
    }

    /// The whole archive.
    func bytes() -> [UInt8] {
        var output = body + directory
        output.appendLittleEndian(UInt32(0x0605_4B50))
        output.appendLittleEndian(UInt16(0))
        output.appendLittleEndian(UInt16(0))
        output.appendLittleEndian(UInt16(entryCount))
        output.appendLittleEndian(UInt16(entryCount))
        output.appendLittleEndian(UInt32(directory.count))
        output.appendLittleEndian(UInt32(body.count))
        output.appendLittleEndian(UInt16(0))
        return output
    }
}

/// CRC-32 (ISO-HDLC, polynomial 0xEDB88320), as zip and zlib compute it.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

extension [UInt8] {
    fileprivate mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
