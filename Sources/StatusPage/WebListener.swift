import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server on SwiftNIO (NIOHTTP1) for the metrics and the status page: one
/// request at a time a connection, bodies up to 64 KiB, every answer built by `respond`.
public final class WebListener: Sendable {
    private let channel: any Channel
    /// The port bound (useful with port 0).
    public let port: Int

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    /// Binds `host`:`port` and starts answering with `respond`.
    /// - Throws: ``WebError`` `bindFailed`.
    public static func start(
        host: String, port: Int, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        respond: @escaping @Sendable (WebRequest) async -> WebResponse
    ) async throws(WebError) -> WebListener {
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 16)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(WebHandler(respond: respond, logger: logger))
                    }
                }
                .bind(host: host, port: port).get()
            return WebListener(channel: channel, port: channel.localAddress?.port ?? port)
        } catch {
            throw WebError(.bindFailed, "cannot listen on \(host):\(port)", underlying: error)
        }
    }

    /// Stops listening (connections in progress finish).
    public func stop() async {
        try? await channel.close().get()
    }
}

/// Collects one request and writes the answer `respond` gives.
final class WebHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let respond: @Sendable (WebRequest) async -> WebResponse
    private let logger: Logger
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false
    private static let limit = 64 * 1024

    init(respond: @escaping @Sendable (WebRequest) async -> WebResponse, logger: Logger) {
        self.respond = respond
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = []
            tooLarge = false
        case .body(let buffer):
            if body.count + buffer.readableBytes <= Self.limit {
                body += buffer.readableBytesView
            } else {
                tooLarge = true
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let keepAlive = head.isKeepAlive
            if tooLarge {
                Self.write(.text(413, "request too large\n"), context: context, keepAlive: false)
                return
            }
            let target = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            let request = WebRequest(
                method: head.method.rawValue, path: String(target.first ?? "/"),
                query: target.count > 1 ? String(target[1]) : "", headers: headers, body: body,
                fromLoopback: Self.isLoopback(context.channel.remoteAddress))
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let respond = self.respond
            let promise = context.eventLoop.makePromise(of: WebResponse.self)
            promise.completeWithTask { await respond(request) }
            promise.futureResult.whenSuccess { response in
                Self.write(response, context: bound.value, keepAlive: keepAlive)
            }
        }
    }

    /// 127.0.0.0/8, ::1 and IPv4-mapped loopback.
    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }

    private static func write(_ response: WebResponse, context: ChannelHandlerContext, keepAlive: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: "\(response.body.count)")
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: response.body.count)
        buffer.writeBytes(response.body)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
        let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
