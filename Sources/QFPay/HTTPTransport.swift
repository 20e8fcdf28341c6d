import Foundation
import LatencyTrace
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// One HTTP exchange's answer.
struct HTTPAnswer: Sendable {
    let status: Int
    /// Header names in lower case.
    let headers: [String: String]
    let body: [UInt8]
}

/// Sends signed requests over SwiftNIO: HTTP/1.1 on NIO's shared event loops, TLS by swift-nio-ssl
/// for `https` (the system's trust roots, the host name verified). Sorts failures into "nothing
/// was sent" and "the outcome is unknown".
///
/// Connections are kept alive (`IdleConnections`): a request goes out on an idle connection to the
/// same gateway when there is one, saving the TCP (and TLS) handshake, or on a new one. A request
/// is still written once only: once any byte of it may have left, a connection that drops before
/// the whole answer came makes the outcome unknown, on a reused connection as on a new one, and
/// nothing here sends it again (the pipeline resolves it by query). Redirects are not followed:
/// the 3xx answer itself comes back. The connection is bounded by the connect timeout, the
/// exchange after it by the request timeout.
///
/// Why not `URLSession`: FoundationNetworking and libcurl (with its TLS, Kerberos, LDAP and SSH
/// libraries) made up a third of the daemon's resident memory.
final class HTTPTransport: Sendable {
    /// Answers larger than this are refused (a day's trade bill is far smaller).
    static let maximumBodySize = 64 << 20
    /// Exchanges at once; the others wait for a free one (as `URLSession` does per host).
    static let maximumConnections = 6

    private let connectTimeout: Duration
    private let requestTimeout: Duration
    /// Made at the first `https` request and kept: loading the trust roots is costly.
    private let tlsContext = Mutex<NIOSSLContext?>(nil)
    private let trustRoots: NIOSSLTrustRoots
    private let connections = ConnectionLimit(HTTPTransport.maximumConnections)
    private let idle = IdleConnections(limit: HTTPTransport.maximumConnections)
    private let targets = Mutex<[URL: Target]>([:])

    /// - Parameter trustRoots: the certificates a server's chain must end in (tests name their own).
    init(connectTimeout: Duration, requestTimeout: Duration, trustRoots: NIOSSLTrustRoots = .default) {
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.trustRoots = trustRoots
    }

    /// The event loop exchanges run on when nothing else decides: the caller's own when it runs on
    /// one (no hop), else the next of NIO's shared group.
    static var loop: any EventLoop {
        MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton.next()
    }

    enum Failure: Error {
        case notSent(QFPayError)
        case unknown(UnknownOutcome)
    }

    func send(_ request: SignedRequest) async -> Result<HTTPAnswer, Failure> {
        guard let target = target(request.url) else {
            return .failure(
                .notSent(
                    QFPayError(
                        .invalidConfiguration, "cannot send to \(request.url): an http or https URL is needed",
                        field: "base_url")))
        }
        let context: NIOSSLContext?
        do { context = target.secure ? try makeTLSContext() : nil } catch {
            return .failure(.notSent(QFPayError(.connectionFailed, "cannot set up TLS: \(error)", underlying: error)))
        }
        guard await connections.acquire() else {
            return .failure(.notSent(QFPayError(.cancelled, "cancelled while waiting for a connection")))
        }
        defer { connections.release() }
        let reused = idle.take(target.key)
        let loop = reused?.channel.eventLoop ?? Self.loop
        let exchange = Exchange(
            loop: loop, host: target.host, idle: idle, key: target.key, traceKey: request.parameters["out_trade_no"])
        let parts = Self.requestParts(request, target: target)
        let connectTimeout = TimeAmount.nanoseconds(Self.nanoseconds(connectTimeout))
        let requestTimeout = TimeAmount.nanoseconds(Self.nanoseconds(requestTimeout))
        return await withTaskCancellationHandler {
            // On the exchange's loop already (the client's task executor): started here, not a
            // turn of the loop later.
            let start: @Sendable () -> Void = {
                exchange.start(
                    target: target, tls: context, reusing: reused, parts: parts, connectTimeout: connectTimeout,
                    requestTimeout: requestTimeout)
            }
            if loop.inEventLoop { start() } else { loop.execute(start) }
            do { return try await exchange.result.get() } catch {
                return .failure(.unknown(UnknownOutcome(.transportError, "\(error)")))
            }
        } onCancel: {
            loop.execute { exchange.cancel() }
        }
    }

    /// The parsed target of `url`, kept for URLs without a query (the API's few endpoints).
    private func target(_ url: URL) -> Target? {
        if let known = targets.withLock({ $0[url] }) { return known }
        guard let target = Target(url) else { return nil }
        if url.query == nil { targets.withLock { $0[url] = target } }
        return target
    }

