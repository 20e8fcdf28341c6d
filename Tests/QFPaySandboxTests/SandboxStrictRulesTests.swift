import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

/// The rules of `SandboxRules.strict`, each shown by a request that breaks it, and each relaxed
/// by `.lenient` (docs/sandbox.md cites the specification's line for every rule).
@Suite("Strict rules")
struct SandboxStrictRulesTests {
    private let mchid = SandboxTestCredentials.mchid

    private func rows(_ answer: [String: Any]) -> [[String: Any]] { answer["data"] as? [[String: Any]] ?? [] }

    private func close(_ client: SandboxTestClient, syssn: String, amount: Int) async throws -> [String: Any] {
        try await client.call(
            "/trade/v1/close", ["mchid": mchid, "syssn": syssn, "txamt": String(amount), "txdtm": client.txdtm()])
    }

    private func refund(_ client: SandboxTestClient, syssn: String, amount: Int) async throws -> SandboxHTTPResponse {
        try await client.post(
            "/trade/v1/refund",
            [
                "mchid": mchid, "syssn": syssn, "txamt": String(amount), "out_trade_no": uniqueOutTradeNo("R"),
                "txdtm": client.txdtm(),
            ])
    }

    private func query(_ client: SandboxTestClient, _ extra: [String: String]) async throws -> [String: Any] {
        try await client.call("/trade/v1/query", ["mchid": mchid].merging(extra) { $1 })
    }

    @Test func theDefaultRulesAreStrictAndTheTestClockStartsAtNoonInJapan() async throws {
        #expect(SandboxConfiguration.testing().rules == .strict)
        #expect(SandboxConfiguration.testing().rateLimits == .qfpay)
        try await withSandbox { sandbox in
            let time = SandboxTestTime.format(sandbox.clock.now())
            #expect(time.dropFirst(11).hasPrefix("12:0"), "\(time)")
        }
    }

    // MARK: 1. Queries

