import NIOCore
import NIOHTTP1

/// Serves one HTTP/1.1 connection on its event loop. The sandbox answers from the event loop's
/// own thread, never from Swift's cooperative pool, so tests that block the pool (or load the
/// machine) cannot stall the gateway they talk to.
final class SandboxHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// What the handler needs from the server; called on the event loop.
    struct Responder: Sendable {
        /// Faults for a request: a delay and at most one other fault.
        var faults: @Sendable (_ path: String) -> (delay: Duration?, fault: SandboxFault?)
        /// The answer to a request, with the signature to send (nil: none) or nil to drop the connection.
        var answer: @Sendable (_ request: GatewayRequest, _ fault: SandboxFault?) -> (GatewayResponse, String?)?
    }

    private static let maximumBody = 1 << 20
    private let responder: Responder
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false

    init(responder: Responder) { self.responder = responder }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = []
            tooLarge = false
            if requestHead.headers["Expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                context.writeAndFlush(
                    wrapOutboundOut(.head(HTTPResponseHead(version: requestHead.version, status: .continue))),
                    promise: nil)
            }
        case .body(let buffer):
            if body.count + buffer.readableBytes > Self.maximumBody {
                tooLarge = true
            } else {
                body += buffer.readableBytesView
            }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            if tooLarge {
                write(context, plain(413), version: requestHead.version, keepAlive: false, signature: nil)
                return
            }
            let (path, query) = Self.split(requestHead.uri)
            let request = GatewayRequest(
                method: requestHead.method.rawValue, path: path, query: query,
                headers: requestHead.headers.map { ($0.name, $0.value) }, body: body)
            body = []
            let (delay, fault) = responder.faults(path)
            let respond = { [responder] in
                guard let (response, signature) = responder.answer(request, fault ?? delay.map { .latency($0) }) else {
                    context.close(promise: nil)
                    return
                }
                self.write(
                    context, response, version: requestHead.version, keepAlive: requestHead.isKeepAlive,
                    signature: signature)
            }
            if let delay {
                context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(delay.nanoseconds)) { respond() }
            } else {
                respond()
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func write(
        _ context: ChannelHandlerContext,
        _ response: GatewayResponse,
        version: HTTPVersion,
        keepAlive: Bool,
        signature: String?
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Server", value: "nginx")
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        if let signature { headers.add(name: "X-QF-SIGN", value: signature) }
        headers.add(name: "X-Powered-By", value: "QF/1.1")
        for (name, value) in response.extraHeaders { headers.add(name: name, value: value) }
        let head = HTTPResponseHead(
            version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.whenComplete { _ in loopBound.value.close(promise: nil) }
        }
    }

    /// A plain HTML answer with `status`, as nginx gives in front of the gateway.
    static func plainAnswer(_ status: Int) -> GatewayResponse {
        let reason = HTTPResponseStatus(statusCode: status).reasonPhrase
        return GatewayResponse(
            status: status, contentType: "text/html",
            body: Array("<html><body>\(status) \(reason)</body></html>".utf8), respcd: nil)
    }

    private func plain(_ status: Int) -> GatewayResponse { Self.plainAnswer(status) }

    static func split(_ uri: String) -> (path: String, query: String) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, "") }
        return (String(uri[..<mark]), String(uri[uri.index(after: mark)...]))
    }
}

extension Duration {
    /// The duration in whole nanoseconds (for NIO's `TimeAmount`).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
