import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

@Suite("Refund limits and close/reversal rules")
struct SandboxRefundCloseTests {
    private func pay(_ client: SandboxTestClient, amount: Int = 1000, code: String = "134676275354204254")
        async throws -> String
    {
        let answer = try await client.call(
            "/trade/v1/payment", SandboxTestClient.barcodePayment(amount: amount, authCode: code))
        return try #require(answer["syssn"] as? String)
    }

    private func refund(_ client: SandboxTestClient, _ syssn: String, _ amount: Int, number: String? = nil)
        async throws -> [String: Any]
    {
        try await client.call(
            "/trade/v1/refund",
            [
                "mchid": SandboxTestCredentials.mchid, "syssn": syssn, "txamt": String(amount),
                "out_trade_no": number ?? uniqueOutTradeNo("R"), "txdtm": SandboxTestClient.now(),
            ])
    }

    private func close(
        _ client: SandboxTestClient,
        syssn: String? = nil,
        outTradeNo: String? = nil,
        amount: Int = 1000,
        path: String = "/trade/v1/close"
    ) async throws -> [String: Any] {
        var params = ["mchid": SandboxTestCredentials.mchid, "txamt": String(amount), "txdtm": SandboxTestClient.now()]
        params["syssn"] = syssn
        params["out_trade_no"] = outTradeNo
        return try await client.call(path, params)
    }

