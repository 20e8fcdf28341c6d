import ControlProtocol
import Logging

/// What a method handler knows about the connection it serves.
public struct ConnectionContext: Sendable {
    /// A number for logs.
    public let connectionID: Int
    /// The peer's credentials from the kernel.
    public let peer: PeerCredentials?
    /// Subscribes this connection to events (`events.subscribe`); `nil` names mean all.
    public let subscribe: @Sendable (Set<String>) -> Void
    public let logger: Logger
    /// What the peer may call, as the access rules say now.
    public var access: MethodAccess
    /// Requests in one batch, at most.
    public let maximumBatchSize: Int

    public init(
        connectionID: Int, peer: PeerCredentials?, logger: Logger, access: MethodAccess = .cashier,
        maximumBatchSize: Int = 32, subscribe: @escaping @Sendable (Set<String>) -> Void
    ) {
        self.connectionID = connectionID
        self.peer = peer
        self.logger = logger
        self.access = access
        self.maximumBatchSize = maximumBatchSize
        self.subscribe = subscribe
    }
}

/// Maps method names to handlers and turns each inbound line into the line to answer with.
/// Handlers throw ``RPCError`` for errors the client should see; any other error becomes a
/// generic -32603 (logged, never shown, since it could hold internals). Each method belongs to a
/// group: a read-only peer (`control.read_only_uids`) calls only the `.readOnly` ones.
public struct RequestRouter: Sendable {
    /// A method's implementation: params in, result out.
    public typealias Handler = @Sendable (_ params: JSONValue?, _ context: ConnectionContext) async throws -> JSONValue

    private struct Method: Sendable {
        var access: MethodAccess
        var handler: Handler
    }

    private var handlers: [String: Method] = [:]

    public init() {}

    /// Adds or replaces the handler of `method`; `access` is the group it belongs to (a cashier's
    /// unless it only reads).
    public mutating func register(_ method: String, access: MethodAccess = .cashier, _ handler: @escaping Handler) {
        handlers[method] = Method(access: access, handler: handler)
    }

    /// The methods a read-only peer may call, sorted.
    public var readOnlyMethods: [String] { handlers.filter { $0.value.access == .readOnly }.keys.sorted() }

    /// The registered method names, sorted.
    public var methods: [String] { handlers.keys.sorted() }

    /// Answers one frame; `nil` when there is nothing to answer (notifications only).
    public func respond(to frame: LineFrame, context: ConnectionContext) async -> [UInt8]? {
        switch frame {
        case .overlong(let count):
            context.logger.notice(
                "control line over the limit dropped", metadata: ["line.bytes": "\(count)"])
            let error = RPCError.invalidRequest(
                "the line is longer than \(LineFrameDecoder.defaultMaximumLineLength) bytes", reason: .lineTooLong)
            return Response.error(error, id: .null).encodedLine()
        case .line(let buffer):
            if buffer.readableBytes == 0 { return nil }  // Blank lines are keep-alives.
            return await respond(to: InboundLine.parse(buffer.readableBytesView), context: context)
        }
    }

    /// Answers a parsed line.
    public func respond(to line: InboundLine, context: ConnectionContext) async -> [UInt8]? {
        switch line {
        case .rejected(let response):
            context.logger.info(
                "bad control request", metadata: ["rpc.reason": "\(response.errorReason ?? "")"])
            return response.encodedLine()
        case .request(let request):
            return await handle(request, context: context)?.encodedLine()
        case .batch(let elements) where elements.count > context.maximumBatchSize:
            context.logger.notice(
                "control batch over the limit refused", metadata: ["batch.count": "\(elements.count)"])
            let error = RPCError.invalidRequest(
                "a batch of \(elements.count) requests; at most \(context.maximumBatchSize) are taken in one line",
                reason: .batchTooLarge)
            return Response.error(error, id: .null).encodedLine()
        case .batch(let elements):
            var answers: [JSONValue] = []
            for element in elements {
                switch element {
                case .rejected(let response): answers.append(response.jsonValue)
                case .request(let request):
                    if let response = await handle(request, context: context) { answers.append(response.jsonValue) }
                }
            }
            guard !answers.isEmpty else { return nil }
            return JSONValue.array(answers).encodedLine()
        }
    }

    /// Runs one request's handler.
    public func handle(_ request: Request, context: ConnectionContext) async -> Response? {
        let outcome: Result<JSONValue, RPCError>
        if let method = handlers[request.method], method.access == .cashier, context.access == .readOnly {
            outcome = .failure(
                RPCError(
                    code: RPCError.Code.forbidden, reason: .notAllowed,
                    message: "\(request.method) is a cashier's method; uid \(context.peer?.uid ?? 0) may only read "
                        + "(control.read_only_uids)"))
        } else if let handler = handlers[request.method]?.handler {
            do {
                outcome = .success(try await handler(request.params, context))
            } catch let error as RPCError {
                outcome = .failure(error)
            } catch {
                context.logger.error(
                    "method failed", metadata: ["rpc.method": "\(request.method)", "error": "\(error)"])
                outcome = .failure(.internalError())
            }
        } else {
            outcome = .failure(.methodNotFound(request.method))
        }
        guard let id = request.id else { return nil }
        return Response(id: id, outcome: outcome)
    }
}

extension Response {
    var errorReason: String? {
        if case .failure(let error) = outcome { return error.reason?.rawValue }
        return nil
    }
}
