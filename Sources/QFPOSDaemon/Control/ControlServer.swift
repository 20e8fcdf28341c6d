import ControlProtocol
import Glibc
import Logging
import NIOCore
import NIOPosix
import QFPay
import Synchronization

/// Serves the control protocol on a listening Unix socket (inherited from systemd or made by
/// ``ControlSocketListener``). Each connection is served by its own task: requests are answered
/// in order, events are pushed between answers. Nothing one client does can stall another:
/// lines are bounded (64 KiB) and so are batches, a client that does not read its answers stops
/// being read (backpressure), a subscriber that does not read its events is disconnected, a
/// connection that sends nothing for the idle timeout (and is neither subscribed nor waiting for
/// an answer) is closed, and the number of connections is capped, in all and per peer uid.
public final class ControlServer: Sendable {
    /// Limits of the server.
    public struct Limits: Sendable {
        public var maximumConnections: Int
        /// Connections one peer uid may hold: its share of `maximumConnections`.
        public var maximumConnectionsPerUID: Int
        public var maximumLineLength: Int
        /// Events queued for one subscriber before it is disconnected.
        public var eventQueueLimit: Int
        /// Requests in one batch line, at most; a longer batch is refused whole.
        public var maximumBatchSize: Int
        /// How long a connection may send nothing before it is closed, unless it is subscribed to
        /// events or waiting for an answer; nil: never.
        public var idleTimeout: Duration?

        public init(
            maximumConnections: Int = 64, maximumConnectionsPerUID: Int? = nil, maximumLineLength: Int = 64 * 1024,
            eventQueueLimit: Int = 1024, maximumBatchSize: Int = 32, idleTimeout: Duration? = .seconds(300)
        ) {
            self.maximumConnections = maximumConnections
            self.maximumConnectionsPerUID =
                maximumConnectionsPerUID ?? ConnectionQuota.defaultShare(of: maximumConnections)
            self.maximumLineLength = maximumLineLength
            self.eventQueueLimit = eventQueueLimit
            self.maximumBatchSize = maximumBatchSize
            self.idleTimeout = idleTimeout
        }

        /// The limits of the configuration's control section.
        public init(_ control: DaemonConfiguration.Control) {
            self.init(
                maximumConnections: control.maximumConnections,
                maximumConnectionsPerUID: control.maximumConnectionsPerUID,
                idleTimeout: control.idleTimeoutSeconds > 0
                    ? .milliseconds(Int64(control.idleTimeoutSeconds * 1000)) : nil)
        }
    }

    private let descriptor: Int32
    private let router: RequestRouter
    private let events: EventHub
    private let limits: Limits
    private let access: Mutex<ControlAccess>
    private let logger: Logger
    private let nextConnectionID = Mutex(1)
    private let quota: Mutex<ConnectionQuota>
    private let openChannels = Mutex<(channels: [Int: any Channel], stopping: Bool)>(([:], false))

    /// - Parameters:
    ///   - descriptor: a listening Unix stream socket; the server owns it from now on.
    ///   - access: who may connect, and who may only read; ``updateAccess(_:)`` changes it.
    public init(
        listeningOn descriptor: Int32, router: RequestRouter, events: EventHub, limits: Limits = Limits(),
        access: ControlAccess = ControlAccess(), logger: Logger
    ) {
        self.descriptor = descriptor
        self.router = router
        self.events = events
        self.limits = limits
        self.access = Mutex(access)
        self.logger = logger
        self.quota = Mutex(
            ConnectionQuota(maximum: limits.maximumConnections, maximumPerUID: limits.maximumConnectionsPerUID))
    }

    /// Applies new access rules (a reload): to new connections, and to the next request of those open.
    public func updateAccess(_ access: ControlAccess) {
        self.access.withLock { $0 = access }
    }

    /// Connections open now.
    public var connectionCount: Int { quota.withLock { $0.open } }

