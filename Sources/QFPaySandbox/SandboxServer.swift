import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import QFPay
import Synchronization

/// A local QFPay gateway on 127.0.0.1: the specification's HTTP API with signed answers, a
/// ledger, scenarios, notifications and fault injection.
///
/// ```swift
/// let sandbox = try await SandboxServer.start(SandboxConfiguration(appCode: a, key: k, mchid: m))
/// defer { Task { await sandbox.stop() } }
/// // POST to sandbox.baseURL.appending(path: "trade/v1/payment") ...
/// ```
public final class SandboxServer: Sendable {
    public let configuration: SandboxConfiguration
    /// What the gateway knows: orders, requests, notifications.
    public let ledger: SandboxLedger
    /// Sandbox time; `clock.advance(by:)` jumps ahead.
    public let clock: SandboxClock
    private let gateway: SandboxGateway
    private let faultInjector: FaultInjector
    private let notifier: Notifier
    private let rateLimiter: RateLimiter?
    private let logger: Logger
    private let running = Mutex<Running>(Running())

    private struct Running {
        var serverChannel: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        var acceptTask: Task<Void, Never>?
        var tickTask: Task<Void, Never>?
        var port = 0
    }

    /// A sandbox that is not listening yet; `clock` defaults to one running at `configuration.timeScale`.
    public init(
        configuration: SandboxConfiguration,
        clock: SandboxClock? = nil,
        logger: Logger = Logger(label: "qfpay-sandbox")
    ) {
        self.configuration = configuration
        self.clock = clock ?? SandboxClock(scale: configuration.timeScale)
        self.ledger = SandboxLedger()
        self.logger = logger
        self.faultInjector = FaultInjector(configuration.faults)
        self.rateLimiter = configuration.rateLimits.map(RateLimiter.init)
        let notifier = Notifier(configuration: configuration, clock: self.clock, ledger: ledger, logger: logger)
        self.notifier = notifier
        self.gateway = SandboxGateway(
            configuration: configuration, ledger: ledger, clock: self.clock, logger: logger,
            events: { notifier.send($0) })
    }

    /// Starts a sandbox and returns it listening.
    public static func start(
        _ configuration: SandboxConfiguration,
        clock: SandboxClock? = nil,
        logger: Logger = Logger(label: "qfpay-sandbox")
    ) async throws -> SandboxServer {
        let server = SandboxServer(configuration: configuration, clock: clock, logger: logger)
        try await server.start()
        return server
    }

