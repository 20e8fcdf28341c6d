/// Reads the rows of a trade_bill zip: every CSV entry stored in the archive (QFPay's layout is not
/// public, so columns are found by name: `syssn`, `out_trade_no`, `txamt`, `order_type`, `respcd`).
/// Only stored (uncompressed) entries are read; a compressed entry is reported, not guessed.
enum TradeBillReader {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func rows(zip: [UInt8]) throws -> [BillRow] {
        var rows: [BillRow] = []
        for contents in try entries(zip) { rows += try csvRows(String(decoding: contents, as: UTF8.self)) }
        return rows
    }

    /// Contents of each stored entry, walking the local file headers.
    static func entries(_ bytes: [UInt8]) throws -> [[UInt8]] {
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        var result: [[UInt8]] = []
        var offset = 0
        while offset + 30 <= bytes.count, u32(offset) == 0x0403_4B50 {
            let method = u16(offset + 8)
            let flags = u16(offset + 6)
            let compressedSize = u32(offset + 18)
            let nameLength = u16(offset + 26)
            let extraLength = u16(offset + 28)
            let start = offset + 30 + nameLength + extraLength
            guard flags & 0x08 == 0 else { throw Failure(description: "zip entries with data descriptors") }
            guard start + compressedSize <= bytes.count else { throw Failure(description: "truncated zip") }
            guard method == 0 else { throw Failure(description: "compressed zip entry (method \(method))") }
            result.append(Array(bytes[start..<(start + compressedSize)]))
            offset = start + compressedSize
        }
        guard !result.isEmpty || bytes.isEmpty else { throw Failure(description: "no zip entries") }
        return result
    }

    static func csvRows(_ text: String) throws -> [BillRow] {
        let lines = parseCSV(text)
        guard let header = lines.first else { return [] }
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        guard let syssn = column("syssn"), let amount = column("txamt") else {
            throw Failure(description: "the bill has no syssn or txamt column")
        }
        let outTradeNo = column("out_trade_no")
        let orderType = column("order_type")
        let respcd = column("respcd")
        let origSyssn = column("orig_syssn")
        return lines.dropFirst().compactMap { fields in
            guard fields.count == header.count else { return nil }
            return BillRow(
                syssn: fields[syssn], outTradeNo: outTradeNo.map { fields[$0] }.flatMap { $0.isEmpty ? nil : $0 },
                amount: Int(fields[amount]) ?? 0, orderType: orderType.map { fields[$0] } ?? "payment",
                respcd: respcd.map { fields[$0] } ?? "0000",
                origSyssn: origSyssn.map { fields[$0] }.flatMap { $0.isEmpty ? nil : $0 })
        }
    }

    /// RFC 4180 fields: quotes, doubled quotes, CRLF or LF line ends.
    static func parseCSV(_ text: String) -> [[String]] {
        var lines: [[String]] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var iterator = Array(text).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" {
                            field.append("\"")
                        } else {
                            quoted = false
                            pending = next
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"": quoted = true
            case ",":
                fields.append(field)
                field = ""
            case "\r\n", "\n", "\r":
                fields.append(field)
                field = ""
                if !(fields.count == 1 && fields[0].isEmpty) { lines.append(fields) }
                fields = []
            default: field.append(c)
            }
        }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            lines.append(fields)
        }
        return lines
    }
}
