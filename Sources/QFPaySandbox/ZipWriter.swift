import Deflate

/// Writes a zip archive: local file headers, each entry stored (method 0) or deflated (method 8,
/// raw deflate through zlib), a central directory and its end record, with CRC-32 and sizes in
/// the local headers (no data descriptors). Readable by `unzip`, Python's `zipfile` and every
/// other zip reader.
struct ZipWriter {
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

    mutating func add(name: String, contents: [UInt8], compression: TradeBillFormat.Compression) throws {
        let nameBytes = Array(name.utf8)
        let crc = Deflate.crc32(contents)
        let data: [UInt8]
        let method: UInt16
        // Bit 11: the name is UTF-8; bit 1 with deflate: maximum compression was used.
        var flags: UInt16 = 0x0800
        switch compression {
        case .stored:
            data = contents
            method = 0
        case .deflate:
            data = try Deflate.compress(contents)
            method = 8
            flags |= 0x0002
        }
        let offset = UInt32(body.count)
        // Local file header.
        body.appendLittleEndian(UInt32(0x0403_4B50))
        body.appendLittleEndian(UInt16(20))  // version needed: 2.0 (deflate)
        body.appendLittleEndian(flags)
        body.appendLittleEndian(method)
        body.appendLittleEndian(dosTime)
        body.appendLittleEndian(dosDate)
        body.appendLittleEndian(crc)
        body.appendLittleEndian(UInt32(data.count))
        body.appendLittleEndian(UInt32(contents.count))
        body.appendLittleEndian(UInt16(nameBytes.count))
        body.appendLittleEndian(UInt16(0))
        body += nameBytes
        body += data
        // Central directory entry.
        directory.appendLittleEndian(UInt32(0x0201_4B50))
        directory.appendLittleEndian(UInt16(0x0314))  // made by: Unix, 2.0
        directory.appendLittleEndian(UInt16(20))
        directory.appendLittleEndian(flags)
        directory.appendLittleEndian(method)
        directory.appendLittleEndian(dosTime)
        directory.appendLittleEndian(dosDate)
        directory.appendLittleEndian(crc)
        directory.appendLittleEndian(UInt32(data.count))
        directory.appendLittleEndian(UInt32(contents.count))
        directory.appendLittleEndian(UInt16(nameBytes.count))
        directory.appendLittleEndian(UInt16(0))  // extra
        directory.appendLittleEndian(UInt16(0))  // comment
        directory.appendLittleEndian(UInt16(0))  // disk
        directory.appendLittleEndian(UInt16(0))  // internal attributes
        directory.appendLittleEndian(UInt32(0o100644) << 16)  // external attributes: a regular file, rw-r--r--
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

extension [UInt8] {
    fileprivate mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
