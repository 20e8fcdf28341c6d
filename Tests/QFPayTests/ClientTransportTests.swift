import Foundation
import QFPay
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The client over real HTTP against a scripted server: what goes on the wire, and how each kind
/// of gateway misbehaviour is sorted into answered, outcome unknown and not sent.
@Suite struct ClientTransportTests {
    static let paidBody =
        #"{"respcd": "0000", "resperr": "\u4ea4\u6613\u6210\u529f", "syssn": "20261127000100020001662134", "out_trade_no": "P1", "txamt": "1200", "pay_type": "800208"}"#

    func client(
        _ server: ScriptedHTTPServer,
        retry: RetryPolicy = RetryPolicy(initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(20)),
        timeout: Duration = .seconds(30)
    ) -> QFPayClient {
        var configuration = Fixtures.configuration(baseURL: server.baseURL)
        configuration.retryPolicy = retry
        configuration.requestTimeout = timeout
        configuration.connectTimeout = .seconds(1)
        return QFPayClient(configuration: configuration)
    }

    let payment = PaymentRequest.barcode(
        outTradeNo: "P1", amount: 1200, authCode: AuthCode("134676275354204254"), goodsName: "缶 珈琲 tea",
        udid: "till+1=2%&3",
        transactionTime: TransactionTime(text: "2026-11-27 09:35:12"))

    @Test func aPaymentGoesOutSignedAndFormEncodedAndItsVerifiedAnswerParses() async throws {
        let server = try ScriptedHTTPServer(replies: [.signed(Self.paidBody)])
        defer { server.stop() }
        let result = await client(server).pay(payment)
        let response = try #require(result.response)
        #expect(response.respcd == .success)
        #expect(response.syssn == "20261127000100020001662134")
        #expect(response.body == Array(Self.paidBody.utf8))

        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/trade/v1/payment")
        #expect(request.headers["x-qf-appcode"] == "APPCODE")
        #expect(request.headers["content-type"]?.hasPrefix("application/x-www-form-urlencoded") == true)
        let parameters = SignedRequest.formDecode(String(decoding: request.body, as: UTF8.self))
        #expect(parameters["goods_name"] == "缶 珈琲 tea")
        #expect(parameters["udid"] == "till+1=2%&3")
        #expect(parameters["auth_code"] == "134676275354204254")
        #expect(Signer(key: Fixtures.key).verifies(parameters: parameters, signature: request.headers["x-qf-sign"]))
    }

    @Test func http429IsRetriedWithTheSameRequestUntilAnswered() async throws {
        let limited = ScriptedHTTPServer.Reply.answer(status: 429, headers: [:], body: Array("slow down".utf8))
        let server = try ScriptedHTTPServer(replies: [limited, limited, .signed(Self.paidBody)])
        defer { server.stop() }
        let result = await client(server).pay(payment)
        #expect(result.response?.respcd == .success, "\(result)")
        let bodies = server.requests.map(\.body)
        #expect(bodies.count == 3)
        #expect(Set(bodies).count == 1)
        #expect(Set(server.requests.map { $0.headers["x-qf-sign"] }).count == 1)
    }

