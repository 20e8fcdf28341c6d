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
    private let requestObserver = Mutex<(@Sendable (String) -> Void)?>(nil)

    private struct Running {
        var serverChannel: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        var ticker: RepeatedTask?
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
        self.rateLimiter = configuration.rules.rateLimits.map(RateLimiter.init)
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

    /// Listens on `configuration.host`:`configuration.port` and serves until `stop()`. Requests are
    /// answered on NIO's event loop threads, independent of Swift's cooperative pool.
    public func start() async throws {
        let responder = SandboxHTTPHandler.Responder(
            faults: { [faultInjector] path in
                SandboxGateway.apiPaths.contains(path) ? faultInjector.draw(path: path) : (nil, nil)
            },
            // Strong: a started sandbox lives until `stop()` closes its channels, even unreferenced.
            answer: { [self] request, fault in self.answer(request, fault: fault) })
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { [weak self] channel in
                    self?.track(channel)
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(SandboxHTTPHandler(responder: responder))
                    }
                }
                .bind(host: configuration.host, port: configuration.port).get()
        } catch {
            throw SandboxError(
                .bindFailed, "cannot listen on \(configuration.host):\(configuration.port)", underlying: error)
        }
        let port = channel.localAddress?.port ?? configuration.port
        var ticker: RepeatedTask?
        if configuration.qrAutoPayDelay != nil {
            ticker = channel.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(20), delay: .milliseconds(20)) {
                [gateway] _ in gateway.runDueEvents()
            }
        }
        running.withLock {
            $0.serverChannel = channel
            $0.ticker = ticker
            $0.port = port
        }
        logger.info("listening", metadata: ["http.port": "\(port)"])
    }

    /// Stops listening, closes open connections and cancels pending notifications.
    public func stop() async {
        let (serverChannel, connections, ticker) = running.withLock { running in
            defer {
                running.serverChannel = nil
                running.connections = [:]
                running.ticker = nil
            }
            return (running.serverChannel, Array(running.connections.values), running.ticker)
        }
        notifier.stop()
        ticker?.cancel()
        try? await serverChannel?.close()
        for connection in connections { try? await connection.close() }
    }

    /// Calls `observer` with the path of each request as the sandbox answers it, on the event
    /// loop that read it (after any injected delay): the gateway's side of a benchmark's timing.
    public func observeRequests(_ observer: @escaping @Sendable (_ path: String) -> Void) {
        requestObserver.withLock { $0 = observer }
    }

    private func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        running.withLock { $0.connections[id] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.running.withLock { $0.connections.removeValue(forKey: id) }
        }
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

    /// The answer to one request after its faults; `nil` drops the connection.
    private func answer(_ request: GatewayRequest, fault: SandboxFault?) -> (GatewayResponse, String?)? {
        requestObserver.withLock { $0 }?(request.path)
        var fault = fault
        if SandboxGateway.apiPaths.contains(request.path), let rateLimiter, !rateLimiter.admit() {
            fault = .tooManyRequests
        }
        switch fault {
        case .serverErrorBeforeProcessing(let status)?:
            gateway.recordUnprocessed(request, fault: .serverErrorBeforeProcessing(status: status))
            return (SandboxHTTPHandler.plainAnswer(status), nil)
        case .tooManyRequests?:
            gateway.recordUnprocessed(request, fault: .tooManyRequests)
            return (SandboxHTTPHandler.plainAnswer(429), nil)
        default:
            break
        }
        let response = gateway.handle(request, fault: fault)
        switch fault {
        case .dropAfterProcessing?:
            return nil
        case .serverErrorAfterProcessing(let status)?:
            return (SandboxHTTPHandler.plainAnswer(status), nil)
        case _ where !response.signed:
            // A front end's answer carries no signature to tamper with.
            return (response, nil)
        case .wrongSignature?:
            return (response, gateway.signature(of: response.body + Array("tampered".utf8)))
        case .missingSignature?:
            return (response, nil)
        default:
            return (response, gateway.signature(of: response.body))
        }
    }
}
