import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP answer: status, headers and the raw body bytes.
public struct SandboxHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    /// The first header with this name (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A small HTTP/1.1 client over SwiftNIO, one connection per request (`Connection: close`):
/// the sandbox sends notifications with it, and tests and tools talk to the sandbox with it.
/// Plain `http://` only.
public enum SandboxHTTPClient {
    /// Sends one request and reads the whole answer. Throws `SandboxError` with
    /// `.connectionClosed` when the connection ends before a complete answer, `.timedOut` after `timeout`.
    public static func send(
        method: String = "POST",
        url: URL,
        headers: [(String, String)] = [],
        body: [UInt8] = [],
        timeout: Duration = .seconds(10)
    ) async throws -> SandboxHTTPResponse {
        guard url.scheme == "http", let host = url.host else {
            throw SandboxError(.unsupportedURL, "only http://host:port URLs are supported: \(url)")
        }
        let port = url.port ?? 80
        var target = url.path.isEmpty ? "/" : url.path
        if let query = url.query { target += "?" + query }
        let nanoseconds = Int64(timeout.seconds * 1e9)
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.nanoseconds(nanoseconds))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                            wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw SandboxError(.connectionFailed, "cannot connect to \(host):\(port)", underlying: error)
        }
        let deadline = channel.channel.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
            channel.channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        let started = ContinuousClock.now
        do {
            return try await channel.executeThenClose { inbound, outbound in
                var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: target)
                head.headers.add(name: "Host", value: port == 80 ? host : "\(host):\(port)")
                for (name, value) in headers { head.headers.add(name: name, value: value) }
                head.headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
                head.headers.replaceOrAdd(name: "Connection", value: "close")
                // With Content-Length, `.end` puts nothing on the wire: the server may have answered
                // and closed before it is written. A failed write is reported only when no answer came.
                var writeError: (any Error)?
                do {
                    try await outbound.write(.head(head))
                    if !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                    try await outbound.write(.end(nil))
                } catch {
                    writeError = error
                }
                var response: SandboxHTTPResponse?
                for try await part in inbound {
                    switch part {
                    case .head(let head):
                        response = SandboxHTTPResponse(
                            status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) }, body: [])
                    case .body(let buffer):
                        response?.body += buffer.readableBytesView
                    case .end:
                        if let response { return response }
                    }
                }
                throw SandboxError(
                    .connectionClosed, "the connection closed before a whole answer", underlying: writeError)
            }
        } catch let error as SandboxError {
            if ContinuousClock.now - started >= timeout {
                throw SandboxError(.timedOut, "no answer within \(timeout)")
            }
            throw error
        } catch {
            if ContinuousClock.now - started >= timeout {
                throw SandboxError(.timedOut, "no answer within \(timeout)", underlying: error)
            }
            throw SandboxError(.connectionClosed, "the connection failed", underlying: error)
        }
    }
}
