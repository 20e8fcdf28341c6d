import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

@Suite("Scenarios chosen by the auth code")
struct SandboxScenarioTests {
    static let all: [SandboxScenario] =
        [
            .success, .pendingThenPaid(queries: 2), .enteringPasswordThenPaid(queries: 1),
            .slowNetworkThenPaid(queries: 3), .resultUnknownThenPaid(queries: 0), .pendingForever,
            .cancelUnsupported, .cancelWithoutSyssn, .paidOnCloseAttempt, .closeAnsweredButPaid, .refundDenied,
            .noPartialRefund, .pendingCloseUnsupported(paidAfterQueries: 0),
            .pendingCloseUnsupported(paidAfterQueries: 3),
        ] + SandboxDecline.allCases.map { .declined($0) }
        + SandboxDecline.allCases.map { .pendingThenDeclined(queries: 2, $0) }

    @Test(arguments: all, Wallet.allCases)
    func everyScenarioCodeLooksLikeItsWalletsCodeAndSelectsItsScenario(scenario: SandboxScenario, wallet: Wallet) {
        let code = scenario.authCode(wallet: wallet, serial: 4254)
        #expect(code.count == 18)
        #expect(code.hasSuffix("00004254"))
        #expect(SandboxScenario(authCode: code) == scenario)
        #expect(PaymentCodeClassifier().classify(code) == .payment(wallet: wallet, payType: wallet.barcodePayType))
    }

    @Test func ordinaryCodesPayAtOnce() {
        #expect(SandboxScenario(authCode: "134676275354204254") == .success)
        #expect(SandboxScenario(authCode: "130000990000000000") == .success)
    }