    /// Listens on `configuration.host`:`configuration.port` and serves until `stop()`.
    public func start() async throws {
        let serverChannel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
        do {
            serverChannel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                            wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw SandboxError(
                .bindFailed, "cannot listen on \(configuration.host):\(configuration.port)", underlying: error)
        }
        let port = serverChannel.channel.localAddress?.port ?? configuration.port
        let acceptTask = Task { [self] in
            await withDiscardingTaskGroup { group in
                try? await serverChannel.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
            return ()
        }
        var tickTask: Task<Void, Never>?
        if configuration.qrAutoPayDelay != nil {
            tickTask = Task { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(20))
                    gateway.runDueEvents()
                }
            }
        }
        running.withLock {
            $0.serverChannel = serverChannel.channel
            $0.acceptTask = acceptTask
            $0.tickTask = tickTask
            $0.port = port
        }
        logger.info("listening", metadata: ["http.port": "\(port)"])
    }

    /// Stops listening, closes open connections and cancels pending notifications.
    public func stop() async {
        let (serverChannel, connections, acceptTask, tickTask) = running.withLock { running in
            defer {
                running.serverChannel = nil
                running.connections = [:]
                running.acceptTask = nil
                running.tickTask = nil
            }
            return (running.serverChannel, Array(running.connections.values), running.acceptTask, running.tickTask)
        }
        notifier.stop()
        tickTask?.cancel()
        try? await serverChannel?.close()
        for connection in connections { try? await connection.close() }
        await acceptTask?.value
    }

    /// The port the sandbox listens on (0 before `start()`).
    public var port: Int { running.withLock { $0.port } }

    /// `http://127.0.0.1:PORT`: the base URL for QFPay clients.
    public var baseURL: URL { URL(string: "http://\(configuration.host):\(port)")! }

    // MARK: - Faults

    /// The faults in force.
    public var faults: SandboxFaults { faultInjector.faults }

    /// Replaces the faults in force and reseeds their PRNG.
    public func setFaults(_ faults: SandboxFaults) { faultInjector.set(faults) }

    /// Applies `fault` to the next API request on `path` (any API path when `nil`), whatever the
    /// probabilities say. Queued faults are used in order.
    public func injectFault(_ fault: SandboxFault, path: String? = nil) {
        faultInjector.enqueue(fault, path: path)
    }

    // MARK: - Customers and time

    /// The customer pays the pending dynamic-QR order `syssn` (or, with `respcd`, fails with that code).
    @discardableResult
    public func payQRCode(syssn: String, respcd: String? = nil) throws -> SandboxOrder {
        try payQRCode(respcd: respcd) { state in
            state.orderIndex(syssn: syssn).flatMap { state.orders[$0].syssn == syssn ? $0 : nil }
        }
    }

    /// The customer pays the pending dynamic-QR order with this merchant order number.
    @discardableResult
    public func payQRCode(outTradeNo: String, respcd: String? = nil) throws -> SandboxOrder {
        try payQRCode(respcd: respcd) { state in
            state.isPaymentNumber(outTradeNo) ? state.orderIndex(outTradeNo: outTradeNo) : nil
        }
    }

    private func payQRCode(respcd: String?, find: (LedgerState) -> Int?) throws -> SandboxOrder {
        gateway.runDueEvents()
        let now = clock.now()
        var events: [LedgerEvent] = []
        let result: Result<SandboxOrder, SandboxError> = ledger.state.withLock { state in
            guard let index = find(state) else { return .failure(SandboxError(.orderNotFound, "no such order")) }
            do {
                try gateway.payQR(&state, index: index, respcd: respcd, now: now, events: &events)
            } catch let rejection as GatewayRejection {
                return .failure(SandboxError(.orderNotPayable, rejection.message))
            } catch {
                return .failure(SandboxError(.orderNotPayable, "\(error)"))
            }
            return .success(state.orders[index])
        }
        notifier.send(events)
        return try result.get()
    }

    /// Runs what sandbox time has made due (delayed QR payments, QR expiry) now, for example
    /// right after `clock.advance(by:)`.
    public func runDueEvents() { gateway.runDueEvents() }

    /// `X-QF-SIGN` for a body under this sandbox's key: MD5(body + key), upper-case.
    public func signature(of body: [UInt8]) -> String { gateway.signature(of: body) }

    // MARK: - HTTP

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        let id = ObjectIdentifier(connection.channel)
        running.withLock { $0.connections[id] = connection.channel }
        defer { _ = running.withLock { $0.connections.removeValue(forKey: id) } }
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let requestHead):
                    head = requestHead
                    body = []
                    if requestHead.headers["Expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                        try await outbound.write(
                            .head(HTTPResponseHead(version: requestHead.version, status: .continue)))
                    }
                case .body(let buffer):
                    body += buffer.readableBytesView
                    if body.count > 1 << 20 {
                        try await write(plain(413), version: .http1_1, keepAlive: false, signature: nil, to: outbound)
                        return
                    }
                case .end:
                    guard let requestHead = head else { return }
                    let keepAlive = try await answer(requestHead, body, outbound)
                    if !keepAlive { return }
                }
            }
        }
    }

    /// Answers one request; false when the connection must close.
    private func answer(
        _ head: HTTPRequestHead,
        _ body: [UInt8],
        _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws -> Bool {
        let (path, query) = Self.split(head.uri)
        let request = GatewayRequest(
            method: head.method.rawValue, path: path, query: query, headers: head.headers.map { ($0.name, $0.value) },
            body: body)
        let isAPI = SandboxGateway.apiPaths.contains(path)
        var (delay, fault) = isAPI ? faultInjector.draw(path: path) : (nil, nil)
        if isAPI, let rateLimiter, !rateLimiter.admit() { fault = .tooManyRequests }
        if let delay { try await Task.sleep(for: delay) }
        var response: GatewayResponse
        switch fault {
        case .serverErrorBeforeProcessing(let status)?:
            gateway.recordUnprocessed(request, fault: .serverErrorBeforeProcessing(status: status))
            response = plain(status)
        case .tooManyRequests?:
            gateway.recordUnprocessed(request, fault: .tooManyRequests)
            response = plain(429)
        default:
            response = gateway.handle(request, fault: fault ?? delay.map { .latency($0) })
        }
        var signature: String? = gateway.signature(of: response.body)
        switch fault {
        case .dropAfterProcessing?:
            return false
        case .serverErrorAfterProcessing(let status)?:
            response = plain(status)
            signature = nil
        case .wrongSignature?:
            signature = gateway.signature(of: response.body + Array("tampered".utf8))
        case .missingSignature?:
            signature = nil
        case .serverErrorBeforeProcessing?, .tooManyRequests?:
            signature = nil
        case .latency?, nil:
            break
        }
        try await write(
            response, version: head.version, keepAlive: head.isKeepAlive, signature: signature, to: outbound)
        return head.isKeepAlive
    }

    private func write(
        _ response: GatewayResponse,
        version: HTTPVersion,
        keepAlive: Bool,
        signature: String?,
        to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws {
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
        try await outbound.write(.head(head))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
        try await outbound.write(.end(nil))
    }

    private func plain(_ status: Int) -> GatewayResponse {
        let reason = HTTPResponseStatus(statusCode: status).reasonPhrase
        return GatewayResponse(
            status: status, contentType: "text/html", body: Array("<html><body>\(status) \(reason)</body></html>".utf8),
            respcd: nil)
    }

    private static func split(_ uri: String) -> (path: String, query: String) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, "") }
        return (String(uri[..<mark]), String(uri[uri.index(after: mark)...]))
    }
}