    /// Serves until the task is cancelled; then closes the listening socket and every connection.
    public func run() async throws {
        let maximumLineLength = limits.maximumLineLength
        let idleTimeout = limits.idleTimeout.map { TimeAmount.nanoseconds(Int64($0 / .nanoseconds(1))) }
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 * 1024, high: 256 * 1024))
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(descriptor) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let activity = ConnectionActivity()
                    if let idleTimeout {
                        try channel.pipeline.syncOperations.addHandlers(
                            IdleStateHandler(readTimeout: idleTimeout), IdleConnectionCloser(activity: activity))
                    }
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
                    return AcceptedConnection(connection: connection, activity: activity)
                }
            }
        // Every accepted connection must be served (an NIOAsyncChannel dropped unused is a fatal
        // error in NIO), so the accept loop is never cancelled: cancelling `run` closes the
        // listening channel and every connection instead, and the loop ends by itself.
        let serverChannel = server.channel
        let loop = Task {
            await withDiscardingTaskGroup { group in
                try? await server.executeThenClose { connections in
                    for try await accepted in connections {
                        // A connection's task runs on its channel's loop: a line read is answered
                        // (and an event written) without hops between the loop and Swift's pool.
                        let loop = EventLoopTaskExecutor(loop: accepted.connection.channel.eventLoop)
                        group.addTask(executorPreference: loop) {
                            await self.serve(accepted.connection, activity: accepted.activity)
                        }
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

    private func serve(_ connection: NIOAsyncChannel<LineFrame, ByteBuffer>, activity: ConnectionActivity) async {
        let channel = connection.channel
        let connectionID = nextConnectionID.withLock { next in
            defer { next += 1 }
            return next
        }
        let stopping = openChannels.withLock { state in
            state.channels[connectionID] = channel
            return state.stopping
        }
        if stopping { channel.close(promise: nil) }
        defer { openChannels.withLock { _ = $0.channels.removeValue(forKey: connectionID) } }
        let peer = await PeerCredentials.of(channel)
        var logger = self.logger
        logger[metadataKey: "conn.id"] = "\(connectionID)"
        if let peer {
            logger[metadataKey: "peer.uid"] = "\(peer.uid)"
            logger[metadataKey: "peer.gid"] = "\(peer.gid)"
            logger[metadataKey: "peer.pid"] = "\(peer.pid)"
        }
        var refusal: RPCError?
        switch access.withLock({ $0 }).access(for: peer) {
        case .failure(let reason): refusal = Self.refusal(reason)
        case .success:
            if let over = quota.withLock({ $0.admit(uid: peer?.uid) }) { refusal = Self.refusal(over) }
        }
        if let refusal {
            logger.warning("control connection refused", metadata: ["rpc.reason": "\(refusal.reason?.rawValue ?? "")"])
            try? await connection.executeThenClose { _, outbound in
                try await outbound.write(
                    channel.allocator.buffer(bytes: Response.error(refusal, id: .null).encodedLine()))
            }
            return
        }
        defer { quota.withLock { $0.release(uid: peer?.uid) } }
        logger.info("control connection opened")
        let (subscriberID, eventStream) = events.add(onOverflow: { [logger] in
            logger.warning("control client does not read its events; disconnecting it")
            channel.close(promise: nil)
        })
        let hub = events
        let baseContext = ConnectionContext(
            connectionID: connectionID, peer: peer, logger: logger, maximumBatchSize: limits.maximumBatchSize
        ) { names in
            hub.setNames(names, for: subscriberID)
            activity.setSubscribed(!names.isEmpty)
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
                        // Access is looked up per request: a reload that removes a uid ends its connections.
                        var context = baseContext
                        switch access.withLock({ $0 }).access(for: peer) {
                        case .success(let granted): context.access = granted
                        case .failure(let reason):
                            logger.notice("control connection no longer allowed; closing it")
                            let line = Response.error(Self.refusal(reason), id: .null).encodedLine()
                            try await outbound.write(channel.allocator.buffer(bytes: line))
                            hub.remove(subscriberID)
                            group.cancelAll()
                            return
                        }
                        activity.begin()
                        let answer = await router.respond(to: frame, context: context)
                        activity.end()
                        if let answer { try await outbound.write(channel.allocator.buffer(bytes: answer)) }
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

    private static func refusal(_ reason: ControlAccess.RefusalReason) -> RPCError {
        RPCError(code: RPCError.Code.forbidden, reason: .notAllowed, message: reason.description)
    }

    private static func refusal(_ over: ConnectionQuota.Refusal) -> RPCError {
        switch over {
        case .tooManyConnections(let limit):
            return RPCError(
                code: RPCError.Code.unavailable, reason: .tooManyRequests,
                message: "too many control connections (\(limit)); try again later")
        case .tooManyForUID(let uid, let limit):
            return RPCError(
                code: RPCError.Code.unavailable, reason: .tooManyRequests,
                message: "uid \(uid) holds its share of control connections (\(limit), "
                    + "control.max_connections_per_uid); close one or try again later")
        }
    }
}

/// What the accept loop hands each connection's task.
private struct AcceptedConnection: Sendable {
    let connection: NIOAsyncChannel<LineFrame, ByteBuffer>
    let activity: ConnectionActivity
}

/// Whether a connection may be closed as idle: not while it waits for an answer, nor while it is
/// subscribed to events (a till that listens for sales sends nothing for hours).
final class ConnectionActivity: Sendable {
    private let state = Mutex((answering: 0, subscribed: false))

    func begin() { state.withLock { $0.answering += 1 } }
    func end() { state.withLock { $0.answering -= 1 } }
    func setSubscribed(_ subscribed: Bool) { state.withLock { $0.subscribed = subscribed } }
    var isIdle: Bool { state.withLock { $0.answering == 0 && !$0.subscribed } }
}

/// Closes the connection when `IdleStateHandler` reports no reads for the idle timeout and the
/// connection is idle; the handler fires again after each timeout, so a connection closes once its
/// answer is written or its subscription ends. (A client that sends but never reads its answers is
/// not read either, by backpressure, and so counts as idle too.)
final class IdleConnectionCloser: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let activity: ConnectionActivity

    init(activity: ConnectionActivity) { self.activity = activity }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            if activity.isIdle { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