    /// Sends a payment with the scenario's code, then queries it `queries` times; returns the
    /// payment answer and each query's row respcd.
    private func run(
        _ scenario: SandboxScenario,
        queries: Int,
        in sandbox: SandboxServer
    ) async throws -> (payment: [String: Any], rows: [String], syssn: String) {
        let client = SandboxTestClient(sandbox)
        let payment = try await client.call(
            "/trade/v1/payment", SandboxTestClient.barcodePayment(amount: 1000, authCode: scenario.authCode()))
        let syssn = try #require(payment["syssn"] as? String)
        var rows: [String] = []
        for _ in 0..<queries {
            let answer = try await client.call(
                "/trade/v1/query", ["mchid": SandboxTestCredentials.mchid, "syssn": syssn])
            let data = try #require(answer["data"] as? [[String: Any]])
            rows.append(try #require(data.first?["respcd"] as? String))
        }
        return (payment, rows, syssn)
    }

    @Test(arguments: [
        (SandboxScenario.pendingThenPaid(queries: 2), "1145"),
        (.enteringPasswordThenPaid(queries: 2), "1143"),
        (.slowNetworkThenPaid(queries: 2), "1298"),
        (.resultUnknownThenPaid(queries: 2), "1161"),
    ])
    func pendingScenariosAnswerTheirCodeStayPendingForNQueriesThenPay(scenario: SandboxScenario, answer: String)
        async throws
    {
        try await withSandbox { sandbox in
            let result = try await run(scenario, queries: 4, in: sandbox)
            #expect(result.payment["respcd"] as? String == answer)
            #expect(result.rows == ["1143", "1143", "0000", "0000"])
            #expect(sandbox.ledger.order(syssn: result.syssn)?.state == .paid)
            #expect(sandbox.ledger.totalCharged() == 1000)
        }
    }

    @Test func pendingForeverNeverPaysAndACloseEndsIt() async throws {
        try await withSandbox { sandbox in
            let result = try await run(.pendingForever, queries: 6, in: sandbox)
            #expect(result.payment["respcd"] as? String == "1145")
            #expect(result.rows == Array(repeating: "1143", count: 6))
            let closed = try await SandboxTestClient(sandbox).call(
                "/trade/v1/close",
                [
                    "mchid": SandboxTestCredentials.mchid, "syssn": result.syssn, "txamt": "1000",
                    "txdtm": SandboxTestClient.now(),
                ])
            #expect(closed["respcd"] as? String == "0000")
            #expect(closed["orig_syssn"] as? String == result.syssn)
            #expect(sandbox.ledger.order(syssn: result.syssn)?.state == .closed)
            #expect(sandbox.ledger.totalCharged() == 0)
        }
    }

    @Test(arguments: SandboxDecline.allCases)
    func declinedScenariosAnswerTheirCodeAndChargeNothing(decline: SandboxDecline) async throws {
        try await withSandbox { sandbox in
            let result = try await run(.declined(decline), queries: 1, in: sandbox)
            #expect(result.payment["respcd"] as? String == decline.rawValue)
            #expect(result.rows == [decline.rawValue])
            #expect(sandbox.ledger.order(syssn: result.syssn)?.state == .failed)
            #expect(sandbox.ledger.totalCharged() == 0)
        }
    }

    @Test(arguments: [SandboxDecline.customerClosed, .insufficientBalance, .orderClosed])
    func pendingThenDeclinedFailsAfterNQueries(decline: SandboxDecline) async throws {
        try await withSandbox { sandbox in
            let result = try await run(.pendingThenDeclined(queries: 1, decline), queries: 3, in: sandbox)
            #expect(result.payment["respcd"] as? String == "1145")
            #expect(result.rows == ["1143", decline.rawValue, decline.rawValue])
            #expect(sandbox.ledger.totalCharged() == 0)
        }
    }

    private func close(_ syssn: String, in sandbox: SandboxServer, path: String = "/trade/v1/close") async throws
        -> [String: Any]
    {
        try await SandboxTestClient(sandbox).call(
            path,
            ["mchid": SandboxTestCredentials.mchid, "syssn": syssn, "txamt": "1000", "txdtm": SandboxTestClient.now()])
    }

    @Test func cancelUnsupportedAnswers1297AndTheOrderStaysPaid() async throws {
        try await withSandbox { sandbox in
            let result = try await run(.cancelUnsupported, queries: 0, in: sandbox)
            #expect(result.payment["respcd"] as? String == "0000")
            #expect(try await close(result.syssn, in: sandbox)["respcd"] as? String == "1297")
            #expect(sandbox.ledger.order(syssn: result.syssn)?.state == .paid)
            #expect(sandbox.ledger.totalCharged() == 1000)
        }
    }

    @Test func cancelWithoutSyssnAnswers0000WithoutSyssnAndTheOrderStaysPaid() async throws {
        try await withSandbox { sandbox in
            let result = try await run(.cancelWithoutSyssn, queries: 0, in: sandbox)
            let answer = try await close(result.syssn, in: sandbox)
            #expect(answer["respcd"] as? String == "0000")
            #expect(answer["syssn"] == nil)
            #expect(answer["orig_syssn"] as? String == result.syssn)
            #expect(sandbox.ledger.order(syssn: result.syssn)?.state == .paid)
            #expect(sandbox.ledger.totalCharged() == 1000)
        }
    }

    @Test func paidOnCloseAttemptRefusesTheCloseWith1297AndEndsPaid() async throws {
        try await withSandbox { sandbox in
            let result = try await run(.paidOnCloseAttempt, queries: 3, in: sandbox)
            #expect(result.rows == ["1143", "1143", "1143"])
            #expect(try await close(result.syssn, in: sandbox)["respcd"] as? String == "1297")
            #expect(try await queryRow(result.syssn, in: sandbox) == "0000")
            #expect(sandbox.ledger.totalCharged() == 1000)
        }
    }

    @Test func closeAnsweredButPaidAnswersTheCloseYetTheOrderEndsPaid() async throws {
        try await withSandbox { sandbox in
            let result = try await run(.closeAnsweredButPaid, queries: 1, in: sandbox)
            let answer = try await close(result.syssn, in: sandbox)
            #expect(answer["respcd"] as? String == "0000")
            #expect(answer["syssn"] is String)
            #expect(try await queryRow(result.syssn, in: sandbox) == "0000")
            #expect(sandbox.ledger.order(syssn: result.syssn)?.state == .paid)
            #expect(sandbox.ledger.totalCharged() == 1000)
        }
    }

    @Test func pendingCloseUnsupportedRefusesTheCloseAndIsPaidAfterTheQueriesThatFollowIt() async throws {
        try await withSandbox { sandbox in
            // Queries before the close do not count.
            let result = try await run(.pendingCloseUnsupported(paidAfterQueries: 2), queries: 3, in: sandbox)
            #expect(result.payment["respcd"] as? String == "1145")
            #expect(result.rows == ["1143", "1143", "1143"])
            #expect(try await close(result.syssn, in: sandbox)["respcd"] as? String == "1297")
            #expect(sandbox.ledger.order(syssn: result.syssn)?.state == .pending)
            #expect(sandbox.ledger.order(syssn: result.syssn)?.refusedCloses == 1)
            #expect(try await queryRow(result.syssn, in: sandbox) == "1143")
            // A second close changes nothing either.
            #expect(try await close(result.syssn, in: sandbox)["respcd"] as? String == "1297")
            #expect(try await queryRow(result.syssn, in: sandbox) == "1143")
            #expect(try await queryRow(result.syssn, in: sandbox) == "0000")
            #expect(sandbox.ledger.order(syssn: result.syssn)?.state == .paid)
            #expect(sandbox.ledger.totalCharged() == 1000)
            // Paid, it still cannot be cancelled: only a refund returns the money.
            #expect(try await close(result.syssn, in: sandbox)["respcd"] as? String == "1297")
            #expect(try await refund(result.syssn, amount: 1000, in: sandbox)["respcd"] as? String == "0000")
            #expect(sandbox.ledger.totalCharged() == 0)
        }
    }

    @Test func pendingCloseUnsupportedWithoutPaymentClosesItselfAtTheEndOfTheBarcodeLifetime() async throws {
        let clock = SandboxClock.testing()
        try await withSandbox(clock: clock) { sandbox in
            let result = try await run(.pendingCloseUnsupported(paidAfterQueries: 0), queries: 0, in: sandbox)
            #expect(try await close(result.syssn, in: sandbox)["respcd"] as? String == "1297")
            for _ in 0..<5 { #expect(try await queryRow(result.syssn, in: sandbox) == "1143") }
            clock.advance(by: .seconds(5 * 60))
            #expect(try await queryRow(result.syssn, in: sandbox) == "1142")
            #expect(sandbox.ledger.order(syssn: result.syssn)?.state == .failed)
            #expect(sandbox.ledger.totalCharged() == 0)
        }
    }

    @Test func refundDeniedAnswers1155() async throws {
        try await withSandbox { sandbox in
            let result = try await run(.refundDenied, queries: 0, in: sandbox)
            #expect(try await refund(result.syssn, amount: 1000, in: sandbox)["respcd"] as? String == "1155")
            #expect(sandbox.ledger.totalCharged() == 1000)
        }
    }

    @Test func noPartialRefundTakesOnlyTheWholeAmount() async throws {
        try await withSandbox { sandbox in
            let result = try await run(.noPartialRefund, queries: 0, in: sandbox)
            #expect(try await refund(result.syssn, amount: 400, in: sandbox)["respcd"] as? String == "1270")
            #expect(try await refund(result.syssn, amount: 1000, in: sandbox)["respcd"] as? String == "0000")
            #expect(sandbox.ledger.totalCharged() == 0)
        }
    }

    private func queryRow(_ syssn: String, in sandbox: SandboxServer) async throws -> String? {
        let answer = try await SandboxTestClient(sandbox).call(
            "/trade/v1/query", ["mchid": SandboxTestCredentials.mchid, "syssn": syssn])
        return (answer["data"] as? [[String: Any]])?.first?["respcd"] as? String
    }

    private func refund(_ syssn: String, amount: Int, in sandbox: SandboxServer) async throws -> [String: Any] {
        try await SandboxTestClient(sandbox).call(
            "/trade/v1/refund",
            [
                "mchid": SandboxTestCredentials.mchid, "syssn": syssn, "txamt": String(amount),
                "out_trade_no": uniqueOutTradeNo("R"), "txdtm": SandboxTestClient.now(),
            ])
    }
}
