import Deflate
import Iconv

#if canImport(Glibc)
    import Glibc
#endif

/// Reads the rows of a trade_bill zip. QFPay's bill layout is not public (qfpay-notes.md), so the
/// reader is defensive and exact:
///
/// - the zip is read through its central directory; entries are stored (method 0) or deflated
///   (method 8, raw deflate through zlib), with or without data descriptors, CRC-32 checked;
/// - the text is UTF-8 with or without a byte order mark, else GB18030 or CP932 (Shift_JIS),
///   whichever decodes cleanly through iconv and holds a header row;
/// - the header row is found by its names, in Chinese, Japanese or English, after any title or
///   summary lines; columns are mapped by name; the details end at a total or comment line;
/// - transaction types become `payment`, `refund` or `close`; a status column (成功, success)
///   becomes respcd 0000;
/// - amounts are parsed exactly: thousands separators and fractions are allowed, a fraction is
///   never rounded (a non-zero fraction of a yen is an error), API-named columns (`txamt`) are in
///   the minimal unit, human-named ones (交易金额, 取引金額, amount) in the currency's major unit.
///
/// Anything else is a `Failure` naming the entry, the row and what is wrong.
enum TradeBillReader {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// An entry of the archive, inflated.
    struct Entry {
        var name: String
        var contents: [UInt8]
    }

    /// The rows of every CSV entry of `zip` (every entry when none is named `.csv` or `.txt`).
    /// Entries without a header row are skipped when another entry has one. `currency` applies to
    /// rows when the bill has no currency column.
    /// Bytes an entry may inflate to: a day's bill of a busy shop is a few MB; the zip's own
    /// header could otherwise make the reader allocate 4 GB before inflating a byte.
    static let maximumEntrySize = 64 << 20

    static func rows(zip: [UInt8], currency: String = "JPY") throws -> [BillRow] {
        let all = try entries(zip)
        let named = all.filter {
            let name = $0.name.lowercased()
            return name.hasSuffix(".csv") || name.hasSuffix(".txt")
        }
        var rows: [BillRow] = []
        var headerless: [String] = []
        var read = false
        for entry in named.isEmpty ? all : named {
            do {
                rows += try self.rows(text: entry.contents, currency: currency)
                read = true
            } catch let missing as MissingHeader {
                headerless.append("\(entry.name): \(missing.description)")
            } catch {
                throw Failure(description: "\(entry.name): \(error)")
            }
        }
        guard read else {
            let detail = headerless.isEmpty ? "the archive has no file entries" : headerless.joined(separator: "; ")
            throw Failure(description: "no entry holds a bill: \(detail)")
        }
        return rows
    }

    // MARK: - Zip

