import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

@Suite("Reconciliation bill")
struct SandboxTradeBillTests {
    /// The entries of a stored (uncompressed) zip, read from its central directory.
    static func storedEntries(_ bytes: [UInt8]) throws -> [String: String] {
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        let end = try #require(
            (0...(bytes.count - 22)).reversed().first { u32($0) == 0x0605_4B50 }, "no end of central directory")
        var entries: [String: String] = [:]
        var offset = u32(end + 16)
        for _ in 0..<u16(end + 10) {
            #expect(u32(offset) == 0x0201_4B50)
            #expect(u16(offset + 10) == 0, "stored")
            let size = u32(offset + 20)
            let nameLength = u16(offset + 28)
            let name = String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
            let local = u32(offset + 42)
            #expect(u32(local) == 0x0403_4B50)
            let dataStart = local + 30 + u16(local + 26) + u16(local + 28)
            entries[name] = String(decoding: bytes[dataStart..<(dataStart + size)], as: UTF8.self)
            offset += 46 + nameLength + u16(offset + 30) + u16(offset + 32)
        }
        return entries
    }

    @Test(arguments: ["GET", "POST"])
    func theBillIsAZipWithTheDaysCompletedTransactions(method: String) async throws {
        let tokyo = TimeZone(identifier: "Asia/Tokyo")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = tokyo
        let clock = SandboxClock(start: calendar.date(from: DateComponents(year: 2026, month: 4, day: 1, hour: 9))!)
        try await withSandbox(clock: clock) { sandbox in
            let client = SandboxTestClient(sandbox)
            let paid = try await client.call(
                "/trade/v1/payment", SandboxTestClient.barcodePayment(amount: 1200, authCode: "134676275354204254"))
            _ = try await client.call(
                "/trade/v1/refund",
                [
                    "mchid": SandboxTestCredentials.mchid, "syssn": paid["syssn"] as! String, "txamt": "200",
                    "out_trade_no": uniqueOutTradeNo("R"), "txdtm": SandboxTestClient.now(),
                ])
            _ = try await client.call(
                "/trade/v1/payment",
                SandboxTestClient.barcodePayment(
                    amount: 99, authCode: SandboxScenario.declined(.insufficientBalance).authCode()))
            let reversed = try await client.call(
                "/trade/v1/payment", SandboxTestClient.barcodePayment(amount: 70, authCode: "285123456789012345"))
            let reversal = try await client.call(
                "/trade/v1/reversal",
                [
                    "mchid": SandboxTestCredentials.mchid, "syssn": reversed["syssn"] as! String, "txamt": "70",
                    "txdtm": SandboxTestClient.now(),
                ])
            let unpaid = try await client.call(
                "/trade/v1/payment",
                SandboxTestClient.barcodePayment(amount: 33, authCode: SandboxScenario.pendingForever.authCode()))
            _ = try await client.call(
                "/trade/v1/close",
                [
                    "mchid": SandboxTestCredentials.mchid, "syssn": unpaid["syssn"] as! String, "txamt": "33",
                    "txdtm": SandboxTestClient.now(),
                ])
            clock.advance(by: .seconds(86_400))
            _ = try await client.call(
                "/trade/v1/payment", SandboxTestClient.barcodePayment(amount: 5, authCode: "134676275354204254"))

            let response =
                method == "GET"
                ? try await client.get("/download/v1/trade_bill", ["trade_date": "2026-04-01"])
                : try await client.post("/download/v1/trade_bill", ["trade_date": "2026-04-01"])
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/zip")
            #expect(Array(response.body.prefix(4)) == [0x50, 0x4B, 0x03, 0x04])
            #expect(client.verifies(response))
            let entries = try Self.storedEntries(response.body)
            let csv = try #require(entries["trade_bill_20260401.csv"])
            let lines = csv.split(separator: "\r\n").map(String.init)
            #expect(lines.first?.hasPrefix("syssn,orig_syssn,out_trade_no,order_type") == true)
            // Payment, refund, the reversed payment and its reversal; not the decline, not the unpaid close.
            #expect(lines.count == 5)
            #expect(lines[1].contains(",payment,800208,JPY,1200,"))
            #expect(lines[2].contains(",refund,800208,JPY,200,"))
            #expect(lines[3].contains(",payment,800108,JPY,70,"))
            #expect(lines[4].hasPrefix((reversal["syssn"] as! String) + "," + (reversed["syssn"] as! String) + ","))
            #expect(lines[4].contains(",close,800108,JPY,70,"))
            #expect(!csv.contains(unpaid["syssn"] as! String))
        }
    }

    @Test func aCompactDateIsAcceptedAndAnEmptyDayGivesOnlyTheHeader() async throws {
        try await withSandbox { sandbox in
            let response = try await SandboxTestClient(sandbox).get(
                "/download/v1/trade_bill", ["trade_date": "20200102"])
            let entries = try Self.storedEntries(response.body)
            #expect(entries["trade_bill_20200102.csv"]?.split(separator: "\r\n").count == 1)
        }
    }

    @Test func badDatesAreAnsweredWithASignedJSONError() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let response = try await client.get("/download/v1/trade_bill", ["trade_date": "April 1st"])
            #expect(client.verifies(response))
            #expect(try SandboxTestClient.json(response)["respcd"] as? String == "1103")
        }
    }
}
