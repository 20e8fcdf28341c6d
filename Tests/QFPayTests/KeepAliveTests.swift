import Foundation
import NIOPosix
import QFPay
import Testing

/// Kept-alive connections to the gateway: requests share one connection while the gateway keeps
/// it open, and a request written on a kept connection that then drops is an unknown outcome,
/// written once and never sent again.
@Suite struct KeepAliveTests {
    static let paidBody = ClientTransportTests.paidBody

    func client(_ server: ScriptedHTTPServer) -> QFPayClient {
        var configuration = Fixtures.configuration(baseURL: server.baseURL)
        configuration.requestTimeout = .seconds(30)
        configuration.connectTimeout = .seconds(1)
        return QFPayClient(configuration: configuration)
    }

    func payment(_ number: Int) -> PaymentRequest {
        .barcode(outTradeNo: "P\(number)", amount: 1200, authCode: AuthCode("134676275354204254"))
    }

    @Test func consecutiveRequestsShareOneKeptAliveConnection() async throws {
        let server = try ScriptedHTTPServer(replies: [], fallback: .signedKeepingAlive(Self.paidBody))
        defer { server.stop() }
        let client = client(server)
        for number in 1...4 { #expect(await client.pay(payment(number)).response?.respcd == .success) }
        #expect(server.requests.map(\.connection) == [0, 0, 0, 0])
        #expect(server.connections == 1)
        #expect(server.requests.allSatisfy { $0.headers["connection"] == nil })
    }

    @Test func aKeptAliveConnectionThatDropsLeavesTheOutcomeUnknownAndTheRequestIsNeverSentAgain() async throws {
        // After the drop every request would be answered: a re-sent payment would show up as a
        // third request (and a success) instead of an unknown outcome.
        let server = try ScriptedHTTPServer(
            replies: [.signedKeepingAlive(Self.paidBody), .drop], fallback: .signedKeepingAlive(Self.paidBody))
        defer { server.stop() }
        let client = client(server)
        #expect(await client.pay(payment(1)).response?.respcd == .success)
        let second = await client.pay(payment(2))
        guard case .outcomeUnknown(let unknown) = second else {
            Issue.record("expected an unknown outcome, got \(second)")
            return
        }
        #expect(unknown.reason == .connectionLost)
        #expect(server.requests.map(\.connection) == [0, 0])
        let outTradeNumbers = server.requests.map {
            SignedRequest.formDecode(String(decoding: $0.body, as: UTF8.self))["out_trade_no"]
        }
        #expect(outTradeNumbers == ["P1", "P2"])

        // The next request goes out on a new connection.
        #expect(await client.pay(payment(3)).response?.respcd == .success)
        #expect(server.requests.map(\.connection) == [0, 0, 1])
    }

    @Test func aConnectionTheGatewayClosedWhileIdleIsNotUsedAgain() async throws {
        let server = try ScriptedHTTPServer(
            replies: [.signedKeepingAlive(Self.paidBody, thenClose: true)], fallback: .signedKeepingAlive(Self.paidBody)
        )
        defer { server.stop() }
        let client = client(server)
        #expect(await client.pay(payment(1)).response?.respcd == .success)
        // Not a timing check: the close has to reach the client before the next request for this
        // case to be the one tested (a request written as the close crosses it is unknown).
        try await Task.sleep(for: .milliseconds(200))
        #expect(await client.pay(payment(2)).response?.respcd == .success)
        #expect(server.requests.map(\.connection) == [0, 1])
    }

    @Test func anAnswerThatClosesItsConnectionIsNotKept() async throws {
        let server = try ScriptedHTTPServer(replies: [], fallback: .signed(Self.paidBody))
        defer { server.stop() }
        let client = client(server)
        for number in 1...2 { #expect(await client.pay(payment(number)).response?.respcd == .success) }
        #expect(server.requests.map(\.connection) == [0, 1])
    }
}

/// The client's task executor: a task that prefers it runs the client's code on the event loop its
/// exchanges use (no hop between Swift's pool and the loop), and its calls still work from there.
@Suite struct ClientTaskExecutorTests {
    nonisolated static func onEventLoop() async -> Bool { MultiThreadedEventLoopGroup.currentEventLoop != nil }

    @Test func aTaskPreferringTheClientsExecutorRunsOnAnEventLoop() async throws {
        let server = try ScriptedHTTPServer(replies: [], fallback: .signedKeepingAlive(KeepAliveTests.paidBody))
        defer { server.stop() }
        let client = KeepAliveTests().client(server)
        #expect(await Self.onEventLoop() == false)
        let answered = await Task(executorPreference: client.taskExecutor) { () -> (onLoop: Bool, paid: Bool) in
            let onLoop = await Self.onEventLoop()
            let result = await client.pay(KeepAliveTests().payment(1))
            return (onLoop, result.response?.respcd == .success)
        }.value
        #expect(answered.onLoop)
        #expect(answered.paid)
    }
}
