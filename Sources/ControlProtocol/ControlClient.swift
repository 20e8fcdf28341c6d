import NIOCore
import NIOPosix
import Synchronization

/// A client of the daemon's control socket, used by `qfposctl`, the tests and the demo: it sends
/// requests, matches responses to them by id, and delivers events on ``events``.
///
/// Calls may be made from several tasks at once; each waits for its own response.
public final class ControlClient: Sendable {
    private let channel: any Channel
    private let dispatcher: ResponseDispatcher

    /// Events pushed by the daemon after `events.subscribe`, in the order they were sent.
    public var events: AsyncStream<EventNotification> { dispatcher.events }

    private init(channel: any Channel, dispatcher: ResponseDispatcher) {
        self.channel = channel
        self.dispatcher = dispatcher
    }

    /// Connects to the daemon's socket at `socketPath`.
    /// - Parameter maximumLineLength: the longest line accepted from the daemon (results such as
    ///   `sale.list` can be larger than the 64 KiB the daemon accepts from clients).
    public static func connect(
        socketPath: String, maximumLineLength: Int = 16 * 1024 * 1024,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(ControlProtocolError) -> ControlClient {
        let dispatcher = ResponseDispatcher()
        do {
            let channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(LineFrameDecoder(maximumLineLength: maximumLineLength)))
                        try channel.pipeline.syncOperations.addHandler(ClientInboundHandler(dispatcher: dispatcher))
                    }
                }
                .connect(unixDomainSocketPath: socketPath)
                .get()
            return ControlClient(channel: channel, dispatcher: dispatcher)
        } catch {
            throw ControlProtocolError(.connectFailed, "cannot connect to \(socketPath)", underlying: error)
        }
    }

    /// Calls `method` and returns its result.
    /// - Throws: ``RPCError`` when the daemon answers with an error, ``ControlProtocolError`` when
    ///   the connection fails.
    public func call(_ method: String, _ params: JSONValue? = nil) async throws -> JSONValue {
        let response = try await request(method, params)
        return try response.outcome.get()
    }

    /// Calls `method` and decodes its result as `T`.
    public func call<T: Decodable>(_ method: String, _ params: JSONValue? = nil, as type: T.Type) async throws -> T {
        try await call(method, params).decode(T.self)
    }

    /// Sends a request and returns the whole response, error or not.
    public func request(_ method: String, _ params: JSONValue? = nil) async throws(ControlProtocolError) -> Response {
        let id = dispatcher.nextID()
        let line = Request(id: .number(id), method: method, params: params).encodedLine()
        return try await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<Response, ControlProtocolError>, Never>) in
            guard dispatcher.register(id: id, continuation: continuation) else {
                continuation.resume(returning: .failure(ControlProtocolError(.connectionClosed, "connection closed")))
                return
            }
            channel.writeAndFlush(channel.allocator.buffer(bytes: line)).whenFailure { error in
                self.dispatcher.fail(
                    id: id, ControlProtocolError(.connectionClosed, "cannot write to the daemon", underlying: error))
            }
        }.get()
    }

    /// Writes `bytes` to the socket as they are, without framing: for tests and diagnostics that
    /// need to send what a broken client would.
    public func writeRaw(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).get()
    }

    /// Responses that answer no call made with ``request(_:_:)``, such as answers to lines
    /// written with ``writeRaw(_:)``, in arrival order. Iterate it from one task.
    public var unmatchedResponses: AsyncStream<Response> { dispatcher.unmatched }

    /// Closes the connection; pending calls fail with `connection_closed`.
    public func close() async {
        try? await channel.close().get()
    }
}

/// Matches responses to waiting calls and queues everything else; shared by the client and its
/// channel handler. All state is behind one mutex.
final class ResponseDispatcher: Sendable {
    private struct State {
        var nextID: Int64 = 1
        var pending: [Int64: CheckedContinuation<Result<Response, ControlProtocolError>, Never>] = [:]
        var closed = false
    }

    private let state = Mutex(State())
    let events: AsyncStream<EventNotification>
    private let eventContinuation: AsyncStream<EventNotification>.Continuation
    let unmatched: AsyncStream<Response>
    private let unmatchedContinuation: AsyncStream<Response>.Continuation

    init() {
        (events, eventContinuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
        (unmatched, unmatchedContinuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    func nextID() -> Int64 {
        state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
    }

    func register(id: Int64, continuation: CheckedContinuation<Result<Response, ControlProtocolError>, Never>) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.pending[id] = continuation
            return true
        }
    }

    func fail(id: Int64, _ error: ControlProtocolError) {
        let continuation = state.withLock { $0.pending.removeValue(forKey: id) }
        continuation?.resume(returning: .failure(error))
    }

    func receive(_ message: IncomingMessage) {
        switch message {
        case .notification(let notification):
            eventContinuation.yield(notification)
        case .response(let response):
            var continuation: CheckedContinuation<Result<Response, ControlProtocolError>, Never>?
            if case .number(let id) = response.id {
                continuation = state.withLock { $0.pending.removeValue(forKey: id) }
            }
            if let continuation {
                continuation.resume(returning: .success(response))
            } else {
                unmatchedContinuation.yield(response)
            }
        }
    }

    func closeAll() {
        let waiting = state.withLock { state in
            state.closed = true
            defer { state.pending = [:] }
            return Array(state.pending.values)
        }
        for continuation in waiting {
            continuation.resume(
                returning: .failure(ControlProtocolError(.connectionClosed, "the daemon closed the connection")))
        }
        eventContinuation.finish()
        unmatchedContinuation.finish()
    }
}

/// Hands each line from the daemon to the dispatcher; closes everything when the connection ends.
final class ClientInboundHandler: ChannelInboundHandler {
    typealias InboundIn = LineFrame

    private let dispatcher: ResponseDispatcher

    init(dispatcher: ResponseDispatcher) {
        self.dispatcher = dispatcher
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .line(let buffer) = unwrapInboundIn(data),
            let message = try? IncomingMessage.parse(buffer.readableBytesView)
        else {
            return  // An unreadable line from the daemon is dropped; the call it answered times out.
        }
        dispatcher.receive(message)
    }

    func channelInactive(context: ChannelHandlerContext) {
        dispatcher.closeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
