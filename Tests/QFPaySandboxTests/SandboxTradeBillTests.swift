import Deflate
import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

@Suite("Reconciliation bill")
struct SandboxTradeBillTests {
    /// One entry of a zip: its method and inflated contents, read from the central directory.
    struct ZipEntry {
        var method: Int
        var localMethod: Int
        var crc: UInt32
        var contents: [UInt8]
    }

    /// The entries of a zip, read from its central directory and inflated with zlib.
    static func entries(_ bytes: [UInt8]) throws -> [String: ZipEntry] {
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        let end = try #require(
            (0...(bytes.count - 22)).reversed().first { u32($0) == 0x0605_4B50 }, "no end of central directory")
        var entries: [String: ZipEntry] = [:]
        var offset = u32(end + 16)
        for _ in 0..<u16(end + 10) {
            #expect(u32(offset) == 0x0201_4B50)
            let method = u16(offset + 10)
            let crc = UInt32(u32(offset + 16))
            let compressedSize = u32(offset + 20)
            let size = u32(offset + 24)
            let nameLength = u16(offset + 28)
            let name = String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
            let local = u32(offset + 42)
            #expect(u32(local) == 0x0403_4B50)
            let dataStart = local + 30 + u16(local + 26) + u16(local + 28)
            let data = Array(bytes[dataStart..<(dataStart + compressedSize)])
            let contents = method == 8 ? try Deflate.decompress(data, expectedSize: size) : data
            entries[name] = ZipEntry(method: method, localMethod: u16(local + 8), crc: crc, contents: contents)
            offset += 46 + nameLength + u16(offset + 30) + u16(offset + 32)
        }
        return entries
    }

    /// A day of transactions on 2026-04-01 (JST): a payment partly refunded, a decline, a payment
    /// reversed, an unpaid order closed, and a payment the next day. Returns the numbers.
    private static func day(_ sandbox: SandboxServer, _ clock: SandboxClock) async throws -> [String: String] {
        let client = SandboxTestClient(sandbox)
        let paid = try await client.call(
            "/trade/v1/payment", client.barcodePayment(amount: 1200, authCode: "134676275354204254"))
        let refund = try await client.call(
            "/trade/v1/refund",
            [
                "mchid": SandboxTestCredentials.mchid, "syssn": paid["syssn"] as! String, "txamt": "200",
                "out_trade_no": uniqueOutTradeNo("R"), "txdtm": client.txdtm(),
            ])
        _ = try await client.call(
            "/trade/v1/payment",
            client.barcodePayment(amount: 99, authCode: SandboxScenario.declined(.insufficientBalance).authCode()))
        let reversed = try await client.call(
            "/trade/v1/payment", client.barcodePayment(amount: 70, authCode: "285123456789012345"))
        let reversal = try await client.call(
            "/trade/v1/reversal",
            [
                "mchid": SandboxTestCredentials.mchid, "syssn": reversed["syssn"] as! String, "txamt": "70",
                "txdtm": client.txdtm(),
            ])
        let unpaid = try await client.call(
            "/trade/v1/payment", client.barcodePayment(amount: 33, authCode: SandboxScenario.pendingForever.authCode()))
        _ = try await client.call(
            "/trade/v1/close",
            [
                "mchid": SandboxTestCredentials.mchid, "syssn": unpaid["syssn"] as! String, "txamt": "33",
                "txdtm": client.txdtm(),
            ])
        clock.advance(by: .seconds(86_400))
        _ = try await client.call("/trade/v1/payment", client.barcodePayment(amount: 5, authCode: "134676275354204254"))
        return [
            "paid": paid["syssn"] as! String, "refund": refund["syssn"] as! String,
            "reversed": reversed["syssn"] as! String, "reversal": reversal["syssn"] as! String,
            "unpaid": unpaid["syssn"] as! String,
        ]
    }

    private static func bill(_ sandbox: SandboxServer, method: String = "GET", date: String = "2026-04-01")
        async throws -> SandboxHTTPResponse
    {
        let client = SandboxTestClient(sandbox)
        return method == "GET"
            ? try await client.get("/download/v1/trade_bill", ["trade_date": date])
            : try await client.post("/download/v1/trade_bill", ["trade_date": date])
    }

    private static let april = SandboxTestTime.japan(year: 2026, month: 4, day: 1, hour: 9)

    @Test(arguments: ["GET", "POST"])
    func theStrictBillIsADeflatedZipOfAChineseCSVWithTheDaysCompletedTransactions(method: String) async throws {
        let clock = SandboxClock.testing(at: Self.april)
        try await withSandbox(clock: clock) { sandbox in
            let numbers = try await Self.day(sandbox, clock)
            let response = try await Self.bill(sandbox, method: method)
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/zip")
            #expect(Array(response.body.prefix(4)) == [0x50, 0x4B, 0x03, 0x04])
            #expect(SandboxTestClient(sandbox).verifies(response))
            let entry = try #require(try Self.entries(response.body)["trade_bill_20260401.csv"])
            #expect(entry.method == 8, "deflated in the central directory")
            #expect(entry.localMethod == 8, "deflated in the local header")
            #expect(Deflate.crc32(entry.contents) == entry.crc)
            #expect(Array(entry.contents.prefix(3)) == [0xEF, 0xBB, 0xBF], "UTF-8 with a byte order mark")
            let csv = String(decoding: entry.contents.dropFirst(3), as: UTF8.self)
            let lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            // Three title lines, the header, four transactions, the total, the export time.
            #expect(lines.count == 10, "\(lines)")
            #expect(lines.prefix(3).allSatisfy { $0.hasPrefix("#") })
            #expect(lines[1] == "#商户号：\(SandboxTestCredentials.mchid)")
            #expect(lines[2] == "#账单日期：2026-04-01")
            #expect(lines[3] == "交易时间,系统时间,交易流水号,商户订单号,原交易流水号,交易类型,支付方式,币种,交易金额,交易状态")
            #expect(lines[4].contains(",`\(numbers["paid"]!),"))
            #expect(lines[4].hasSuffix(",付款,微信刷卡,JPY,\"1,200.00\",成功"))
            #expect(lines[5].contains(",`\(numbers["refund"]!),"))
            #expect(lines[5].contains(",`\(numbers["paid"]!),退款,"))
            #expect(lines[5].hasSuffix(",JPY,-200.00,成功"))
            #expect(lines[6].hasSuffix(",付款,支付宝刷卡,JPY,70.00,成功"))
            #expect(lines[7].contains(",`\(numbers["reversal"]!),"))
            #expect(lines[7].contains(",`\(numbers["reversed"]!),撤销,"))
            #expect(lines[7].hasSuffix(",JPY,-70.00,成功"))
            #expect(lines[8] == "合计,共4笔,,,,,,,\"1,000.00\",")
            #expect(lines[9].hasPrefix("#导出时间：2026-04-02 09:00"))
            // Not the decline, not the close of an unpaid order, not the next day's payment.
            #expect(!csv.contains(numbers["unpaid"]!))
        }
    }

    /// Runs Python's zipfile (CRC check, method, decoded text) and `unzip -t` on a bill.
    private static func checkWithOtherReaders(_ zip: [UInt8], encoding: String) async throws -> [String: Any] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bill-\(UUID().uuidString).zip").path
        try Data(zip).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let script = """
            import json, sys, zipfile
            archive = zipfile.ZipFile(sys.argv[1])
            info = archive.infolist()[0]
            text = archive.read(info.filename).decode(sys.argv[2])
            print(json.dumps({'name': info.filename, 'method': info.compress_type, 'bad': archive.testzip(),
                              'lines': text.splitlines()}))
            """
        let python = try await run("/usr/bin/env", ["python3", "-c", script, path, encoding])
        #expect(python.status == 0)
        let unzip = try await run("/usr/bin/env", ["unzip", "-t", path])
        #expect(unzip.status == 0, "unzip -t: \(unzip.output)")
        #expect(unzip.output.contains("No errors detected"))
        return try #require(try JSONSerialization.jsonObject(with: Data(python.output.utf8)) as? [String: Any])
    }

    @Test func pythonsZipfileAndUnzipAcceptTheDeflatedBill() async throws {
        let clock = SandboxClock.testing(at: Self.april)
        try await withSandbox(clock: clock) { sandbox in
            _ = try await Self.day(sandbox, clock)
            let checked = try await Self.checkWithOtherReaders(try await Self.bill(sandbox).body, encoding: "utf-8-sig")
            #expect(checked["method"] as? Int == 8)
            #expect(checked["bad"] is NSNull)
            let lines = try #require(checked["lines"] as? [String])
            #expect(lines[3].hasPrefix("交易时间,系统时间,交易流水号,商户订单号,原交易流水号,交易类型"))
            #expect(lines.count == 10)
        }
    }

    @Test(arguments: [
        (TradeBillFormat.Language.japanese, TradeBillFormat.Encoding.shiftJIS, "cp932"),
        (.chinese, .gb18030, "gb18030"),
        (.japanese, .utf8, "utf-8"),
    ])
    func theBillsLanguageAndEncodingAreConfigurable(
        language: TradeBillFormat.Language, encoding: TradeBillFormat.Encoding, python: String
    ) async throws {
        let clock = SandboxClock.testing(at: Self.april)
        try await withSandbox(
            configure: { $0.rules.tradeBill = TradeBillFormat(language: language, encoding: encoding) }, clock: clock
        ) { sandbox in
            let numbers = try await Self.day(sandbox, clock)
            let zip = try await Self.bill(sandbox).body
            let raw = try #require(try Self.entries(zip)["trade_bill_20260401.csv"]).contents
            #expect(raw.prefix(3) != [0xEF, 0xBB, 0xBF])
            #expect((String(validating: raw, as: UTF8.self) != nil) == (encoding == .utf8))
            let checked = try await Self.checkWithOtherReaders(zip, encoding: python)
            let lines = try #require(checked["lines"] as? [String])
            if language == .japanese {
                #expect(lines[3] == "取引日時,システム日時,取引番号,加盟店注文番号,元取引番号,取引種別,決済方法,通貨,取引金額,取引状態")
                #expect(lines[4].contains(",\(numbers["paid"]!),"))
                #expect(lines[4].hasSuffix(",,支払,WeChat Pay バーコード,JPY,\"1,200\",成功"))
                #expect(lines[5].contains(",\(numbers["paid"]!),返金,"))
                #expect(lines[7].contains(",\(numbers["reversed"]!),取消,"))
                #expect(lines[8] == "合計,4件,,,,,,,\"1,000\",")
            } else {
                #expect(lines[3].hasPrefix("交易时间,系统时间,交易流水号"))
                #expect(lines[7].contains(",撤销,"))
            }
        }
    }

    @Test func theLenientBillIsAStoredZipWithTheAPIsEnglishFieldNames() async throws {
        let clock = SandboxClock.testing(at: Self.april)
        try await withSandbox(configure: { $0.rules = .lenient }, clock: clock) { sandbox in
            let numbers = try await Self.day(sandbox, clock)
            let entry = try #require(try Self.entries(try await Self.bill(sandbox).body)["trade_bill_20260401.csv"])
            #expect(entry.method == 0)
            let lines = String(decoding: entry.contents, as: UTF8.self).split(separator: "\r\n").map(String.init)
            #expect(lines.first?.hasPrefix("syssn,orig_syssn,out_trade_no,order_type") == true)
            #expect(lines.count == 5)
            #expect(lines[1].contains(",payment,800208,JPY,1200,"))
            #expect(lines[2].contains(",refund,800208,JPY,200,"))
            #expect(lines[3].contains(",payment,800108,JPY,70,"))
            #expect(lines[4].hasPrefix(numbers["reversal"]! + "," + numbers["reversed"]! + ","))
            #expect(lines[4].contains(",close,800108,JPY,70,"))
        }
    }

    @Test func aCompactDateIsAcceptedAndAnEmptyDayGivesTitleHeaderAndAZeroTotal() async throws {
        try await withSandbox { sandbox in
            let entries = try Self.entries(try await Self.bill(sandbox, date: "20200102").body)
            let entry = try #require(entries["trade_bill_20200102.csv"])
            let lines = String(decoding: entry.contents.dropFirst(3), as: UTF8.self).split(separator: "\r\n")
            #expect(lines.count == 6)
            #expect(lines[3].hasPrefix("交易时间,"))
            #expect(lines[4] == "合计,共0笔,,,,,,,0.00,")
        }
    }

    @Test func badDatesAreAnsweredWithAnUnsignedJSONError() async throws {
        try await withSandbox { sandbox in
            let response = try await SandboxTestClient(sandbox).get(
                "/download/v1/trade_bill", ["trade_date": "April 1st"])
            #expect(response.status == 200)
            #expect(response.header("X-QF-SIGN") == nil)
            #expect(try SandboxTestClient.json(response)["respcd"] as? String == "1103")
        }
    }
}