    @Test func http429ThatNeverEndsIsNotSentAfterTheLastAttempt() async throws {
        let server = try ScriptedHTTPServer(
            replies: [], fallback: .answer(status: 429, headers: ["Retry-After": "0"], body: []))
        defer { server.stop() }
        let result = await client(server, retry: RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(1))).pay(
            payment)
        guard case .notSent(let error) = result else {
            Issue.record("expected not sent, got \(result)")
            return
        }
        #expect(error.code == .rateLimited)
        #expect(server.requests.count == 3)
    }

    @Test func answersWithoutAValidSignatureAreNeverSuccesses() async throws {
        let unsigned = ScriptedHTTPServer.Reply.answer(status: 200, headers: [:], body: Array(Self.paidBody.utf8))
        let wrongKey = ScriptedHTTPServer.Reply.signed(Self.paidBody, key: "another key")
        let tampered = ScriptedHTTPServer.Reply.signed(
            Self.paidBody, signature: Signer(key: Fixtures.key).bodySignature(Array(Self.paidBody.utf8) + [0x20]))
        let server = try ScriptedHTTPServer(replies: [unsigned, wrongKey, tampered])
        defer { server.stop() }
        let client = client(server)
        for expected in [UnknownOutcome.Reason.missingSignature, .invalidSignature, .invalidSignature] {
            let result = await client.pay(payment)
            guard case .outcomeUnknown(let unknown) = result else {
                Issue.record("expected an unknown outcome, got \(result)")
                continue
            }
            #expect(unknown.reason == expected, "\(unknown)")
            #expect(unknown.body == Array(Self.paidBody.utf8))
        }
    }

    /// QFPay's front end answers signature and parameter problems unsigned: only those codes are
    /// taken from an unsigned body, and only to conclude that nothing was processed.
    @Test(arguments: ["1103", "1104", "1108", "1100"])
    func anUnsignedRequestProblemMeansNothingWasProcessed(_ code: String) async throws {
        let body = #"{"resperr": "\u53c2\u6570\u9519\u8bef", "respcd": "\#(code)", "respmsg": "goods_name"}"#
        let server = try ScriptedHTTPServer(replies: [.answer(status: 200, headers: [:], body: Array(body.utf8))])
        defer { server.stop() }
        guard case .notSent(let error) = await client(server).pay(payment) else {
            Issue.record("an unsigned \(code) was not a refusal")
            return
        }
        #expect(error.code == .requestRejected)
        #expect(error.respcd?.rawValue == code)
        #expect(error.message.contains("goods_name"))
    }

    @Test func serverErrorsDroppedConnectionsAndGarbageLeaveTheOutcomeUnknown() async throws {
        let server = try ScriptedHTTPServer(replies: [
            .answer(status: 502, headers: [:], body: Array("<html>bad gateway</html>".utf8)),
            .drop,
            .signed("<html>not json</html>"),
            .answer(status: 404, headers: [:], body: []),
        ])
        defer { server.stop() }
        let client = client(server)
        var reasons: [UnknownOutcome.Reason] = []
        for _ in 0..<4 {
            if case .outcomeUnknown(let unknown) = await client.pay(payment) { reasons.append(unknown.reason) }
        }
        #expect(reasons == [.serverError, .connectionLost, .unparsableBody, .unexpectedStatus])
    }

    @Test func redirectsAreNotFollowed() async throws {
        let server = try ScriptedHTTPServer(
            replies: [.answer(status: 307, headers: ["Location": "/elsewhere"], body: [])],
            fallback: .signed(Self.paidBody))
        defer { server.stop() }
        guard case .outcomeUnknown(let unknown) = await client(server).pay(payment) else {
            Issue.record("a redirect was followed or trusted")
            return
        }
        #expect(unknown.reason == .unexpectedStatus)
        #expect(unknown.httpStatus == 307)
        #expect(server.requests.map(\.path) == ["/trade/v1/payment"])
    }

    @Test func noAnswerInTimeIsAnUnknownOutcome() async throws {
        let server = try ScriptedHTTPServer(replies: [.hang])
        defer { server.stop() }
        let result = await client(server, timeout: .milliseconds(300)).query(.order("P1"))
        guard case .outcomeUnknown(let unknown) = result else {
            Issue.record("expected an unknown outcome, got \(result)")
            return
        }
        #expect(unknown.reason == .timedOut)
        #expect(server.requests.count == 1)
    }

    @Test func aRefusedConnectionIsNotSent() async throws {
        // A port bound but not listening: connections are refused, and no other test can take it.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        try #require(bound)
        var configuration = Fixtures.configuration(baseURL: "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))")
        configuration.connectTimeout = .seconds(2)
        let result = await QFPayClient(configuration: configuration).pay(payment)
        guard case .notSent(let error) = result else {
            Issue.record("expected not sent, got \(result)")
            return
        }
        #expect(error.code == .connectionFailed)
    }

    @Test func invalidRequestsAreNotSentAndNameTheField() async throws {
        let server = try ScriptedHTTPServer(replies: [])
        defer { server.stop() }
        var bad = payment
        bad.outTradeNo = "注文"
        guard case .notSent(let error) = await client(server).pay(bad) else {
            Issue.record("an invalid request was sent")
            return
        }
        #expect(error.field == "out_trade_no")
        #expect(server.requests.isEmpty)
    }

    @Test func tradeBillKeepsAnUnsignedZipAndRefusesAnUnsignedJSONError() async throws {
        let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04] + Array(repeating: 0, count: 26)
        let server = try ScriptedHTTPServer(replies: [
            .answer(status: 200, headers: ["Content-Type": "application/zip"], body: zip),
            .answer(status: 200, headers: [:], body: Array(#"{"respcd": "1143"}"#.utf8)),
            .answer(status: 200, headers: [:], body: Array(#"{"respcd": "1104", "respmsg": "trade_date"}"#.utf8)),
            .signed(#"{"respcd": "1104", "resperr": "no bill"}"#),
        ])
        defer { server.stop() }
        let client = client(server)
        let bill = try #require(await client.tradeBill(date: "2026-11-26").response)
        #expect(bill.isZip)
        #expect(bill.body == zip)
        #expect(!bill.signatureVerified)
        #expect(server.requests.first?.path == "/download/v1/trade_bill")
        #expect(
            SignedRequest.formDecode(String(decoding: server.requests[0].body, as: UTF8.self))["trade_date"]
                == "2026-11-26")
        guard case .outcomeUnknown(let unknown) = await client.tradeBill(date: "2026-11-26") else {
            Issue.record("an unsigned JSON answer was trusted")
            return
        }
        #expect(unknown.reason == .missingSignature)
        // A front end's unsigned parameter error: nothing was processed.
        guard case .notSent(let refused) = await client.tradeBill(date: "2026-11-26") else {
            Issue.record("an unsigned 1104 was not taken as a refusal")
            return
        }
        #expect(refused.code == .requestRejected)
        #expect(refused.respcd == "1104")
        let error = try #require(await client.tradeBill(date: "2026-11-26").response)
        #expect(error.respcd == "1104")
        #expect(error.signatureVerified)
        guard case .notSent = await client.tradeBill(date: "26/11/2026") else {
            Issue.record("a malformed date was sent")
            return
        }
    }

    @Test func closeGoesToTheEndpointConfiguredForThePayType() async throws {
        let closed = #"{"respcd": "0000", "syssn": "2", "orig_syssn": "1", "txamt": 1200}"#
        let server = try ScriptedHTTPServer(replies: [.signed(closed), .signed(closed)])
        defer { server.stop() }
        var configuration = Fixtures.configuration(baseURL: server.baseURL)
        configuration.cancelPaths[.alipayBarcode] = QFPayConfiguration.reversalPath
        let client = QFPayClient(configuration: configuration)
        let request = CloseRequest(syssn: "1", amount: 1200)
        #expect(await client.close(request, payType: .alipayBarcode).response?.isCancelled == true)
        #expect(await client.close(request, payType: .wechatBarcode).response?.isCancelled == true)
        #expect(server.requests.map(\.path) == ["/trade/v1/reversal", "/trade/v1/close"])
    }
}
