import ControlProtocol
import Foundation
import Glibc
import QFPOSDaemon
import TestSupport
import Testing

/// The control socket's limits: what one client, or one uid, may cost the till.
@Suite struct ControlLimitsTests {
    /// Sends `line` alone on a fresh connection and returns the one answer line, decoded.
    private func answer(to line: String, harness: DaemonHarness) async throws -> JSONValue {
        let raw = try RawSocket(path: harness.socketPath)
        let received: [UInt8] = await offPool {
            raw.write(Array(line.utf8) + [10])
            shutdown(raw.descriptor, Int32(SHUT_WR))
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(raw.descriptor, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                received += buffer[0..<n]
            }
            return received
        }
        return try JSONDecoder().decode(JSONValue.self, from: Data(received))
    }

    private func batch(_ count: Int) -> String {
        "[" + (0..<count).map { OtherUserClient.request(MethodName.daemonStatus, id: $0) }.joined(separator: ",") + "]"
    }

    @Test func aBatchOverTheCapIsRefusedWholeAndOneAtTheCapIsAnswered() async throws {
        let harness = try await DaemonHarness()
        let refused = try await answer(to: batch(33), harness: harness)
        #expect(refused["error"]?["code"] == .integer(Int64(RPCError.Code.invalidRequest)))
        #expect(refused["error"]?["data"]?["reason"] == .string(RPCError.Reason.batchTooLarge.rawValue))
        let answered = try await answer(to: batch(32), harness: harness)
        #expect(answered.arrayValue?.count == 32)
        #expect(answered.arrayValue?.allSatisfy { $0["result"]?["state"] == "running" } == true)
        try await harness.stop()
    }

    @Test func aSilentConnectionIsClosedAfterTheIdleTimeoutAndASubscriberIsKept() async throws {
        let harness = try await DaemonHarness(controlYAML: "  idle_timeout_seconds: 0.2\n")
        let subscriber = try await harness.connect()
        _ = try await subscriber.call(MethodName.eventsSubscribe)
        let silent = try RawSocket(path: harness.socketPath)
        #expect(await offPool { silent.readUntilClosed() }, "the silent connection is closed by the daemon")
        // The subscriber sent nothing for as long, and more: it is still served.
        try await Task.sleep(for: .milliseconds(600))
        #expect(try await subscriber.call(MethodName.daemonStatus)["state"] == "running")
        await subscriber.close()
        try await harness.stop()
    }

    @Test func oneUIDHoldsOnlyItsShareOfTheConnectionsAndAnotherUIDStillGetsIn() async throws {
        let harness = try await DaemonHarness(controlYAML: "  max_connections: 4\n  max_connections_per_uid: 2\n")
        let first = try await harness.connect()
        // The harness's own probe connection may still be closing: wait until only ours is open.
        while try await first.call(MethodName.daemonStatus)["connections"] != 1 {
            try await Task.sleep(for: .milliseconds(5))
        }
        let second = try await harness.connect()
        _ = try await second.call(MethodName.daemonStatus)
        let third = try await harness.connect()
        var answers = third.unmatchedResponses.makeAsyncIterator()
        let refusal = await answers.next()
        guard case .failure(let error)? = refusal?.outcome else {
            Issue.record("no refusal: \(String(describing: refusal))")
            return
        }
        #expect(error.reason == .tooManyRequests)
        #expect(error.message.contains("control.max_connections_per_uid"))
        // The connections are not all taken: the till's other user is served.
        let other = try await OtherUserClient.call(
            socket: harness.socketPath, uid: 4242, [OtherUserClient.request(MethodName.daemonStatus)])
        #expect(other.first?["result"]?["state"] == "running")
        await first.close()
        await second.close()
        await third.close()
        try await harness.stop()
    }

    @Test func aReadOnlyUIDReadsButCannotCallACashiersMethod() async throws {
        let harness = try await DaemonHarness(controlYAML: "  read_only_uids: [4242]\n")
        let cashierMethods: [(String, String)] = [
            (MethodName.saleStart, #"{"amount":100}"#), (MethodName.saleCancel, #"{"sale_id":"S1"}"#),
            (MethodName.saleRefund, #"{"sale_id":"S1","amount":100}"#),
            (MethodName.receiptReprint, #"{"sale_id":"S1"}"#),
            (MethodName.reconcileRun, #"{"date":"2026-12-01"}"#),
        ]
        let requests =
            [
                OtherUserClient.request(MethodName.daemonStatus, id: 1),
                OtherUserClient.request(MethodName.saleList, id: 2),
                OtherUserClient.request(MethodName.eventsSubscribe, id: 3),
            ]
            + cashierMethods.enumerated().map {
                OtherUserClient.request($0.element.0, id: 10 + $0.offset, params: $0.element.1)
            }
        let answers = try await OtherUserClient.call(socket: harness.socketPath, uid: 4242, requests)
        #expect(answers.count == requests.count)
        #expect(answers.first?["result"]?["state"] == "running")
        // sale.list passes the access check and finds no pipeline in this harness.
        #expect(answers.dropFirst().first?["error"]?["data"]?["reason"] == .string(RPCError.Reason.notReady.rawValue))
        #expect(answers.dropFirst(2).first?["result"] != nil)
        for answer in answers.dropFirst(3) {
            #expect(answer["error"]?["code"] == .integer(Int64(RPCError.Code.forbidden)), "\(answer)")
            #expect(answer["error"]?["data"]?["reason"] == .string(RPCError.Reason.notAllowed.rawValue))
        }
        // The same methods from a uid that is not read-only get past the access check.
        let cashier = try await OtherUserClient.call(
            socket: harness.socketPath, uid: 4343,
            [OtherUserClient.request(MethodName.saleStart, params: #"{"amount":100}"#)])
        #expect(cashier.first?["error"]?["data"]?["reason"] == .string(RPCError.Reason.notReady.rawValue))
        try await harness.stop()
    }

    @Test func allowedUIDsAreAppliedAgainOnReload() async throws {
        let harness = try await DaemonHarness(controlYAML: "  allowed_uids: [4242]\n")
        let status = [OtherUserClient.request(MethodName.daemonStatus)]
        func reason(_ answers: [JSONValue]) -> JSONValue? { answers.first?["error"]?["data"]?["reason"] }
        #expect(try await OtherUserClient.call(socket: harness.socketPath, uid: 4242, status).first?["result"] != nil)
        let refused = try await OtherUserClient.call(socket: harness.socketPath, uid: 4343, status)
        #expect(reason(refused) == .string(RPCError.Reason.notAllowed.rawValue))

        try harness.rewriteConfiguration(
            extraYAML: "", controlYAML: "  allowed_uids: [4343]\n", baseURL: "http://127.0.0.1:9")
        harness.daemon.send(.reload)
        var admitted = false
        for _ in 0..<200 where !admitted {  // a liveness bound: the reload is asynchronous
            admitted =
                try await OtherUserClient.call(socket: harness.socketPath, uid: 4343, status).first?["result"] != nil
            if !admitted { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(admitted, "uid 4343 is allowed after the reload")
        let dropped = try await OtherUserClient.call(socket: harness.socketPath, uid: 4242, status)
        #expect(reason(dropped) == .string(RPCError.Reason.notAllowed.rawValue))
        try await harness.stop()
    }
}
