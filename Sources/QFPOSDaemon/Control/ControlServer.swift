import ControlProtocol
import Glibc
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Serves the control protocol on a listening Unix socket (inherited from systemd or made by
/// ``ControlSocketListener``). Each connection is served by its own task: requests are answered
/// in order, events are pushed between answers. Nothing one client does can stall another:
/// lines are bounded (64 KiB), a client that does not read its answers stops being read
/// (backpressure), a subscriber that does not read its events is disconnected, and the number
/// of connections is capped.
public final class ControlServer: Sendable {
    /// Limits of the server.
    public struct Limits: Sendable {
        public var maximumConnections: Int
        public var maximumLineLength: Int
        /// Events queued for one subscriber before it is disconnected.
        public var eventQueueLimit: Int

        public init(maximumConnections: Int = 64, maximumLineLength: Int = 64 * 1024, eventQueueLimit: Int = 1024) {
            self.maximumConnections = maximumConnections
            self.maximumLineLength = maximumLineLength
            self.eventQueueLimit = eventQueueLimit
        }
    }

    private let descriptor: Int32
    private let router: RequestRouter
    private let events: EventHub
    private let limits: Limits
    private let allowedUIDs: Set<UInt32>?
    private let logger: Logger
    private let counters = Mutex((next: 1, open: 0))
    private let openChannels = Mutex<(channels: [Int: any Channel], stopping: Bool)>(([:], false))

    /// - Parameters:
    ///   - descriptor: a listening Unix stream socket; the server owns it from now on.
    ///   - allowedUIDs: when set, only these uids, root and the daemon's own uid may connect.
    public init(
        listeningOn descriptor: Int32, router: RequestRouter, events: EventHub, limits: Limits = Limits(),
        allowedUIDs: Set<UInt32>? = nil, logger: Logger
    ) {
        self.descriptor = descriptor
        self.router = router
        self.events = events
        self.limits = limits
        self.allowedUIDs = allowedUIDs
        self.logger = logger
    }

    /// Connections open now.
    public var connectionCount: Int { counters.withLock { $0.open } }

    /// Serves until the task is cancelled; then closes the listening socket and every connection.
    public func run() async throws {
        let maximumLineLength = limits.maximumLineLength
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 * 1024, high: 256 * 1024))
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(descriptor) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(LineFrameDecoder(maximumLineLength: maximumLineLength)))
                    let connection = try NIOAsyncChannel<LineFrame, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8)))
                    // A connection accepted while the server stops is never served; without this its
                    // writer would be released unfinished, which NIO treats as a fatal error.
                    channel.closeFuture.whenComplete { _ in
                        Task { try? await connection.executeThenClose { _, _ in } }
                    }
                    return connection
                }
            }
        // Every accepted connection must be served (an NIOAsyncChannel dropped unused is a fatal
        // error in NIO), so the accept loop is never cancelled: cancelling `run` closes the
        // listening channel and every connection instead, and the loop ends by itself.
        let serverChannel = server.channel
        let loop = Task {
            await withDiscardingTaskGroup { group in
                try? await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        }
        await withTaskCancellationHandler {
            await loop.value
        } onCancel: {
            serverChannel.close(promise: nil)
            let channels = self.openChannels.withLock { state in
                state.stopping = true
                return Array(state.channels.values)
            }
            for channel in channels { channel.close(promise: nil) }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<LineFrame, ByteBuffer>) async {
        let channel = connection.channel
        let (connectionID, open) = counters.withLock { counters in
            defer { counters.next += 1 }
            counters.open += 1
            return (counters.next, counters.open)
        }
        let stopping = openChannels.withLock { state in
            state.channels[connectionID] = channel
            return state.stopping
        }
        if stopping { channel.close(promise: nil) }
        defer {
            counters.withLock { $0.open -= 1 }
            openChannels.withLock { _ = $0.channels.removeValue(forKey: connectionID) }
        }
        let peer = await PeerCredentials.of(channel)
        var logger = self.logger
        logger[metadataKey: "conn.id"] = "\(connectionID)"
        if let peer {
            logger[metadataKey: "peer.uid"] = "\(peer.uid)"
            logger[metadataKey: "peer.gid"] = "\(peer.gid)"
            logger[metadataKey: "peer.pid"] = "\(peer.pid)"
        }
        if let refusal = refusal(peer: peer, open: open) {
            logger.warning("control connection refused", metadata: ["rpc.reason": "\(refusal.reason?.rawValue ?? "")"])
            try? await connection.executeThenClose { _, outbound in
                try await outbound.write(
                    channel.allocator.buffer(bytes: Response.error(refusal, id: .null).encodedLine()))
            }
            return
        }
        logger.info("control connection opened")
        let (subscriberID, eventStream) = events.add(onOverflow: { [logger] in
            logger.warning("control client does not read its events; disconnecting it")
            channel.close(promise: nil)
        })
        let hub = events
        let context = ConnectionContext(connectionID: connectionID, peer: peer, logger: logger) { names in
            hub.setNames(names, for: subscriberID)
        }
        do {
            try await connection.executeThenClose { inbound, outbound in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await event in eventStream {
                            try await outbound.write(channel.allocator.buffer(bytes: event.encodedLine()))
                        }
                    }
                    for try await frame in inbound {
                        if let answer = await router.respond(to: frame, context: context) {
                            try await outbound.write(channel.allocator.buffer(bytes: answer))
                        }
                    }
                    hub.remove(subscriberID)
                    try await group.waitForAll()
                }
            }
        } catch {
            logger.debug("control connection ended with an error", metadata: ["error": "\(error)"])
        }
        hub.remove(subscriberID)
        logger.info("control connection closed")
        MemoryTrimmer.shared.requestTrim()
    }

    private func refusal(peer: PeerCredentials?, open: Int) -> RPCError? {
        if open > limits.maximumConnections {
            return RPCError(
                code: RPCError.Code.unavailable, reason: .tooManyRequests,
                message: "too many control connections (\(limits.maximumConnections)); try again later")
        }
        if let allowedUIDs {
            guard let peer else {
                return RPCError(code: RPCError.Code.forbidden, reason: .notAllowed, message: "unknown peer")
            }
            if peer.uid != 0, peer.uid != getuid(), !allowedUIDs.contains(peer.uid) {
                return RPCError(
                    code: RPCError.Code.forbidden, reason: .notAllowed,
                    message: "uid \(peer.uid) is not allowed (control.allowed_uids)")
            }
        }
        return nil
    }
}