    /// The file entries of a zip archive, through its central directory (whose sizes hold also for
    /// entries written with a data descriptor), each checked against its CRC-32.
    static func entries(_ bytes: [UInt8]) throws -> [Entry] {
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        guard bytes.count >= 22 else {
            throw Failure(description: "not a zip archive: \(bytes.count) bytes are too few for one")
        }
        // The end of central directory record: its signature within the last 22 + 65,535 bytes
        // (the longest comment), the last one whose comment reaches the end exactly.
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        guard
            let end = stride(from: bytes.count - 22, through: lowest, by: -1).first(where: {
                u32($0) == 0x0605_4B50 && $0 + 22 + u16($0 + 20) == bytes.count
            })
        else {
            throw Failure(description: "not a whole zip archive: no end of central directory record (truncated?)")
        }
        let count = u16(end + 10)
        let directorySize = u32(end + 12)
        let directoryStart = u32(end + 16)
        guard count != 0xFFFF, directoryStart != 0xFFFF_FFFF else {
            throw Failure(description: "a ZIP64 archive, which bills never need, is not read")
        }
        guard directoryStart + directorySize <= end else {
            throw Failure(description: "the zip's central directory lies outside the archive (truncated?)")
        }
        var entries: [Entry] = []
        var offset = directoryStart
        for index in 0..<count {
            guard offset + 46 <= end, u32(offset) == 0x0201_4B50 else {
                throw Failure(description: "the zip's central directory is damaged at entry \(index + 1)")
            }
            let flags = u16(offset + 8)
            let method = u16(offset + 10)
            let crc = UInt32(u32(offset + 16))
            let compressedSize = u32(offset + 20)
            let size = u32(offset + 24)
            let nameLength = u16(offset + 28)
            let extraLength = u16(offset + 30)
            let commentLength = u16(offset + 32)
            let localOffset = u32(offset + 42)
            guard offset + 46 + nameLength <= end else {
                throw Failure(description: "the zip's central directory is damaged at entry \(index + 1)")
            }
            let nameBytes = Array(bytes[(offset + 46)..<(offset + 46 + nameLength)])
            // Bit 11: UTF-8 names; others are mostly CP437 or a local code page: shown as far as readable.
            let name = String(decoding: nameBytes, as: UTF8.self)
            offset += 46 + nameLength + extraLength + commentLength
            if name.hasSuffix("/") { continue }
            guard flags & 0x01 == 0 else { throw Failure(description: "\(name): the entry is encrypted") }
            guard compressedSize != 0xFFFF_FFFF, size != 0xFFFF_FFFF, localOffset != 0xFFFF_FFFF else {
                throw Failure(description: "\(name): a ZIP64 entry, which bills never need, is not read")
            }
            guard localOffset + 30 <= bytes.count, u32(localOffset) == 0x0403_4B50 else {
                throw Failure(description: "\(name): no local file header where the central directory points")
            }
            let dataStart = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28)
            guard dataStart + compressedSize <= bytes.count else {
                throw Failure(description: "\(name): the entry's data is truncated")
            }
            let data = Array(bytes[dataStart..<(dataStart + compressedSize)])
            let contents: [UInt8]
            switch method {
            case 0:
                guard compressedSize == size else {
                    throw Failure(
                        description: "\(name): a stored entry whose sizes differ (\(compressedSize), \(size))")
                }
                contents = data
            case 8:
                guard size <= maximumEntrySize else {
                    throw Failure(
                        description: "\(name): \(size) bytes once inflated, more than a bill's \(maximumEntrySize)")
                }
                do { contents = try Deflate.decompress(data, expectedSize: size) } catch {
                    throw Failure(description: "\(name): \(error)")
                }
            default:
                throw Failure(
                    description: "\(name): compression method \(method) is not read (only stored and deflate)")
            }
            let actual = Deflate.crc32(contents)
            guard actual == crc else {
                throw Failure(
                    description:
                        "\(name): CRC-32 mismatch (recorded \(hex(crc)), computed \(hex(actual))): the data is damaged"
                )
            }
            entries.append(Entry(name: name, contents: contents))
        }
        return entries
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    // MARK: - Text

    /// No header row in the text: the entry may be a summary, or the text is in another encoding.
    struct MissingHeader: Error, CustomStringConvertible {
        var description: String
    }

