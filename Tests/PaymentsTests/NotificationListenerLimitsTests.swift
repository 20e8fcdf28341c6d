import Foundation
import QFPay
import TestSupport
import Testing

@testable import Payments

/// The listener's limits: what one sender on its port may cost the daemon.
extension NotificationListenerTests {
    @Test func aBodyOverTheLimitIsRefusedWith413AndNothingIsRecorded() async throws {
        try await withListener { _, _, journal, listener in
            let connection = try RawTCPConnection(port: listener.port)
            connection.write(
                "POST /qfpay/notify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(64 * 1024 + 1)\r\n\r\n")
            let answer = await offPool { connection.readUntilClosed() }
            #expect(answer.text.hasPrefix("HTTP/1.1 413"))
            #expect(answer.closed, "the connection is closed after the 413")
            #expect(try journal.notificationCount() == 0)
        }
    }

    @Test func aBodyAtTheLimitIsReadWholeAndJudgedByItsSignature() async throws {
        try await withListener(limits: NotificationListener.Limits(maximumBodySize: 300)) { _, _, journal, listener in
            let body = Array(repeating: "x", count: 300).joined()
            let response = try await post(Array(body.utf8), to: listener, signature: "00")
            #expect(response.status == 400, "read whole and refused for its signature, not its size")
            let over = try await post(Array((body + "x").utf8), to: listener, signature: "00")
            #expect(over.status == 413)
            #expect(try journal.notificationCount() == 0)
        }
    }

    @Test func aConnectionOverTheCapIsClosedAndTheOthersAreServed() async throws {
        try await withListener(limits: NotificationListener.Limits(maximumConnections: 2)) { _, _, _, listener in
            let first = try RawTCPConnection(port: listener.port)
            let second = try RawTCPConnection(port: listener.port)
            let third = try RawTCPConnection(port: listener.port)
            let refused = await offPool { third.readUntilClosed() }
            #expect(refused.closed && refused.text.isEmpty, "the third connection is closed unanswered")
            first.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            let answered = await offPool { first.readUntilClosed() }
            #expect(answered.text.hasPrefix("HTTP/1.1 405"), "a connection within the cap is served")
            withExtendedLifetime(second) {}
        }
    }

    @Test func aSilentOrHalfSentRequestIsClosedAfterTheReadTimeout() async throws {
        let limits = NotificationListener.Limits(readTimeout: .milliseconds(200))
        try await withListener(limits: limits) { _, _, journal, listener in
            let silent = try RawTCPConnection(port: listener.port)
            let halfSent = try RawTCPConnection(port: listener.port)
            halfSent.write("POST /qfpay/notify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 40\r\n\r\n{\"syssn\"")
            #expect(await offPool { silent.readUntilClosed() }.closed)
            #expect(await offPool { halfSent.readUntilClosed() }.closed)
            #expect(try journal.notificationCount() == 0)
        }
    }
}
