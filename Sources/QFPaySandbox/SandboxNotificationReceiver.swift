import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A notification endpoint on 127.0.0.1 for tests and demos: it records every POST it receives
/// and answers with whatever `answer` returns for the attempt number (0 first), for example
/// `"FAIL"` twice and then `"SUCCESS"`.
public final class SandboxNotificationReceiver: Sendable {
    /// A notification as it arrived.
    public struct Received: Sendable {
        public var path: String
        public var headers: [(String, String)]
        public var body: [UInt8]

        /// The `X-QF-SIGN` header.
        public var signature: String? {
            headers.first { $0.0.caseInsensitiveCompare("X-QF-SIGN") == .orderedSame }?.1
        }

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    private let answer: @Sendable (Int) -> String
    private let state = Mutex<(received: [Received], channel: (any Channel)?, port: Int)>(([], nil, 0))
    private let serving = Mutex<Task<Void, Never>?>(nil)

    private init(answer: @escaping @Sendable (Int) -> String) { self.answer = answer }

    /// Starts a receiver on a free port.
    public static func start(
        answer: @escaping @Sendable (Int) -> String = { _ in "SUCCESS" }
    ) async throws -> SandboxNotificationReceiver {
        let receiver = SandboxNotificationReceiver(answer: answer)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        receiver.state.withLock {
            $0.channel = server.channel
            $0.port = server.channel.localAddress?.port ?? 0
        }
        let task = Task {
            await withDiscardingTaskGroup { group in
                try? await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await receiver.serve(connection) }
                    }
                }
            }
            return ()
        }
        receiver.serving.withLock { $0 = task }
        return receiver
    }

    /// `http://127.0.0.1:PORT/notify`.
    public var url: URL { URL(string: "http://127.0.0.1:\(state.withLock { $0.port })/notify")! }

    /// What arrived so far, oldest first.
    public func received() -> [Received] { state.withLock { $0.received } }

    /// Stops listening.
    public func stop() async {
        let channel = state.withLock { $0.channel }
        try? await channel?.close()
        await serving.withLock { $0 }?.value
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let requestHead):
                    head = requestHead
                    body = []
                case .body(let buffer):
                    body += buffer.readableBytesView
                case .end:
                    guard let requestHead = head else { return }
                    let attempt = state.withLock { state in
                        state.received.append(
                            Received(
                                path: requestHead.uri, headers: requestHead.headers.map { ($0.name, $0.value) },
                                body: body))
                        return state.received.count - 1
                    }
                    let text = Array(answer(attempt).utf8)
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Length", value: String(text.count))
                    headers.add(name: "Connection", value: "close")
                    try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)))
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: text))))
                    try await outbound.write(.end(nil))
                    return
                }
            }
        }
    }
}
