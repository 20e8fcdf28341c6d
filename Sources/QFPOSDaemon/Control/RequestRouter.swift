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

    public init(
        connectionID: Int, peer: PeerCredentials?, logger: Logger, subscribe: @escaping @Sendable (Set<String>) -> Void
    ) {
        self.connectionID = connectionID
        self.peer = peer
        self.logger = logger
        self.subscribe = subscribe
    }
}

/// Maps method names to handlers and turns each inbound line into the line to answer with.
/// Handlers throw ``RPCError`` for errors the client should see; any other error becomes a
/// generic -32603 (logged, never shown, since it could hold internals).
public struct RequestRouter: Sendable {
    /// A method's implementation: params in, result out.
    public typealias Handler = @Sendable (_ params: JSONValue?, _ context: ConnectionContext) async throws -> JSONValue

    private var handlers: [String: Handler] = [:]

    public init() {}

    /// Adds or replaces the handler of `method`.
    public mutating func register(_ method: String, _ handler: @escaping Handler) {
        handlers[method] = handler
    }

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
        if let handler = handlers[request.method] {
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
