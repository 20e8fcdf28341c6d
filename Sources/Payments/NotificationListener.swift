import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import QFPay
import Synchronization

/// QFPay's asynchronous notifications over HTTP (optional; behind the shop's reverse proxy, since
/// QFPay calls only ports 80 and 443).
///
/// Each POST is verified (`X-QF-SIGN` = digest of the raw body and the key). A forged one is
/// answered 400 and changes nothing. A genuine one is recorded once per (`syssn`, `notify_type`)
/// in the journal, and only after that commit is `SUCCESS` answered; the sale is then confirmed by
/// a query before anything changes (a notification alone never marks a sale paid). Replays are
/// answered `SUCCESS` and change nothing.
public final class NotificationListener: Sendable {
    /// What one sender may cost the daemon: the listener faces the shop's reverse proxy, and
    /// anything else that reaches its port.
    public struct Limits: Sendable, Hashable {
        /// Connections open at once; one more is closed as soon as it is accepted.
        public var maximumConnections: Int
        /// How long a connection may take to send a whole request (and stay silent between two).
        public var readTimeout: Duration
        /// A body larger than this is answered 413, never read in part.
        public var maximumBodySize: Int

        public init(
            maximumConnections: Int = 32, readTimeout: Duration = .seconds(10), maximumBodySize: Int = 64 * 1024
        ) {
            self.maximumConnections = maximumConnections
            self.readTimeout = readTimeout
            self.maximumBodySize = maximumBodySize
        }
    }

    private let channel: any Channel
    /// The port the listener is bound to (useful with port 0).
    public let port: Int

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    /// Binds to `host`:`port` (0 for any free port) and starts answering.
    public static func start(
        host: String, port: Int, key: Secret, journal: Journal, pipeline: PaymentPipeline, limits: Limits = Limits(),
        logger: Logger = Logger(label: "qfpos.payments.notifications"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> NotificationListener {
        let processor = NotificationProcessor(key: key, journal: journal, pipeline: pipeline, logger: logger)
        let open = ConnectionCount()
        let readTimeout = TimeAmount.nanoseconds(Int64(limits.readTimeout / .nanoseconds(1)))
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard open.enter(limit: limits.maximumConnections) else {
                    logger.warning("notification connection over the limit closed")
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in open.leave() }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: readTimeout))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        NotificationHandler(processor: processor, maximumBodySize: limits.maximumBodySize))
                }
            }
            .bind(host: host, port: port).get()
        return NotificationListener(channel: channel, port: channel.localAddress?.port ?? port)
    }

    /// Stops listening.
    public func stop() async {
        try? await channel.close().get()
    }
}

/// Connections open on the listener.
private final class ConnectionCount: Sendable {
    private let count = Mutex(0)

    /// Counts one more unless `limit` are open.
    func enter(limit: Int) -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() { count.withLock { $0 -= 1 } }
}

/// What to do with one notification body; no NIO types, so it is tested through HTTP only.
struct NotificationProcessor: Sendable {
    let key: Secret
    let journal: Journal
    let pipeline: PaymentPipeline
    let logger: Logger

    /// The HTTP status and text to answer.
    func process(body: [UInt8], signature: String?) async -> (HTTPResponseStatus, String) {
        let notification: QFPayNotification
        do {
            notification = try QFPayNotification.parse(body: body, signature: signature, key: key)
        } catch {
            logger.warning("notification refused", metadata: ["error": "\(error)"])
            return (.badRequest, "FAIL")
        }
        guard let syssn = notification.syssn else { return (.badRequest, "FAIL") }
        let outTradeNo = notification.kind.isRefund ? notification.origOutTradeNo : notification.outTradeNo
        do {
            let isNew = try await journal.recordNotification(
                syssn: syssn, notifyType: notification.kind.rawValue, outTradeNo: outTradeNo, at: Date())
            if isNew, let outTradeNo {
                let known = await pipeline.notificationArrived(
                    outTradeNo: outTradeNo, notifyType: notification.kind.rawValue)
                logger.info(
                    "notification recorded",
                    metadata: [
                        "qfpay.syssn": "\(syssn)", "notify.type": "\(notification.kind)", "sale.known": "\(known)",
                    ])
            }
            return (.ok, QFPayNotification.acknowledgement)
        } catch {
            logger.error("notification not recorded; QFPay will retry", metadata: ["error": "\(error)"])
            return (.internalServerError, "FAIL")
        }
    }
}

/// Collects one HTTP request and answers it with the processor's verdict. A body over the limit
/// is answered 413 and the connection closed (never processed cut short); a connection that sends
/// nothing for the read timeout while no answer is pending is closed.
final class NotificationHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let processor: NotificationProcessor
    private let maximumBodySize: Int
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    /// The request was answered 413: its remaining parts are ignored until the connection closes.
    private var refused = false
    /// An answer is being worked out: the connection is not idle, whatever the sender does.
    private var processing = false

    init(processor: NotificationProcessor, maximumBodySize: Int) {
        self.processor = processor
        self.maximumBodySize = maximumBodySize
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = []
            if let length = requestHead.headers.first(name: "Content-Length").flatMap(Int.init),
                length > maximumBodySize
            {
                refuseTooLarge(context: context, size: "\(length)")
            }
        case .body(let buffer):
            guard body.count + buffer.readableBytes <= maximumBodySize else {
                refuseTooLarge(context: context, size: "over \(maximumBodySize)")
                return
            }
            body += buffer.readableBytesView
        case .end:
            guard let head else { return }
            self.head = nil
            let keepAlive = head.isKeepAlive
            guard head.method == .POST else {
                Self.respond(context: context, status: .methodNotAllowed, text: "FAIL", keepAlive: keepAlive)
                return
            }
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let processor = self.processor
            let body = self.body
            self.body = []
            let signature = head.headers.first(name: "X-QF-SIGN")
            let promise = context.eventLoop.makePromise(of: (HTTPResponseStatus, String).self)
            processing = true
            promise.completeWithTask { await processor.process(body: body, signature: signature) }
            promise.futureResult.whenSuccess { status, text in
                handler.value.processing = false
                Self.respond(context: bound.value, status: status, text: text, keepAlive: keepAlive)
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            if !processing { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func refuseTooLarge(context: ChannelHandlerContext, size: String) {
        refused = true
        head = nil
        body = []
        processor.logger.warning(
            "notification body over the limit refused", metadata: ["http.body_bytes": "\(size)"])
        Self.respond(context: context, status: .payloadTooLarge, text: "FAIL", keepAlive: false)
    }

    private static func respond(
        context: ChannelHandlerContext, status: HTTPResponseStatus, text: String, keepAlive: Bool
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain")
        headers.add(name: "Content-Length", value: "\(text.utf8.count)")
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        context.write(
            NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
            promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
        let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