    private func makeTLSContext() throws -> NIOSSLContext {
        try tlsContext.withLock { cached in
            if let cached { return cached }
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            configuration.trustRoots = trustRoots
            let context = try NIOSSLContext(configuration: configuration)
            cached = context
            return context
        }
    }

    private static func requestParts(_ request: SignedRequest, target: Target) -> [HTTPClientRequestPart] {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: target.hostHeader)
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) { headers.add(name: name, value: value) }
        headers.add(name: "Accept", value: "*/*")
        if request.method != "GET" || !request.body.isEmpty {
            headers.add(name: "Content-Length", value: "\(request.body.count)")
        }
        let head = HTTPRequestHead(
            version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: target.pathAndQuery, headers: headers)
        var parts: [HTTPClientRequestPart] = [.head(head)]
        if !request.body.isEmpty { parts.append(.body(.byteBuffer(ByteBuffer(bytes: request.body)))) }
        parts.append(.end(nil))
        return parts
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : max(0, product + attoseconds / 1_000_000_000)
    }
}

extension HTTPTransport {
    /// Where a request goes.
    struct Target: Sendable {
        let secure: Bool
        let host: String
        let port: Int
        let pathAndQuery: String

        init?(_ url: URL) {
            // The host as the URL spells it: the ASCII form DNS and TLS need. (`host` would decode an
            // internationalised name, through ICU, for every request.)
            guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false),
                let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
                let host = components.encodedHost, !host.isEmpty
            else { return nil }
            secure = scheme == "https"
            // An IPv6 literal comes bracketed in some versions of Foundation.
            self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            port = components.port ?? (secure ? 443 : 80)
            let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            pathAndQuery = components.percentEncodedQuery.map { path + "?" + $0 } ?? path
        }

        /// Connections are shared between requests with the same key.
        var key: String { "\(secure ? "https" : "http")://\(host):\(port)" }

        var hostHeader: String {
            let name = host.contains(":") ? "[\(host)]" : host
            return port == (secure ? 443 : 80) ? name : "\(name):\(port)"
        }

        /// Whether the host is an IP address (no SNI then).
        var hostIsAddress: Bool {
            host.contains(":") || host.split(separator: ".").allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
        }
    }
}

/// One request's exchange, confined to one event loop: connects, writes the request, collects the
/// answer, and completes exactly once with the answer or the failure's kind.
private final class Exchange: @unchecked Sendable {
    typealias Outcome = Result<HTTPAnswer, HTTPTransport.Failure>

    private let loop: any EventLoop
    private let host: String
    private let idle: IdleConnections
    private let key: String
    /// The request's out_trade_no, for the latency trace.
    let traceKey: String?
    private let promise: EventLoopPromise<Outcome>
    private var channel: (any Channel)?
    private var collector: ResponseCollector?
    private var timeout: Scheduled<Void>?
    private var completed = false
    /// Whether any byte of the request may have left.
    private var written = false

    init(loop: any EventLoop, host: String, idle: IdleConnections, key: String, traceKey: String?) {
        self.loop = loop
        self.host = host
        self.idle = idle
        self.key = key
        self.traceKey = traceKey
        self.promise = loop.makePromise(of: Outcome.self)
    }

    var result: EventLoopFuture<Outcome> { promise.futureResult }