    @Test func refundsArePartialAndRepeatedUpToThePaidAmount() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let syssn = try await pay(client)
            let first = try await refund(client, syssn, 300)
            #expect(first["respcd"] as? String == "0000")
            #expect(first["orig_syssn"] as? String == syssn)
            #expect(first["txamt"] as? String == "300")
            #expect(first["syssn"] as? String != syssn)
            #expect(sandbox.ledger.totalCharged() == 700)
            #expect(try await refund(client, syssn, 701)["respcd"] as? String == "1272")
            #expect(try await refund(client, syssn, 700)["respcd"] as? String == "0000")
            #expect(try await refund(client, syssn, 1)["respcd"] as? String == "1125")
            let order = try #require(sandbox.ledger.order(syssn: syssn))
            #expect(order.refunds.map(\.amount) == [300, 700])
            #expect(order.chargedAmount == 0)
            #expect(sandbox.ledger.order(syssn: first["syssn"] as! String)?.syssn == syssn)
        }
    }

    @Test func aRefundSentAgainWithItsOrderNumberIsAnsweredOnceAndNotRepeated() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let syssn = try await pay(client)
            let number = uniqueOutTradeNo("R")
            let first = try await refund(client, syssn, 400, number: number)
            let again = try await refund(client, syssn, 400, number: number)
            #expect(first["syssn"] as? String == again["syssn"] as? String)
            #expect(sandbox.ledger.totalCharged() == 600)
            #expect(try await refund(client, syssn, 500, number: number)["respcd"] as? String == "1102")
        }
    }

    @Test func refundsOfUnknownOrUnpaidOrdersAreRefused() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            #expect(try await refund(client, "20990101000100020000009999", 1)["respcd"] as? String == "1143")
            let pending = try await pay(client, code: SandboxScenario.pendingForever.authCode())
            #expect(try await refund(client, pending, 1)["respcd"] as? String == "1155")
            let declined = try await pay(client, code: SandboxScenario.declined(.insufficientBalance).authCode())
            #expect(try await refund(client, declined, 1)["respcd"] as? String == "1155")
            let reversed = try await pay(client)
            _ = try await close(client, syssn: reversed)
            #expect(try await refund(client, reversed, 1)["respcd"] as? String == "1125")
            #expect(sandbox.ledger.totalCharged() == 0)
        }
    }

    @Test(arguments: ["/trade/v1/close", "/trade/v1/reversal"])
    func closingAPaidOrderReversesItAndReturnsTheMoney(path: String) async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let syssn = try await pay(client)
            let answer = try await close(client, syssn: syssn, path: path)
            #expect(answer["respcd"] as? String == "0000")
            #expect(answer["orig_syssn"] as? String == syssn)
            let closeSyssn = try #require(answer["syssn"] as? String)
            let order = try #require(sandbox.ledger.order(syssn: syssn))
            #expect(order.state == .reversed)
            #expect(order.close?.reversed == true)
            #expect(order.close?.endpoint == path)
            #expect(order.close?.syssn == closeSyssn)
            #expect(sandbox.ledger.totalCharged() == 0)
            // Closing again answers the same close.
            #expect(try await close(client, syssn: syssn, path: path)["syssn"] as? String == closeSyssn)
        }
    }

    @Test func closingAnUnpaidOrderByItsOrderNumberClosesIt() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let params = SandboxTestClient.barcodePayment(
                amount: 1000, authCode: SandboxScenario.pendingThenPaid(queries: 5).authCode())
            _ = try await client.call("/trade/v1/payment", params)
            let answer = try await close(client, outTradeNo: params["out_trade_no"])
            #expect(answer["respcd"] as? String == "0000")
            let order = try #require(sandbox.ledger.order(outTradeNo: params["out_trade_no"]!))
            #expect(order.state == .closed)
            #expect(order.close?.reversed == false)
            // A closed order is not paid by later queries.
            let rows =
                try await client.call(
                    "/trade/v1/query", ["mchid": SandboxTestCredentials.mchid, "syssn": order.syssn])["data"]
                as! [[String: Any]]
            #expect(rows.first?["cancel"] as? String == "2")
            #expect(rows.first?["respcd"] as? String == "1142")
            #expect(sandbox.ledger.totalCharged() == 0)
        }
    }

    @Test func closingADeclinedOrderClosesIt() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let syssn = try await pay(client, code: SandboxScenario.declined(.customerClosed).authCode())
            #expect(try await close(client, syssn: syssn)["respcd"] as? String == "0000")
            #expect(sandbox.ledger.order(syssn: syssn)?.state == .closed)
        }
    }

    @Test(arguments: SandboxConfiguration.CancelRefusal.allCases)
    func payTypesConfiguredWithoutCancelRefuseToReverse(refusal: SandboxConfiguration.CancelRefusal) async throws {
        try await withSandbox(configure: { $0.cancelRefusals[.alipayBarcode] = refusal }) { sandbox in
            let client = SandboxTestClient(sandbox)
            let alipay = try await pay(client, code: "285123456789012345")
            let answer = try await close(client, syssn: alipay)
            switch refusal {
            case .code1297: #expect(answer["respcd"] as? String == "1297")
            case .withoutSyssn:
                #expect(answer["respcd"] as? String == "0000")
                #expect(answer["syssn"] == nil)
            }
            #expect(sandbox.ledger.order(syssn: alipay)?.state == .paid)
            // Other pay types still reverse; unpaid Alipay orders are refused the same way and stay pending.
            let wechat = try await pay(client)
            #expect(try await close(client, syssn: wechat)["syssn"] is String)
            let pending = try await pay(client, code: SandboxScenario.pendingForever.authCode(wallet: .alipay))
            let unpaid = try await close(client, syssn: pending)
            switch refusal {
            case .code1297: #expect(unpaid["respcd"] as? String == "1297")
            case .withoutSyssn:
                #expect(unpaid["respcd"] as? String == "0000")
                #expect(unpaid["syssn"] == nil)
            }
            #expect(sandbox.ledger.order(syssn: pending)?.state == .pending)
            #expect(sandbox.ledger.order(syssn: pending)?.refusedCloses == 1)
            #expect(sandbox.ledger.totalCharged() == 1000)
        }
    }

    @Test func underLenientRulesUnpaidOrdersOfAPayTypeWithoutCancelStillClose() async throws {
        try await withSandbox(configure: {
            $0.rules = .lenient
            $0.cancelRefusals[.alipayBarcode] = .code1297
        }) { sandbox in
            let client = SandboxTestClient(sandbox)
            let pending = try await pay(client, code: SandboxScenario.pendingForever.authCode(wallet: .alipay))
            #expect(try await close(client, syssn: pending)["syssn"] is String)
            #expect(sandbox.ledger.order(syssn: pending)?.state == .closed)
        }
    }

    @Test func aRefundedOrderCannotBeCancelledAnyMore() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let syssn = try await pay(client)
            _ = try await refund(client, syssn, 100)
            #expect(try await close(client, syssn: syssn)["respcd"] as? String == "1297")
            #expect(sandbox.ledger.totalCharged() == 900)
        }
    }

    @Test func closesOfUnknownOrdersOrWrongAmountsAreRefused() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            #expect(try await close(client, outTradeNo: "NOPE1")["respcd"] as? String == "1143")
            let syssn = try await pay(client)
            #expect(try await close(client, syssn: syssn, amount: 999)["respcd"] as? String == "1266")
            let other = try await pay(client)
            let mismatch = try await close(
                client, syssn: syssn, outTradeNo: sandbox.ledger.order(syssn: other)!.outTradeNo)
            #expect(mismatch["respcd"] as? String == "1104")
            #expect(sandbox.ledger.totalCharged() == 2000)
        }
    }
}