    @Test func aCloseRowCarriesThePaymentsOrderNumberAndComesBeforeItsPayment() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let params = client.barcodePayment(amount: 500, authCode: SandboxScenario.pendingForever.authCode())
            let payment = try await client.call("/trade/v1/payment", params)
            let syssn = try #require(payment["syssn"] as? String)
            let closed = try await close(client, syssn: syssn, amount: 500)
            let closeSyssn = try #require(closed["syssn"] as? String)
            let found = rows(try await query(client, ["out_trade_no": params["out_trade_no"]!]))
            #expect(found.count == 2)
            #expect(found.first?["order_type"] as? String == "close")
            #expect(found.first?["syssn"] as? String == closeSyssn)
            #expect(found.first?["orig_syssn"] as? String == syssn)
            #expect(found.first?["respcd"] as? String == "0000")
            #expect(found.first?["out_trade_no"] as? String == params["out_trade_no"])
            #expect(found.last?["order_type"] as? String == "payment")
            #expect(found.last?["syssn"] as? String == syssn)
            #expect(found.last?["respcd"] as? String == "1142")
            #expect(found.last?["cancel"] as? String == "2")
        }
    }

    @Test(arguments: [false, true])
    func queriesByNumberWithoutARangeSearchOnlyThisMonth(lenient: Bool) async throws {
        // The payment on the last evening of May, the query just after midnight on 1 June.
        let clock = SandboxClock.testing(at: SandboxTestTime.japan(year: 2026, month: 5, day: 31, hour: 23, minute: 59))
        try await withSandbox(configure: { $0.rules.queriesDefaultToThisMonth = !lenient }, clock: clock) { sandbox in
            let client = SandboxTestClient(sandbox)
            let params = client.barcodePayment(amount: 100, authCode: "134676275354204254")
            let syssn = try #require(try await client.call("/trade/v1/payment", params)["syssn"] as? String)
            clock.advance(by: .seconds(120))
            let bySyssn = rows(try await query(client, ["syssn": syssn]))
            let byNumber = rows(try await query(client, ["out_trade_no": params["out_trade_no"]!]))
            #expect(bySyssn.count == (lenient ? 1 : 0))
            #expect(byNumber.count == (lenient ? 1 : 0))
            let may = rows(
                try await query(
                    client, ["syssn": syssn, "start_time": "2026-05-31 00:00:00", "end_time": "2026-05-31 23:59:59"]))
            #expect(may.map { $0["syssn"] as? String } == [syssn])
        }
    }

    @Test func rangesSelectTheMerchantsTransactionTimeNotTheSystemTime() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            // A till whose clock says yesterday 23:59:58 (JST), while the gateway's says today.
            let yesterday = sandbox.clock.now().addingTimeInterval(-12 * 3600 - 2)
            let txdtm = SandboxTestTime.format(yesterday)
            let answer = try await client.call(
                "/trade/v1/payment",
                SandboxTestClient.barcodePayment(amount: 100, authCode: "134676275354204254", txdtm: txdtm))
            let day = String(txdtm.prefix(10))
            let found = rows(
                try await query(
                    client,
                    [
                        "syssn": answer["syssn"] as! String, "start_time": "\(day) 00:00:00",
                        "end_time": "\(day) 23:59:59",
                    ]))
            #expect(found.count == 1)
            #expect(found.first?["txdtm"] as? String == txdtm)
            #expect((found.first?["sysdtm"] as? String)?.hasPrefix(day) == false)
        }
    }

    @Test func aPageHoldsTenRowsByDefault() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            for _ in 0..<12 {
                _ = try await client.call(
                    "/trade/v1/payment", client.barcodePayment(amount: 1, authCode: "134676275354204254"))
            }
            #expect(rows(try await query(client, [:])).count == 10)
            #expect(rows(try await query(client, ["page": "2"])).count == 2)
        }
    }

    // MARK: 2. goods_name

    @Test(
        arguments: [
            (nil, "1104", "0000"), ("茶茶茶茶茶茶茶", "1103", "0000"), ("お茶(L)", "1103", "0000"),
            ("缶コーヒー 2本", "0000", "0000"), ("test", "0000", "0000"),
        ] as [(String?, String, String)])
    func goodsNameIsRequiredAtMost20BytesAndPlain(name: String?, strict: String, lenient: String) async throws {
        for (rules, expected) in [(SandboxRules.strict, strict), (.lenient, lenient)] {
            try await withSandbox(configure: { $0.rules = rules }) { sandbox in
                let client = SandboxTestClient(sandbox)
                let answer = try await client.call(
                    "/trade/v1/payment",
                    client.barcodePayment(amount: 100, authCode: "134676275354204254", goodsName: name))
                #expect(
                    answer["respcd"] as? String == expected,
                    "\(name ?? "nil") under \(rules == .strict ? "strict" : "lenient")")
                if expected != "0000" {
                    #expect((answer["respmsg"] as? String)?.contains("goods_name") == true)
                    #expect(sandbox.ledger.orders().isEmpty)
                }
            }
        }
    }

    // MARK: 3. Unsigned request errors

    @Test func requestErrorsComeUnsignedAndBusinessAnswersSigned() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            var params = client.barcodePayment(amount: 100, authCode: "134676275354204254")
            let badSignature = try await client.post(
                "/trade/v1/payment", params, signature: String(repeating: "0", count: 32))
            params["txamt"] = nil
            let missing = try await client.post("/trade/v1/payment", params)
            params["txamt"] = "1.5"
            let malformed = try await client.post("/trade/v1/payment", params)
            for (response, code) in [(badSignature, "1108"), (missing, "1104"), (malformed, "1103")] {
                #expect(response.status == 200)
                #expect(response.header("Content-Type") == "application/json; charset=UTF-8")
                #expect(response.header("X-QF-SIGN") == nil, "\(code) is a front end's answer")
                #expect(try SandboxTestClient.json(response)["respcd"] as? String == code)
            }
            let unknownRefund = try await refund(client, syssn: "20990101000100020000009999", amount: 1)
            #expect(try SandboxTestClient.json(unknownRefund)["respcd"] as? String == "1143")
            #expect(client.verifies(unknownRefund))
            #expect(sandbox.ledger.orders().isEmpty)
        }
    }

    @Test func requestErrorsAreSignedWhenTheRuleIsRelaxed() async throws {
        try await withSandbox(configure: { $0.rules.unsignedRequestErrors = false }) { sandbox in
            let client = SandboxTestClient(sandbox)
            let response = try await client.post(
                "/trade/v1/payment", client.barcodePayment(amount: 100, authCode: "134676275354204254"),
                signature: String(repeating: "0", count: 32))
            #expect(try SandboxTestClient.json(response)["respcd"] as? String == "1108")
            #expect(client.verifies(response))
        }
    }

    // MARK: 4. Revoke window and unsupported cancel

    @Test(arguments: [false, true])
    func aPaidOrderCanBeCancelledOnlyWithinTheRevokeWindow(lenient: Bool) async throws {
        let clock = SandboxClock.testing()
        try await withSandbox(configure: { if lenient { $0.rules.revokeWindow = nil } }, clock: clock) { sandbox in
            let client = SandboxTestClient(sandbox)
            let early = try await client.call(
                "/trade/v1/payment", client.barcodePayment(amount: 300, authCode: "134676275354204254"))
            let late = try await client.call(
                "/trade/v1/payment", client.barcodePayment(amount: 400, authCode: "134676275354204254"))
            clock.advance(by: .seconds(14 * 60))
            #expect(try await close(client, syssn: early["syssn"] as! String, amount: 300)["syssn"] is String)
            #expect(sandbox.ledger.order(syssn: early["syssn"] as! String)?.state == .reversed)
            clock.advance(by: .seconds(60))
            let refused = try await close(client, syssn: late["syssn"] as! String, amount: 400)
            if lenient {
                #expect(refused["respcd"] as? String == "0000")
                #expect(sandbox.ledger.totalCharged() == 0)
            } else {
                #expect(refused["respcd"] as? String == "1297")
                #expect(sandbox.ledger.order(syssn: late["syssn"] as! String)?.state == .paid)
                // "the refund interface can be called for a refund"
                let refunded = try await refund(client, syssn: late["syssn"] as! String, amount: 400)
                #expect(try SandboxTestClient.json(refunded)["respcd"] as? String == "0000")
                #expect(sandbox.ledger.totalCharged() == 0)
            }
        }
    }

    @Test func anUnpaidOrderStillClosesAfterTheRevokeWindow() async throws {
        let clock = SandboxClock.testing()
        try await withSandbox(configure: { $0.rules.barcodeLifetime = nil }, clock: clock) { sandbox in
            let client = SandboxTestClient(sandbox)
            let pending = try await client.call(
                "/trade/v1/payment",
                client.barcodePayment(amount: 300, authCode: SandboxScenario.pendingForever.authCode()))
            clock.advance(by: .seconds(20 * 60))
            #expect(try await close(client, syssn: pending["syssn"] as! String, amount: 300)["syssn"] is String)
            #expect(sandbox.ledger.order(syssn: pending["syssn"] as! String)?.state == .closed)
        }
    }

    // MARK: 5. Refund pause

    @Test(arguments: [
        (23, 29, "0000"), (23, 30, "1265"), (23, 45, "1265"), (0, 0, "1265"), (0, 29, "1265"), (0, 30, "0000"),
    ])
    func refundsAreRefusedFrom2330To0030InJapan(hour: Int, minute: Int, respcd: String) async throws {
        let clock = SandboxClock.testing(
            at: SandboxTestTime.japan(year: 2026, month: 6, day: hour == 23 ? 10 : 11, hour: hour, minute: minute))
        try await withSandbox(clock: clock) { sandbox in
            let client = SandboxTestClient(sandbox)
            let paid = try await client.call(
                "/trade/v1/payment", client.barcodePayment(amount: 500, authCode: "134676275354204254"))
            let response = try await refund(client, syssn: paid["syssn"] as! String, amount: 200)
            #expect(try SandboxTestClient.json(response)["respcd"] as? String == respcd)
            #expect(client.verifies(response), "1265 is a business answer: signed")
            #expect(sandbox.ledger.totalCharged() == (respcd == "0000" ? 300 : 500))
        }
    }

    @Test func refundsAreTakenAtAnyHourWhenTheRuleIsRelaxed() async throws {
        let clock = SandboxClock.testing(at: SandboxTestTime.japan(year: 2026, month: 6, day: 10, hour: 23, minute: 45))
        try await withSandbox(configure: { $0.rules.refundBlackout = false }, clock: clock) { sandbox in
            let client = SandboxTestClient(sandbox)
            let paid = try await client.call(
                "/trade/v1/payment", client.barcodePayment(amount: 500, authCode: "134676275354204254"))
            let response = try await refund(client, syssn: paid["syssn"] as! String, amount: 500)
            #expect(try SandboxTestClient.json(response)["respcd"] as? String == "0000")
        }
    }

    // MARK: 7. Rate limits

    @Test func rateLimitsAreOnAndAnswer429WithoutProcessing() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            var statuses: [Int] = []
            // 100 a second and 400 a minute: the 101st request within a second, or at the latest
            // the 401st within a minute, is refused (401 local requests take far less than a minute).
            while statuses.count < 401, statuses.last != 429 {
                statuses.append(try await client.post("/trade/v1/query", ["mchid": mchid]).status)
            }
            #expect(statuses.prefix(100).allSatisfy { $0 == 200 })
            #expect(statuses.last == 429)
            #expect(sandbox.ledger.requests().last?.fault == .tooManyRequests)
            #expect(sandbox.ledger.requests().last?.respcd == nil)
        }
    }

    // MARK: 8. Barcode lifetime

    @Test(arguments: [false, true])
    func aBarcodeOrderPendingForFiveMinutesClosesItself(lenient: Bool) async throws {
        let clock = SandboxClock.testing()
        try await withSandbox(configure: { if lenient { $0.rules.barcodeLifetime = nil } }, clock: clock) { sandbox in
            let client = SandboxTestClient(sandbox)
            let placed = try await client.call(
                "/trade/v1/payment",
                client.barcodePayment(amount: 800, authCode: SandboxScenario.pendingForever.authCode()))
            let syssn = try #require(placed["syssn"] as? String)
            clock.advance(by: .seconds(4 * 60 + 50))
            #expect(rows(try await query(client, ["syssn": syssn])).first?["respcd"] as? String == "1143")
            clock.advance(by: .seconds(10))
            let row = rows(try await query(client, ["syssn": syssn])).first
            #expect(row?["respcd"] as? String == (lenient ? "1143" : "1142"))
            #expect(sandbox.ledger.order(syssn: syssn)?.state == (lenient ? .pending : .failed))
            #expect(sandbox.ledger.totalCharged() == 0)
        }
    }

    @Test func aQROrderIsNotClosedByTheBarcodeLifetime() async throws {
        let clock = SandboxClock.testing()
        try await withSandbox(clock: clock) { sandbox in
            let client = SandboxTestClient(sandbox)
            let placed = try await client.call("/trade/v1/payment", client.qrPayment(amount: 800))
            clock.advance(by: .seconds(10 * 60))
            sandbox.runDueEvents()
            #expect(sandbox.ledger.order(syssn: placed["syssn"] as! String)?.state == .pending)
        }
    }

    // MARK: The whole lenient set

    @Test func theLenientRulesRelaxEveryStrictRule() {
        let lenient = SandboxRules.lenient
        #expect(!lenient.queriesDefaultToThisMonth)
        #expect(!lenient.goodsNameRequired)
        #expect(lenient.goodsNameLimit == .characters(20))
        #expect(!lenient.unsignedRequestErrors)
        #expect(lenient.revokeWindow == nil)
        #expect(!lenient.cancelRefusalsCoverUnpaidOrders)
        #expect(!lenient.refundBlackout)
        #expect(lenient.tradeBill == TradeBillFormat(compression: .stored, language: .english, encoding: .utf8))
        #expect(lenient.rateLimits == nil)
        #expect(lenient.barcodeLifetime == nil)
        let strict = SandboxRules.strict
        #expect(strict.goodsNameLimit == .utf8Bytes(20))
        #expect(strict.revokeWindow == .seconds(900))
        #expect(strict.barcodeLifetime == .seconds(300))
        #expect(strict.tradeBill == TradeBillFormat(compression: .deflate, language: .chinese, encoding: .utf8BOM))
    }
}