    /// The rows of one entry's bytes, in whichever encoding reads them.
    static func rows(text bytes: [UInt8], currency: String = "JPY") throws -> [BillRow] {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            guard let text = String(validating: bytes.dropFirst(3), as: UTF8.self) else {
                throw Failure(description: "the text starts with a UTF-8 byte order mark but is not UTF-8")
            }
            return try csvRows(text, currency: currency)
        }
        if let text = String(validating: bytes, as: UTF8.self) { return try csvRows(text, currency: currency) }
        var tried: [String] = []
        for charset in ["GB18030", "CP932"] {
            guard let text = decode(bytes, from: charset) else {
                tried.append("not \(charset)")
                continue
            }
            do { return try csvRows(text, currency: currency) } catch let missing as MissingHeader {
                tried.append("as \(charset): \(missing.description)")
            }
        }
        throw MissingHeader(description: "the text is not UTF-8; \(tried.joined(separator: "; "))")
    }

    /// `bytes` in `charset` as a string, or `nil` unless every byte converts.
    static func decode(_ bytes: [UInt8], from charset: String) -> String? {
        guard let converted = try? Iconv.convert(bytes, from: charset, to: "UTF-8") else { return nil }
        return String(validating: converted, as: UTF8.self)
    }

    // MARK: - Rows

    /// The fields a bill row is made of.
    enum Column: CaseIterable {
        case syssn, outTradeNo, origSyssn, orderType, respcd, status, amount, currency
    }

    /// Header names per column, compared after `normalizedHeader` (lower case, no spaces,
    /// underscores, brackets or units).
    static let headerNames: [Column: Set<String>] = [
        .syssn: [
            "syssn", "交易流水号", "钱方流水号", "流水号", "交易单号", "平台流水号", "取引番号", "取引id", "qfpay取引番号",
            "transactionid", "transactionno", "transactionnumber", "tradeno",
        ],
        .outTradeNo: [
            "outtradeno", "商户订单号", "商户单号", "外部订单号", "订单号", "加盟店注文番号", "注文番号", "加盟店取引番号",
            "merchantorderno", "merchantordernumber", "orderno", "ordernumber",
        ],
        .origSyssn: [
            "origsyssn", "原交易流水号", "原流水号", "原交易单号", "元取引番号", "原取引番号", "originalsyssn",
            "originaltransactionid", "originaltransactionno",
        ],
        .orderType: ["ordertype", "交易类型", "类型", "取引種別", "取引区分", "transactiontype", "type"],
        .respcd: ["respcd", "响应码", "返回码", "応答コード", "responsecode"],
        .status: ["交易状态", "状态", "取引状態", "ステータス", "状態", "status", "transactionstatus"],
        .amount: ["txamt", "交易金额", "金额", "订单金额", "取引金額", "金額", "amount", "transactionamount"],
        .currency: ["txcurrcd", "币种", "货币", "通貨", "currency"],
    ]

    /// Amount columns named after the API's own field, in the minimal unit; others are in the major unit.
    static let minimalUnitAmountNames: Set<String> = ["txamt"]

    /// Bill rows of CSV text whose header row comes after any title lines.
    static func csvRows(_ text: String, currency defaultCurrency: String = "JPY") throws -> [BillRow] {
        let records = parseCSV(text)
        var header: (index: Int, columns: [Column: Int], amountName: String)?
        for (index, record) in records.enumerated() {
            var columns: [Column: Int] = [:]
            var amountName = ""
            for (position, cell) in record.enumerated() {
                let name = normalizedHeader(cell)
                guard let column = Column.allCases.first(where: { headerNames[$0]!.contains(name) }),
                    columns[column] == nil
                else { continue }
                columns[column] = position
                if column == .amount { amountName = name }
            }
            if columns[.syssn] != nil, columns[.amount] != nil {
                header = (index, columns, amountName)
                break
            }
        }
        guard let header else {
            throw MissingHeader(
                description:
                    "no header row names a transaction number (交易流水号, 取引番号, syssn) and an amount (交易金额, 取引金額, txamt)"
            )
        }
        let minimalUnit = minimalUnitAmountNames.contains(header.amountName)
        let width = header.columns.values.max()! + 1
        var rows: [BillRow] = []
        for (index, record) in records.enumerated().dropFirst(header.index + 1) {
            let row = index + 1
            let cells = record.map(cleanedCell)
            if cells.allSatisfy(\.isEmpty) { continue }
            // The details end at the first total or comment line (合计, #…); a summary may follow.
            if let first = cells.first(where: { !$0.isEmpty }), isTotalOrComment(first) { break }
            guard cells.count >= width else {
                throw Failure(description: "row \(row) has \(cells.count) fields, the header needs \(width)")
            }
            func cell(_ column: Column) -> String? { header.columns[column].map { cells[$0] } }
            let syssn = cell(.syssn)!
            guard !syssn.isEmpty, !syssn.contains(where: \.isWhitespace) else {
                throw Failure(description: "row \(row) has no transaction number (syssn): \"\(syssn)\"")
            }
            let origSyssn = cell(.origSyssn).flatMap { $0.isEmpty ? nil : $0 }
            let orderType: String
            if let text = cell(.orderType) {
                guard let type = normalizedOrderType(text) else {
                    throw Failure(description: "row \(row) has an unknown transaction type \"\(text)\"")
                }
                orderType = type
            } else {
                orderType = origSyssn == nil ? "payment" : "refund"
            }
            let respcd: String
            if let code = cell(.respcd), !code.isEmpty {
                respcd = code
            } else if let status = cell(.status) {
                respcd = isSuccessStatus(status) ? "0000" : status
            } else {
                respcd = "0000"
            }
            let currency = cell(.currency).flatMap { $0.isEmpty ? nil : $0.uppercased() } ?? defaultCurrency
            let amountText = cell(.amount)!
            let amount: Int
            do { amount = try parseAmount(amountText, currency: currency, minimalUnit: minimalUnit) } catch {
                throw Failure(description: "row \(row): \(error)")
            }
            guard amount >= 0 || orderType != "payment" else {
                throw Failure(description: "row \(row): a payment of a negative amount (\(amountText))")
            }
            rows.append(
                BillRow(
                    syssn: syssn, outTradeNo: cell(.outTradeNo).flatMap { $0.isEmpty ? nil : $0 }, amount: abs(amount),
                    orderType: orderType, respcd: respcd, origSyssn: origSyssn))
        }
        return rows
    }

    /// A cell without surrounding spaces and without the markers spreadsheet exports put in front
    /// of long numbers: a backtick or apostrophe, a tab, `="…"`.
    static func cleanedCell(_ text: String) -> String {
        var value = text.trimmingSpaces()
        if value.hasPrefix("=\""), value.hasSuffix("\""), value.count >= 3 {
            value = String(value.dropFirst(2).dropLast())
        }
        while let first = value.first, first == "`" || first == "'" || first == "\t" {
            value.removeFirst()
        }
        return value.trimmingSpaces()
    }

    /// A header cell reduced for comparison: lower case, without spaces, `_`, `-`, `#` and a
    /// bracketed unit (`交易金额(元)`, `取引金額（円）`, `Amount (JPY)`).
    static func normalizedHeader(_ text: String) -> String {
        var value = cleanedCell(text)
        for (open, close) in [("(", ")"), ("（", "）"), ("[", "]"), ("【", "】")] {
            if let start = value.range(of: open),
                let end = value.range(of: close, range: start.upperBound..<value.endIndex)
            {
                value.removeSubrange(start.lowerBound..<end.upperBound)
            }
        }
        return String(value.lowercased().filter { !$0.isWhitespace && $0 != "_" && $0 != "-" && $0 != "#" })
    }

    /// Whether a row's first cell marks the end of the details: a total or a comment.
    static func isTotalOrComment(_ cell: String) -> Bool {
        if cell.hasPrefix("#") { return true }
        let lowered = cell.lowercased()
        let markers = ["合计", "总计", "总交易", "合計", "総計", "小計", "小计", "total", "sum", "summary"]
        return markers.contains { lowered.hasPrefix($0) }
    }

    /// `payment`, `refund` or `close` for a bill's transaction type, in any of its languages.
    static func normalizedOrderType(_ text: String) -> String? {
        let value = text.lowercased().filter { !$0.isWhitespace }
        let refund = ["refund", "退款", "退货", "返金", "払戻", "払い戻し"]
        let close = [
            "close", "cancel", "reversal", "reverse", "revoke", "void", "撤销", "撤銷", "冲正", "关闭", "取消", "キャンセル",
            "取り消し",
        ]
        let payment = [
            "payment", "pay", "paid", "sale", "purchase", "付款", "支付", "消费", "收款", "交易", "支払", "決済", "売上", "購入",
        ]
        if refund.contains(where: value.contains) { return "refund" }
        if close.contains(where: value.contains) { return "close" }
        if payment.contains(where: value.contains) { return "payment" }
        return nil
    }

    /// Whether a status cell says the transaction succeeded (成功, 完了, success, 0000).
    static func isSuccessStatus(_ text: String) -> Bool {
        let value = text.lowercased().filter { !$0.isWhitespace }
        if value == "0000" { return true }
        let negative = ["失败", "失敗", "未", "不", "fail", "error", "エラー", "unpaid", "not"]
        if negative.contains(where: value.contains) { return false }
        return ["成功", "完了", "success", "succeeded", "ok", "paid"].contains(where: value.contains)
    }

    /// Currencies without a minor unit; the others have two decimals.
    static let zeroDecimalCurrencies: Set<String> = ["JPY", "KRW"]

    /// An amount in the currency's minimal unit, exactly. `minimalUnit`: the text is already in the
    /// minimal unit (a fraction must then be zero); otherwise it is in the major unit and its
    /// fraction has at most the currency's decimals (more only as trailing zeros). Accepts a sign,
    /// a currency sign (¥ ￥ $ € or 円 元 after), thousands separators in groups of three.
    static func parseAmount(_ text: String, currency: String, minimalUnit: Bool) throws -> Int {
        struct Invalid: Error, CustomStringConvertible { var description: String }
        var value = Substring(text.trimmingSpaces())
        var negative = false
        if let first = value.first, first == "-" || first == "−" || first == "+" {
            negative = first != "+"
            value = value.dropFirst()
        }
        while let first = value.first, "¥￥$€".contains(first) { value = value.dropFirst() }
        while let last = value.last, "円元".contains(last) { value = value.dropLast() }
        let parts = value.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integerText = parts[0]
        let fractionText = parts.count > 1 ? parts[1] : ""
        let groups = integerText.split(separator: ",", omittingEmptySubsequences: false)
        let isDigits: (Substring) -> Bool = { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        guard groups.allSatisfy(isDigits), parts.count == 1 || isDigits(fractionText),
            groups.count == 1 || (groups[0].count <= 3 && groups.dropFirst().allSatisfy { $0.count == 3 })
        else { throw Invalid(description: "\"\(text)\" is not an amount") }
        let digits = groups.joined()
        let decimals = minimalUnit ? 0 : (zeroDecimalCurrencies.contains(currency) ? 0 : 2)
        let significant = fractionText.count > decimals ? fractionText.dropFirst(decimals) : ""
        guard significant.allSatisfy({ $0 == "0" }) else {
            if decimals == 0 {
                throw Invalid(
                    description: minimalUnit
                        ? "\"\(text)\" has a fraction of the minimal unit of \(currency)"
                        : "\"\(text)\" has a fraction, but \(currency) has no minor unit")
            }
            throw Invalid(description: "\"\(text)\" has more than \(decimals) decimals of \(currency)")
        }
        let fraction =
            String(fractionText.prefix(decimals))
            + String(repeating: "0", count: decimals - min(decimals, fractionText.count))
        guard digits.count + fraction.count <= 18, let amount = Int(digits + fraction) else {
            throw Invalid(description: "\"\(text)\" is too large")
        }
        return negative ? -amount : amount
    }

    /// RFC 4180 records: quotes, doubled quotes, CRLF or LF line ends; blank lines are dropped.
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

extension String {
    /// Without leading and trailing spaces, tabs, ideographic spaces and byte order marks.
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\u{3000}" || $0 == "\u{FEFF}" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}
