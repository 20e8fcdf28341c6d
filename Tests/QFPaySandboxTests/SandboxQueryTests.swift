import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

@Suite("Queries: filters, rows and pages")
struct SandboxQueryTests {
    private func query(_ client: SandboxTestClient, _ extra: [String: String]) async throws -> [String: Any] {
        try await client.call("/trade/v1/query", ["mchid": SandboxTestCredentials.mchid].merging(extra) { $1 })
    }

    private func rows(_ answer: [String: Any]) -> [[String: Any]] { answer["data"] as? [[String: Any]] ?? [] }

    @Test func rowsShowPaymentsRefundsAndClosesWithTheirCancelMarks() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let refunded = try await client.call(
                "/trade/v1/payment", SandboxTestClient.barcodePayment(amount: 1000, authCode: "134676275354204254"))
            let refundedSyssn = refunded["syssn"] as! String
            let refund = try await client.call(
                "/trade/v1/refund",
                [
                    "mchid": SandboxTestCredentials.mchid, "syssn": refundedSyssn, "txamt": "250",
                    "out_trade_no": uniqueOutTradeNo("R"), "txdtm": SandboxTestClient.now(),
                ])
            let reversed = try await client.call(
                "/trade/v1/payment", SandboxTestClient.barcodePayment(amount: 500, authCode: "134676275354204254"))
            let close = try await client.call(
                "/trade/v1/close",
                [
                    "mchid": SandboxTestCredentials.mchid, "syssn": reversed["syssn"] as! String, "txamt": "500",
                    "txdtm": SandboxTestClient.now(),
                ])
            let plain = try await client.call(
                "/trade/v1/payment", SandboxTestClient.barcodePayment(amount: 50, authCode: "285123456789012345"))

            let all = try await query(client, ["page_size": "100"])
            #expect(all["respcd"] as? String == "0000")
            #expect(all["page"] as? Int == 1)
            #expect(all["page_size"] as? Int == 100)
            var bySyssn: [String: [String: Any]] = [:]
            for row in rows(all) { bySyssn[row["syssn"] as! String] = row }
            #expect(bySyssn.count == 5)
            #expect(bySyssn[refundedSyssn]?["order_type"] as? String == "payment")
            #expect(bySyssn[refundedSyssn]?["cancel"] as? String == "3")
            #expect(bySyssn[refund["syssn"] as! String]?["order_type"] as? String == "refund")
            #expect(bySyssn[refund["syssn"] as! String]?["txamt"] as? String == "250")
            #expect(bySyssn[reversed["syssn"] as! String]?["cancel"] as? String == "2")
            #expect(bySyssn[reversed["syssn"] as! String]?["respcd"] as? String == "0000")
            #expect(bySyssn[close["syssn"] as! String]?["order_type"] as? String == "close")
            #expect(bySyssn[plain["syssn"] as! String]?["cancel"] as? String == "0")
            #expect(bySyssn[plain["syssn"] as! String]?["pay_type"] as? String == "800108")
            let keys = Set(rows(all)[0].keys)
            #expect(
                keys.isSuperset(of: [
                    "pay_type", "sysdtm", "paydtm", "txcurrcd", "txdtm", "txamt", "chnlsn", "out_trade_no", "syssn",
                    "cancel", "respcd", "errmsg", "order_type",
                ]))
        }
    }

    @Test func filtersBySyssnListOrderNumberListPayTypeAndRespcd() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            var syssns: [String] = []
            var numbers: [String] = []
            for code in ["134676275354204254", "285123456789012345", SandboxScenario.pendingForever.authCode()] {
                let params = SandboxTestClient.barcodePayment(amount: 100, authCode: code)
                let answer = try await client.call("/trade/v1/payment", params)
                syssns.append(answer["syssn"] as! String)
                numbers.append(params["out_trade_no"]!)
            }
            let two = try await query(client, ["syssn": syssns[0] + "," + syssns[1]])
            #expect(Set(rows(two).map { $0["syssn"] as! String }) == Set(syssns[0...1]))
            let byNumbers = try await query(client, ["out_trade_no": numbers[1] + "," + numbers[2]])
            #expect(Set(rows(byNumbers).map { $0["out_trade_no"] as! String }) == Set(numbers[1...2]))
            let alipay = try await query(client, ["pay_type": "800108"])
            #expect(rows(alipay).map { $0["syssn"] as! String } == [syssns[1]])
            let pending = try await query(client, ["respcd": "1143"])
            #expect(rows(pending).map { $0["syssn"] as! String } == [syssns[2]])
            let none = try await query(client, ["syssn": "12345"])
            #expect(none["respcd"] as? String == "0000")
            #expect(rows(none).isEmpty)
        }
    }

    @Test func pagesSplitTheNewestFirstListWithoutATotal() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            for _ in 0..<5 {
                _ = try await client.call(
                    "/trade/v1/payment", SandboxTestClient.barcodePayment(amount: 100, authCode: "134676275354204254"))
            }
            var seen: [String] = []
            for page in 1...3 {
                let answer = try await query(client, ["page": String(page), "page_size": "2"])
                #expect(answer["page"] as? Int == page)
                seen += rows(answer).map { $0["syssn"] as! String }
            }
            #expect(seen.count == 5)
            #expect(Set(seen).count == 5)
            #expect(seen == seen.sorted(by: >))
            #expect(rows(try await query(client, ["page": "4", "page_size": "2"])).isEmpty)
        }
    }

    @Test func timeRangesSelectByTransactionTimeInTheShopsTimeZone() async throws {
        // Sandbox time starts on a fixed day so the range is known; txdtm follows the sandbox clock.
        let clock = SandboxClock.testing(at: SandboxTestTime.japan(year: 2026, month: 3, day: 10, hour: 12))
        try await withSandbox(clock: clock) { sandbox in
            let client = SandboxTestClient(sandbox)
            let first = try await client.call(
                "/trade/v1/payment", client.barcodePayment(amount: 100, authCode: "134676275354204254"))
            clock.advance(by: .seconds(86_400))
            let second = try await client.call(
                "/trade/v1/payment", client.barcodePayment(amount: 100, authCode: "134676275354204254"))
            #expect((first["sysdtm"] as? String)?.hasPrefix("2026-03-10 12:00") == true)
            let tenth = try await query(
                client, ["start_time": "2026-03-10 00:00:00", "end_time": "2026-03-10 23:59:59"])
            #expect(rows(tenth).map { $0["syssn"] as! String } == [first["syssn"] as! String])
            let eleventh = try await query(client, ["start_time": "2026-03-11 00:00:00"])
            #expect(rows(eleventh).map { $0["syssn"] as! String } == [second["syssn"] as! String])
            let defaultMonth = try await query(client, [:])
            #expect(rows(defaultMonth).count == 2)
            let february = try await query(client, ["end_time": "2026-02-28 23:59:59"])
            #expect(rows(february).isEmpty)
        }
    }
}