    func start(
        target: HTTPTransport.Target, tls: NIOSSLContext?, reusing reused: IdleConnections.Connection?,
        parts: [HTTPClientRequestPart], connectTimeout: TimeAmount, requestTimeout: TimeAmount
    ) {
        loop.preconditionInEventLoop()
        guard !completed else {
            reused?.channel.close(promise: nil)
            return
        }
        // An idle connection the server closed since it was put back is not used: nothing was
        // written on it yet, so a new connection carries the request.
        if let reused, reused.channel.isActive, reused.collector.value.adopt(self) {
            send(parts, on: reused.channel, collector: reused.collector.value, requestTimeout: requestTimeout)
            return
        }
        reused?.channel.close(promise: nil)
        let serverHostname = target.hostIsAddress ? nil : target.host
        let collector = NIOLoopBound(ResponseCollector(exchange: self, secure: tls != nil, idle: idle), eventLoop: loop)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(collector.value)
                }
            }
        bootstrap.connect(host: target.host, port: target.port).whenComplete { [self] connected in
            switch connected {
            case .failure(let error):
                complete(
                    .failure(
                        .notSent(
                            QFPayError(
                                .connectionFailed, "cannot connect to \(host): \(Self.describe(error))",
                                underlying: error))))
            case .success(let channel):
                guard !completed else {
                    channel.close(promise: nil)
                    return
                }
                send(parts, on: channel, collector: collector.value, requestTimeout: requestTimeout)
            }
        }
    }

    /// Writes the request on `channel`, whose collector hands the answer to this exchange.
    private func send(
        _ parts: [HTTPClientRequestPart], on channel: any Channel, collector: ResponseCollector,
        requestTimeout: TimeAmount
    ) {
        self.channel = channel
        self.collector = collector
        timeout = loop.scheduleTask(in: requestTimeout) { [self] in
            complete(.failure(.unknown(UnknownOutcome(.timedOut, "no answer from \(host) in time"))))
        }
        written = true
        for part in parts.dropLast() { channel.write(part, promise: nil) }
        if let last = parts.last {
            if LatencyTrace.isEnabled, let key = traceKey {
                channel.writeAndFlush(last).whenSuccess { LatencyTrace.mark(.requestWritten, key) }
            } else {
                channel.writeAndFlush(last, promise: nil)
            }
        }
    }

    func cancel() {
        if written {
            complete(.failure(.unknown(UnknownOutcome(.cancelled, "cancelled while the request was in flight"))))
        } else {
            complete(.failure(.notSent(QFPayError(.cancelled, "cancelled before the request was sent"))))
        }
    }

    /// The TLS handshake failed: nothing of the request left.
    func handshakeFailed(_ error: any Error) {
        complete(
            .failure(
                .notSent(
                    QFPayError(
                        .connectionFailed, "TLS handshake with \(host) failed: \(Self.describe(error))",
                        underlying: error))))
    }

    func lost(_ why: String) {
        complete(.failure(.unknown(UnknownOutcome(.connectionLost, "the connection to \(host) dropped: \(why)"))))
    }

    func failed(_ reason: UnknownOutcome.Reason, _ message: String) {
        complete(.failure(.unknown(UnknownOutcome(reason, message))))
    }

    /// Completes once; `keepAlive`: the answer came whole on a connection that may carry the next
    /// request, which goes back to the idle ones instead of closing.
    func complete(_ outcome: Outcome, keepAlive: Bool = false) {
        loop.preconditionInEventLoop()
        guard !completed else { return }
        completed = true
        timeout?.cancel()
        collector?.release(self)
        if keepAlive, let channel, let collector {
            idle.put(channel, collector: collector, key: key)
        } else {
            channel?.close(promise: nil)
        }
        promise.succeed(outcome)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? IOError { return error.description }
        if let error = error as? ChannelError, case .connectTimeout = error { return "connection timed out" }
        return "\(error)"
    }
}

/// Collects the answer's head and body and hands the whole answer to the connection's current
/// exchange. Between exchanges the connection is idle: anything the server sends or does then
/// (bytes, an error, closing) ends it, and it leaves the idle ones.
final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private var exchange: Exchange?
    private let secure: Bool
    private let idle: IdleConnections
    private var handshakeCompleted = false
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []
    private var closed = false

    fileprivate init(exchange: Exchange, secure: Bool, idle: IdleConnections) {
        self.exchange = exchange
        self.secure = secure
        self.idle = idle
    }

    /// Makes `exchange` the one the next answer goes to; false when the connection ended.
    fileprivate func adopt(_ exchange: Exchange) -> Bool {
        guard !closed, self.exchange == nil else { return false }
        self.exchange = exchange
        return true
    }

    /// The exchange completed: the connection is idle or closing.
    fileprivate func release(_ exchange: Exchange) {
        if self.exchange === exchange { self.exchange = nil }
        head = nil
        body = []
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange else {
            // An idle connection carries no answer: whatever came, it is not reused.
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(let buffer):
            guard body.count + buffer.readableBytes <= HTTPTransport.maximumBodySize else {
                exchange.failed(.transportError, "the answer is larger than \(HTTPTransport.maximumBodySize) bytes")
                return
            }
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head else { return }
            if let key = exchange.traceKey { LatencyTrace.mark(.answerRead, key) }
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            let answer = HTTPAnswer(status: Int(head.status.code), headers: headers, body: body)
            exchange.complete(.success(answer), keepAlive: head.isKeepAlive && !closed)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { handshakeCompleted = true }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let exchange else {
            context.close(promise: nil)
            return
        }
        if secure, !handshakeCompleted {
            exchange.handshakeFailed(error)
        } else if error is HTTPParserError {
            exchange.lost("bad server response (\(error))")
        } else {
            exchange.lost("\(error)")
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        idle.remove(context.channel)
        if let exchange {
            if secure, !handshakeCompleted {
                exchange.handshakeFailed(ChannelError.eof)
            } else {
                exchange.lost("closed before the whole answer came")
            }
        }
        context.fireChannelInactive()
    }
}
