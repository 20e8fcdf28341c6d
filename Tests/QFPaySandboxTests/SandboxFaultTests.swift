import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

@Suite("Fault injection")
struct SandboxFaultTests {
    private let payment = "/trade/v1/payment"

    @Test func aServerErrorBeforeProcessingLeavesNoOrder() async throws {
        try await withSandbox { sandbox in
            sandbox.injectFault(.serverErrorBeforeProcessing(status: 503), path: payment)
            let response = try await SandboxTestClient(sandbox).post(
                payment, SandboxTestClient.barcodePayment(amount: 100, authCode: "134676275354204254"))
            #expect(response.status == 503)
            #expect(response.header("X-QF-SIGN") == nil)
            #expect(sandbox.ledger.orders().isEmpty)
            #expect(sandbox.ledger.requests(path: payment).first?.fault == .serverErrorBeforeProcessing(status: 503))
        }
    }

    @Test func aServerErrorAfterProcessingHidesAPaidOrder() async throws {
        try await withSandbox { sandbox in
            sandbox.injectFault(.serverErrorAfterProcessing(status: 502), path: payment)
            let params = SandboxTestClient.barcodePayment(amount: 100, authCode: "134676275354204254")
            let response = try await SandboxTestClient(sandbox).post(payment, params)
            #expect(response.status == 502)
            #expect(sandbox.ledger.order(outTradeNo: params["out_trade_no"]!)?.state == .paid)
        }
    }

    @Test func aDroppedConnectionAfterProcessingLosesTheAnswerButNotTheOrder() async throws {
        try await withSandbox { sandbox in
            sandbox.injectFault(.dropAfterProcessing, path: payment)
            let params = SandboxTestClient.barcodePayment(amount: 100, authCode: "134676275354204254")
            let error = await #expect(throws: SandboxError.self) {
                _ = try await SandboxTestClient(sandbox).post(payment, params)
            }
            #expect(error?.code == .connectionClosed)
            #expect(sandbox.ledger.order(outTradeNo: params["out_trade_no"]!)?.state == .paid)
            // The client resolves it by query, which answers normally.
            let rows = try await SandboxTestClient(sandbox).call(
                "/trade/v1/query", ["mchid": SandboxTestCredentials.mchid, "out_trade_no": params["out_trade_no"]!])
            #expect((rows["data"] as? [[String: Any]])?.first?["respcd"] as? String == "0000")
        }
    }

    @Test(arguments: [SandboxFault.wrongSignature, .missingSignature])
    func aTamperedOrMissingSignatureDoesNotVerify(fault: SandboxFault) async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            sandbox.injectFault(fault)
            let response = try await client.post("/trade/v1/query", ["mchid": SandboxTestCredentials.mchid])
            #expect(response.status == 200)
            #expect(!client.verifies(response))
            // The next answer is signed again.
            #expect(client.verifies(try await client.post("/trade/v1/query", ["mchid": SandboxTestCredentials.mchid])))
        }
    }

    @Test func tooManyRequestsIsHTTP429WithoutProcessing() async throws {
        try await withSandbox { sandbox in
            sandbox.injectFault(.tooManyRequests, path: payment)
            let response = try await SandboxTestClient(sandbox).post(
                payment, SandboxTestClient.barcodePayment(amount: 100, authCode: "134676275354204254"))
            #expect(response.status == 429)
            #expect(sandbox.ledger.orders().isEmpty)
        }
    }

    @Test func addedLatencyDelaysTheAnswerByAtLeastItsDuration() async throws {
        try await withSandbox { sandbox in
            sandbox.injectFault(.latency(.milliseconds(150)))
            let started = ContinuousClock.now
            let response = try await SandboxTestClient(sandbox).post(
                "/trade/v1/query", ["mchid": SandboxTestCredentials.mchid])
            #expect(ContinuousClock.now - started >= .milliseconds(150))
            #expect(response.status == 200)
            #expect(sandbox.ledger.requests().first?.fault == .latency(.milliseconds(150)))
        }
    }

    @Test func faultsWithProbabilityOneHitEveryRequestOnTheirPathsOnly() async throws {
        try await withSandbox(configure: {
            $0.faults = SandboxFaults(serverErrorBeforeProcessing: 1, paths: ["/trade/v1/refund"])
        }) { sandbox in
            let client = SandboxTestClient(sandbox)
            let ok = try await client.post("/trade/v1/query", ["mchid": SandboxTestCredentials.mchid])
            #expect(ok.status == 200)
            let refused = try await client.post(
                "/trade/v1/refund",
                [
                    "mchid": SandboxTestCredentials.mchid, "syssn": "1", "txamt": "1", "out_trade_no": "R1",
                    "txdtm": SandboxTestClient.now(),
                ])
            #expect(refused.status == 502)
            // Changed at run time: faults off.
            sandbox.setFaults(.none)
            #expect(sandbox.faults == .none)
            let after = try await client.post(
                "/trade/v1/refund",
                [
                    "mchid": SandboxTestCredentials.mchid, "syssn": "1", "txamt": "1", "out_trade_no": "R1",
                    "txdtm": SandboxTestClient.now(),
                ])
            #expect(after.status == 200)
        }
    }

    /// The statuses of 24 queries against a sandbox with these faults.
    private func statuses(_ faults: SandboxFaults) async throws -> [String] {
        try await withSandbox(configure: { $0.faults = faults }) { sandbox in
            let client = SandboxTestClient(sandbox)
            var outcomes: [String] = []
            for _ in 0..<24 {
                do {
                    let response = try await client.post("/trade/v1/query", ["mchid": SandboxTestCredentials.mchid])
                    outcomes.append(
                        response.status == 200 && !client.verifies(response) ? "bad-sign" : "\(response.status)")
                } catch {
                    outcomes.append("dropped")
                }
            }
            return outcomes
        }
    }

    @Test func theSameSeedGivesTheSameFaultsAndAnotherSeedOthers() async throws {
        let mixed = SandboxFaults(
            seed: 42, serverErrorBeforeProcessing: 0.2, serverErrorAfterProcessing: 0.1, dropAfterProcessing: 0.1,
            wrongSignature: 0.1)
        let first = try await statuses(mixed)
        let second = try await statuses(mixed)
        #expect(first == second)
        #expect(Set(first).count > 1)
        var other = mixed
        other.seed = 7
        #expect(try await statuses(other) != first)
    }

    @Test func theSplitMix64SequenceIsFixedBySeed() {
        var a = SplitMix64(seed: 1)
        var b = SplitMix64(seed: 1)
        let first = (0..<4).map { _ in a.next() }
        #expect(first == (0..<4).map { _ in b.next() })
        // Reference values of SplitMix64 for seed 1.
        #expect(first[0] == 0x910A_2DEC_8902_5CC1)
        #expect((0..<100).allSatisfy { _ in (0..<1).contains(a.nextUnit()) })
    }
}
