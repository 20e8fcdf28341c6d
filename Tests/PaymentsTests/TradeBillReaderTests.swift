import Foundation
import QFPay
import TestSupport
import Testing

@testable import Payments

/// The bill reader against zips that another writer made: Python's `zipfile` (deflate through its
/// own zlib binding, data descriptors when the output cannot seek) and Python's codecs
/// (GB18030, CP932), so that the reader is not checked against the sandbox's writer alone.
@Suite("Trade bill reader")
struct TradeBillReaderTests {
    /// One entry for `pythonZip`.
    struct EntrySpec: Encodable {
        var name: String
        var text: String
        /// A Python codec: `utf-8`, `utf-8-sig` (with a byte order mark), `gb18030`, `cp932`.
        var encoding: String = "utf-8-sig"
        var deflate: Bool = true
    }

    /// A zip made by Python's `zipfile`; with `descriptor` it is written to an unseekable stream,
    /// so every entry has a data descriptor (flag bit 3) and zeros in its local header.
    static func pythonZip(_ entries: [EntrySpec], descriptor: Bool = false) async throws -> [UInt8] {
        let script = """
            import io, json, sys, zipfile
            spec = json.loads(sys.argv[1])
            class Unseekable(io.RawIOBase):
                def __init__(self, f): self.f = f
                def writable(self): return True
                def write(self, b): return self.f.write(b)
                def seekable(self): return False
            with open(sys.argv[2], 'wb') as out:
                target = Unseekable(out) if spec['descriptor'] else out
                with zipfile.ZipFile(target, 'w') as archive:
                    for entry in spec['entries']:
                        info = zipfile.ZipInfo(entry['name'], (2026, 4, 1, 9, 0, 0))
                        info.compress_type = zipfile.ZIP_DEFLATED if entry['deflate'] else zipfile.ZIP_STORED
                        archive.writestr(info, entry['text'].encode(entry['encoding']))
            """
        struct Spec: Encodable {
            var entries: [EntrySpec]
            var descriptor: Bool
        }
        let json = String(
            decoding: try JSONEncoder().encode(Spec(entries: entries, descriptor: descriptor)), as: UTF8.self)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bill-\(UUID().uuidString).zip").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await runToEnd(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, json, path])
        #expect(result.status == 0, "\(result.output)")
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static let chinese = """
        #钱方交易明细对账单
        #商户号：BvDtmKJA5mx7GpN0
        #起始日期：[2026-04-01 00:00:00]   终止日期：[2026-04-02 00:00:00]
        交易时间,交易流水号,商户订单号,原交易流水号,交易类型,支付方式,币种,交易金额(元),交易状态
        2026-04-01 09:00:00,`20260401000100020000000001,`P1,,付款,微信刷卡,JPY,"1,200.00",成功
        2026-04-01 09:05:00,`20260401000100020000000002,`P1R1,`20260401000100020000000001,退款,微信刷卡,JPY,-200.00,退款成功
        2026-04-01 09:10:00,`20260401000100020000000003,`P2,,支付,支付宝刷卡,JPY,70.00,交易成功
        2026-04-01 09:11:00,`20260401000100020000000004,`P2,`20260401000100020000000003,撤销,支付宝刷卡,JPY,-70.00,成功
        2026-04-01 09:20:00,`20260401000100020000000005,`P3,,付款,微信刷卡,JPY,"12,345",失败
        合计,共5笔,,,,,,"13,275.00",
        #导出时间：2026-04-02 09:00:00

        """.replacingOccurrences(of: "\n", with: "\r\n")

    static let japanese = """
        QFPay 取引明細
        対象日,2026/04/01
        取引日時,取引番号,加盟店注文番号,元取引番号,取引種別,決済方法,通貨,取引金額（円）,ステータス
        2026-04-01 09:00:00,20260401000100020000000001,P1,,支払,WeChat Pay,JPY,"1,200",完了
        2026-04-01 09:05:00,20260401000100020000000002,P1R1,20260401000100020000000001,返金,WeChat Pay,JPY,200,完了
        2026-04-01 09:10:00,20260401000100020000000003,P2,,決済,Alipay,JPY,70,完了
        2026-04-01 09:11:00,20260401000100020000000004,P2,20260401000100020000000003,キャンセル,Alipay,JPY,70,完了
        合計,4件,,,,,,"1,540",

        """

    static let english = """
        syssn,orig_syssn,out_trade_no,order_type,pay_type,txcurrcd,txamt,txdtm,respcd
        20260401000100020000000001,,P1,payment,800208,JPY,1200,2026-04-01 09:00:00,0000
        20260401000100020000000002,20260401000100020000000001,P1R1,refund,800208,JPY,200,2026-04-01 09:05:00,0000
        20260401000100020000000003,,P2,payment,800108,JPY,70,2026-04-01 09:10:00,0000
        20260401000100020000000004,20260401000100020000000003,P2,close,800108,JPY,70,2026-04-01 09:11:00,0000

        """

    /// The four transactions every layout above holds, as the reader must give them.
    static let expected: [BillRow] = [
        BillRow(
            syssn: "20260401000100020000000001", outTradeNo: "P1", amount: 1200, orderType: "payment", respcd: "0000"),
        BillRow(
            syssn: "20260401000100020000000002", outTradeNo: "P1R1", amount: 200, orderType: "refund", respcd: "0000",
            origSyssn: "20260401000100020000000001"),
        BillRow(
            syssn: "20260401000100020000000003", outTradeNo: "P2", amount: 70, orderType: "payment", respcd: "0000"),
        BillRow(
            syssn: "20260401000100020000000004", outTradeNo: "P2", amount: 70, orderType: "close", respcd: "0000",
            origSyssn: "20260401000100020000000003"),
    ]

    @Test(arguments: [
        ("utf-8-sig", true, false), ("utf-8-sig", false, false), ("utf-8", true, true), ("gb18030", true, false),
        ("gb18030", false, true),
    ])
    func aChineseBillIsReadPastItsTitleAndTotalLines(encoding: String, deflate: Bool, descriptor: Bool)
        async throws
    {
        let zip = try await Self.pythonZip(
            [EntrySpec(name: "交易明细.csv", text: Self.chinese, encoding: encoding, deflate: deflate)],
            descriptor: descriptor)
        let rows = try TradeBillReader.rows(zip: zip)
        // The failed payment is kept, with its status as respcd: the matcher counts only 0000.
        #expect(Array(rows.prefix(4)) == Self.expected)
        #expect(rows.count == 5)
        #expect(rows.last?.amount == 12_345)
        #expect(rows.last?.respcd == "失败")
    }

    @Test(arguments: [("utf-8-sig", true), ("cp932", false), ("cp932", true), ("utf-8", false)])
    func aJapaneseBillIsRead(encoding: String, deflate: Bool) async throws {
        let zip = try await Self.pythonZip(
            [EntrySpec(name: "trade_bill_20260401.csv", text: Self.japanese, encoding: encoding, deflate: deflate)])
        #expect(try TradeBillReader.rows(zip: zip) == Self.expected)
    }

    @Test(arguments: [(true, false), (false, false), (true, true)])
    func anEnglishBillIsRead(deflate: Bool, descriptor: Bool) async throws {
        let zip = try await Self.pythonZip(
            [EntrySpec(name: "bill.CSV", text: Self.english, encoding: "utf-8", deflate: deflate)],
            descriptor: descriptor)
        #expect(try TradeBillReader.rows(zip: zip) == Self.expected)
    }

    @Test func aSummaryEntryWithoutHeaderIsSkippedBesideTheDetails() async throws {
        let zip = try await Self.pythonZip([
            EntrySpec(name: "汇总.csv", text: "总笔数,总金额\r\n4,\"1,000.00\"\r\n"),
            EntrySpec(name: "明细.csv", text: Self.english, encoding: "utf-8"),
            EntrySpec(name: "readme.pdf", text: "%PDF-1.4"),
        ])
        #expect(try TradeBillReader.rows(zip: zip) == Self.expected)
    }

    @Test func amountsAreExactInTheCurrencysUnits() throws {
        func amount(_ text: String, _ currency: String = "JPY", minimal: Bool = false) throws -> Int {
            try TradeBillReader.parseAmount(text, currency: currency, minimalUnit: minimal)
        }
        #expect(try amount("1,200") == 1200)
        #expect(try amount("1,200.00") == 1200)
        #expect(try amount("¥12,345,678") == 12_345_678)
        #expect(try amount("1200円") == 1200)
        #expect(try amount("-200.00") == -200)
        #expect(try amount("12.34", "CNY") == 1234)
        #expect(try amount("12.3", "USD") == 1230)
        #expect(try amount("12", "HKD") == 1200)
        #expect(try amount("12.340", "CNY") == 1234)
        #expect(try amount("1234", "CNY", minimal: true) == 1234)
        #expect(try amount("1234.00", "CNY", minimal: true) == 1234)
        for bad in ["1,200.50", "0.5", "12,00", "1,2345", "1.2.3", "", "-", "abc", "1 200", ",100", "1200.", "１２００"] {
            #expect(throws: (any Error).self, "\(bad)") { try amount(bad) }
        }
        #expect(throws: (any Error).self) { try amount("12.345", "CNY") }
        #expect(throws: (any Error).self) { try amount("12.5", "CNY", minimal: true) }
    }

    @Test func aYenAmountWithAFractionIsAnErrorNamingTheRowNeverRounded() async throws {
        let text = Self.japanese.replacingOccurrences(of: "\"1,200\"", with: "\"1,200.50\"")
        let zip = try await Self.pythonZip([EntrySpec(name: "bill.csv", text: text)])
        let error = #expect(throws: TradeBillReader.Failure.self) { try TradeBillReader.rows(zip: zip) }
        #expect(error?.description.contains("row 4") == true, "\(String(describing: error))")
        #expect(error?.description.contains("1,200.50") == true)
        #expect(error?.description.contains("JPY has no minor unit") == true)
    }

    @Test func anUnknownTransactionTypeOrAMissingNumberIsAnError() async throws {
        for (text, message) in [
            (Self.english.replacingOccurrences(of: ",refund,", with: ",chargeback,"), "unknown transaction type"),
            (
                Self.english.replacingOccurrences(of: "20260401000100020000000003,,P2", with: ",,P2"),
                "no transaction number"
            ),
            (Self.english + "20260401000100020000000009,,P9\r\n", "fields"),
        ] {
            let zip = try await Self.pythonZip([EntrySpec(name: "bill.csv", text: text, encoding: "utf-8")])
            let error = #expect(throws: TradeBillReader.Failure.self) { try TradeBillReader.rows(zip: zip) }
            #expect(error?.description.contains(message) == true, "\(String(describing: error))")
        }
    }

    @Test func damagedArchivesAreRefusedWithWhatIsWrong() async throws {
        let zip = try await Self.pythonZip([EntrySpec(name: "bill.csv", text: Self.chinese)])
        func failure(_ bytes: [UInt8]) -> String {
            do {
                _ = try TradeBillReader.rows(zip: bytes)
                return "read"
            } catch { return "\(error)" }
        }
        #expect(failure(Array(zip.prefix(zip.count - 10))).contains("no end of central directory"))
        #expect(failure(Array("{\"respcd\": \"1104\"}".utf8)).contains("not a zip archive"))
        // One byte of the deflated data changed: zlib or the CRC-32 notices.
        var damaged = zip
        damaged[60] ^= 0x55
        let message = failure(damaged)
        #expect(message.contains("CRC-32") || message.contains("deflate"), "\(message)")
        #expect(message.contains("bill.csv"))
        let noHeader = try await Self.pythonZip([EntrySpec(name: "bill.csv", text: "a,b\r\n1,2\r\n")])
        #expect(failure(noHeader).contains("no entry holds a bill"))
        let binary = try await Self.pythonZip([EntrySpec(name: "bill.csv", text: "交易流水号", encoding: "utf-16")])
        #expect(failure(binary).contains("no entry holds a bill"))
    }

    @Test func anEntryAnnouncingMoreThanABillCanHoldIsRefusedBeforeAnythingIsAllocated() async throws {
        var zip = try await Self.pythonZip([EntrySpec(name: "bill.csv", text: Self.chinese)])
        // The central directory's uncompressed size (offset 24 of its entry) says 200 MiB.
        let signature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
        let entry = try #require((0..<(zip.count - 4)).first { Array(zip[$0..<($0 + 4)]) == signature })
        let announced = UInt32(200 << 20)
        for byte in 0..<4 { zip[entry + 24 + byte] = UInt8(truncatingIfNeeded: announced >> (8 * byte)) }
        #expect {
            _ = try TradeBillReader.rows(zip: zip)
        } throws: { error in
            "\(error)".contains("more than a bill's")
        }
    }
}
