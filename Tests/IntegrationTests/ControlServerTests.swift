import ControlProtocol
import Foundation
import Glibc
import QFPOSDaemon
import TestSupport
import Testing

@Suite struct ControlServerTests {
    @Test func daemonStatusAnswersOverTheSocket() async throws {
        let harness = try await DaemonHarness()
        let client = try await harness.connect()
        let status = try await client.call(MethodName.daemonStatus)
        #expect(status["state"] == "running")
        #expect(status["pid"] == .integer(Int64(getpid())))
        #expect(status["socket"] == .string(harness.socketPath))
        await client.close()
        try await harness.stop()
    }

    @Test func theSocketIsGroupReadableOnlyAndItsDirectoryIs0750() async throws {
        let harness = try await DaemonHarness()
        var status = stat()
        #expect(stat(harness.socketPath, &status) == 0)
        #expect(status.st_mode & S_IFMT == S_IFSOCK)
        #expect(status.st_mode & 0o777 == 0o660)
        #expect(stat(harness.directory.file("run"), &status) == 0)
        #expect(status.st_mode & 0o777 == 0o750)
        try await harness.stop()
        #expect(access(harness.socketPath, F_OK) != 0, "the socket is removed on stop")
    }

    @Test func badInputGetsOneErrorEachAndTheConnectionGoesOn() async throws {
        let harness = try await DaemonHarness()
        let client = try await harness.connect()
        var garbage: [UInt8] = Array("{not json\n".utf8)
        garbage += [UInt8](repeating: UInt8(ascii: "a"), count: 70_000) + [10]
        garbage += [0x7B, 0xFF, 0xFE, 0x7D, 10]
        garbage += Array(#"{"jsonrpc":"2.0","id":"w","method":"sale.start","params":{"amount":"1200"}}"#.utf8) + [10]
        garbage += Array(#"{"jsonrpc":"2.0","id":"u","method":"sale.explode"}"#.utf8) + [10]
        garbage += Array(#"{"jsonrpc":"2.0","id":"p","method":"daemon.status","params":[1,2]}"#.utf8) + [10]
        garbage += Array("[]\n".utf8)
        try await client.writeRaw(garbage)
        var answers = client.unmatchedResponses.makeAsyncIterator()
        var reasons: [String] = []
        var codes: [Int] = []
        for _ in 0..<7 {
            guard let response = await answers.next(), case .failure(let error) = response.outcome else { break }
            reasons.append(error.reason?.rawValue ?? "?")
            codes.append(error.code)
        }
        #expect(
            reasons == [
                "invalid_json", "line_too_long", "invalid_utf8", "wrong_type", "unknown_method", "wrong_type",
                "empty_batch",
            ])
        #expect(codes == [-32700, -32600, -32700, -32602, -32601, -32602, -32600])
        let status = try await client.call(MethodName.daemonStatus)
        #expect(status["state"] == "running")
        await client.close()
        try await harness.stop()
    }

    @Test func aBatchIsAnsweredWithAnArrayWithoutTheNotifications() async throws {
        let harness = try await DaemonHarness()
        // A batch answer is one line holding an array.
        let raw = try RawSocket(path: harness.socketPath)
        let received: [UInt8] = await offPool {
            raw.write(
                Array(
                    #"[{"jsonrpc":"2.0","id":"a","method":"daemon.status"},{"jsonrpc":"2.0","method":"daemon.status"},{"jsonrpc":"2.0","id":"b","method":"nope"}]"#
                        .utf8) + [10])
            shutdown(raw.descriptor, Int32(SHUT_WR))
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(raw.descriptor, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                received += buffer[0..<n]
            }
            return received
        }
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(received))
        let answers = value.arrayValue ?? []
        #expect(answers.count == 2)
        #expect(answers.first?["id"] == "a")
        #expect(answers.last?["error"]?["code"] == -32601)
        try await harness.stop()
    }

    @Test func aClientThatNeverReadsDoesNotSlowAnotherClient() async throws {
        let harness = try await DaemonHarness()
        let flooder = try RawSocket(path: harness.socketPath)
        let request = Array(#"{"jsonrpc":"2.0","id":1,"method":"daemon.status"}"#.utf8) + [10]
        let burst = Array([[UInt8]](repeating: request, count: 256).joined())
        // Write until the kernel refuses more: the daemon stopped reading this client because
        // the client does not read its answers.
        var stalled = false
        for _ in 0..<10_000 {
            if flooder.writeNonBlocking(burst) < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                stalled = true
                break
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(stalled, "the daemon applies backpressure to a client that does not read")
        let client = try await harness.connect()
        for _ in 0..<20 {
            let status = try await client.call(MethodName.daemonStatus)
            #expect(status["state"] == "running")
        }
        await client.close()
        try await harness.stop()
        withExtendedLifetime(flooder) {}
    }

    @Test func eventsReachSubscribersInOrderAndOnlyTheNamesTheyAskedFor() async throws {
        let harness = try await DaemonHarness()
        let sales = try await harness.connect()
        let scans = try await harness.connect()
        let subscribed = try await sales.call(MethodName.eventsSubscribe, ["events": ["sale.updated"]])
        #expect(subscribed["subscribed"] == ["sale.updated"])
        _ = try await scans.call(MethodName.eventsSubscribe, ["events": ["scan"]])
        for index in 0..<100 {
            harness.daemon.publish(
                EventNotification(method: EventName.saleUpdated, params: ["n": .integer(Int64(index))]))
        }
        harness.daemon.publish(EventNotification(method: EventName.scan, params: ["code": "1346••••••••4254"]))
        var received: [Int64] = []
        for await event in sales.events {
            #expect(event.method == EventName.saleUpdated)
            received.append(event.params["n"]?.integerValue ?? -1)
            if received.count == 100 { break }
        }
        #expect(received == Array(0..<100))
        var scanIterator = scans.events.makeAsyncIterator()
        let scan = await scanIterator.next()
        #expect(scan?.method == EventName.scan)
        await sales.close()
        await scans.close()
        try await harness.stop()
    }

    @Test func subscribingToAnUnknownEventIsInvalidParams() async throws {
        let harness = try await DaemonHarness()
        let client = try await harness.connect()
        await #expect {
            _ = try await client.call(MethodName.eventsSubscribe, ["events": ["sale.exploded"]])
        } throws: { error in
            (error as? RPCError)?.code == -32602
        }
        await client.close()
        try await harness.stop()
    }

    @Test func aSubscriberThatNeverReadsIsDisconnectedWhileAReadingOneGetsEverything() async throws {
        let harness = try await DaemonHarness()
        let stuck = try RawSocket(path: harness.socketPath)
        _ = await offPool { stuck.write(Array(#"{"jsonrpc":"2.0","id":1,"method":"events.subscribe"}"#.utf8) + [10]) }
        let reader = try await harness.connect()
        _ = try await reader.call(MethodName.eventsSubscribe)
        // Wait until both subscriptions are in place.
        for _ in 0..<1000 {
            if try await reader.call(MethodName.daemonStatus)["subscribers"] == 2 { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        let padding = String(repeating: "x", count: 1000)
        let total = 5000
        var iterator = reader.events.makeAsyncIterator()
        var count = 0
        // Publish in steps the reading client keeps up with; the stuck one falls behind.
        for step in stride(from: 0, to: total, by: 100) {
            for index in step..<(step + 100) {
                harness.daemon.publish(
                    EventNotification(
                        method: EventName.saleUpdated, params: ["n": .integer(Int64(index)), "pad": .string(padding)]))
            }
            while count < step + 100, let event = await iterator.next() {
                #expect(event.params["n"] == .integer(Int64(count)))
                count += 1
            }
        }
        #expect(count == total)
        #expect(await offPool { stuck.readUntilClosed() }, "the stuck subscriber's connection is closed by the daemon")
        await reader.close()
        try await harness.stop()
    }

    @Test func connectionsOverTheLimitAreRefusedWithAReason() async throws {
        let harness = try await DaemonHarness(controlYAML: "  max_connections: 2\n  max_connections_per_uid: 2\n")
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
        if case .failure(let error)? = refusal?.outcome {
            #expect(error.reason == .tooManyRequests)
        } else {
            Issue.record("no refusal: \(String(describing: refusal))")
        }
        await first.close()
        await second.close()
        await third.close()
        try await harness.stop()
    }

    @Test func saleMethodsWithoutAPaymentPipelineAnswerNotReady() async throws {
        let harness = try await DaemonHarness()
        let client = try await harness.connect()
        await #expect {
            _ = try await client.call(MethodName.saleGet, ["sale_id": "S1"])
        } throws: { error in
            (error as? RPCError)?.reason == .notReady
        }
        await #expect {
            _ = try await client.call(MethodName.saleStart, ["amount": 0])
        } throws: { error in
            (error as? RPCError)?.reason == .outOfRange
        }
        await #expect {
            _ = try await client.call(MethodName.saleStart, ["amount": 100, "ammount": 100])
        } throws: { error in
            (error as? RPCError)?.reason == .unknownParam
        }
        await client.close()
        try await harness.stop()
    }

    @Test func aSecondDaemonRefusesASocketThatIsAnswering() async throws {
        let harness = try await DaemonHarness()
        #expect(throws: DaemonError.self) {
            _ = try ControlSocketListener.listen(path: harness.socketPath, group: nil)
        }
        try await harness.stop()
    }

    @Test func aStaleSocketLeftByAKilledDaemonIsReplaced() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("stale.sock")
        let first = try ControlSocketListener.listen(path: path, group: nil)
        close(first)  // the socket file stays, nobody listens: what kill -9 leaves
        let second = try ControlSocketListener.listen(path: path, group: nil)
        #expect(second >= 0)
        close(second)
        directory.remove()
    }
}
