import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import Testing

@testable import QFPay

/// The transport's `https` path against a real TLS server on 127.0.0.1 (NIOSSL with a
/// self-signed certificate for `localhost`): the request goes out only once the server's
/// certificate and host name are verified.
@Suite struct TLSTransportTests {
    /// A self-signed P-256 certificate for `localhost` (subjectAltName DNS:localhost), valid until 2126.
    static let certificate = """
        -----BEGIN CERTIFICATE-----
        MIIBlDCCATugAwIBAgIUIPIOm8R+yjtU03Np4gpx63wgoqEwCgYIKoZIzj0EAwIw
        FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNzA0MTkyMFoYDzIxMjYxMTAz
        MDQxOTIwWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
        PQMBBwNCAASNIeAj9RJf/cn/zmEjJhLDpBAWqcMfvS+nJr/+vP5J7zM4hhtWzjG6
        RPEtTwjbonFesvm3Px72LSmlSJUHjpb8o2kwZzAdBgNVHQ4EFgQUSEpBzM2jEAGP
        8mDCPhwwCc2+60swHwYDVR0jBBgwFoAUSEpBzM2jEAGP8mDCPhwwCc2+60swDwYD
        VR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglsb2NhbGhvc3QwCgYIKoZIzj0EAwID
        RwAwRAIgdrSBZCNc3fwaKZ3G1C5PRoBcg5ouK4EP85C8w0/1FbUCIGTh7lIqa5Ya
        wDD2kUQEuHBicReNJdUgAyUvwijD4Iyy
        -----END CERTIFICATE-----
        """

    /// Its private key (a test key, used nowhere else).
    static let privateKey = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgfycn7BkAcRSL89hG
        vgcbT1csOxo3hlQ45eUZWsAbfvChRANCAASNIeAj9RJf/cn/zmEjJhLDpBAWqcMf
        vS+nJr/+vP5J7zM4hhtWzjG6RPEtTwjbonFesvm3Px72LSmlSJUHjpb8
        -----END PRIVATE KEY-----
        """

    func request(port: Int, host: String = "localhost") throws -> SignedRequest {
        try SignedRequest(
            path: "/trade/v1/query", parameters: ["out_trade_no": "P1"],
            configuration: Fixtures.configuration(baseURL: "https://\(host):\(port)"))
    }

    func transport(trusting: Bool) throws -> HTTPTransport {
        let roots: NIOSSLTrustRoots =
            trusting
            ? .certificates([try NIOSSLCertificate(bytes: Array(Self.certificate.utf8), format: .pem)]) : .default
        return HTTPTransport(connectTimeout: .seconds(5), requestTimeout: .seconds(10), trustRoots: roots)
    }

    @Test func anHTTPSRequestGoesOutOverTLSOnceTheServerIsVerified() async throws {
        let server = try await TLSServer.start()
        defer { server.stop() }
        let result = try await transport(trusting: true).send(request(port: server.port))
        guard case .success(let answer) = result else {
            Issue.record("expected an answer, got \(result)")
            return
        }
        #expect(answer.status == 200)
        #expect(answer.headers["x-served-by"] == "tls-test")
        #expect(answer.body == Array(#"{"respcd": "0000"}"#.utf8))
        #expect(server.requests == ["POST /trade/v1/query localhost:\(server.port)"])
    }

    @Test func aServerWhoseCertificateIsNotTrustedIsNeverSentTheRequest() async throws {
        let server = try await TLSServer.start()
        defer { server.stop() }
        let result = try await transport(trusting: false).send(request(port: server.port))
        guard case .failure(.notSent(let error)) = result else {
            Issue.record("expected not sent, got \(result)")
            return
        }
        #expect(error.code == .connectionFailed)
        #expect(server.requests.isEmpty)
    }

    @Test func aCertificateForAnotherHostNameIsRefused() async throws {
        let server = try await TLSServer.start()
        defer { server.stop() }
        // The certificate names localhost; the request names the address.
        let result = try await transport(trusting: true).send(request(port: server.port, host: "127.0.0.1"))
        guard case .failure(.notSent(let error)) = result else {
            Issue.record("expected not sent, got \(result)")
            return
        }
        #expect(error.code == .connectionFailed)
        #expect(server.requests.isEmpty)
    }
}

/// An HTTPS server on 127.0.0.1 (a free port) that answers every request with a small JSON body
/// and records "METHOD path host" of each.
private final class TLSServer: Sendable {
    let port: Int
    private let channel: any Channel
    private let recorded = Mutex<[String]>([])

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    var requests: [String] { recorded.withLock { $0 } }

    static func start() async throws -> TLSServer {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [
                .certificate(try NIOSSLCertificate(bytes: Array(TLSTransportTests.certificate.utf8), format: .pem))
            ],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(TLSTransportTests.privateKey.utf8), format: .pem))
        )
        let context = try NIOSSLContext(configuration: configuration)
        let log = RequestLog()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Responder(log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = TLSServer(port: channel.localAddress?.port ?? 0, channel: channel)
        log.server.withLock { $0 = server }
        return server
    }

    func record(_ line: String) { recorded.withLock { $0.append(line) } }

    func stop() { channel.close(promise: nil) }

    /// Lets the responders reach the server made after them.
    final class RequestLog: Sendable {
        let server = Mutex<TLSServer?>(nil)
    }

    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let log: RequestLog
        private var head: HTTPRequestHead?

        init(log: RequestLog) { self.log = log }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): self.head = head
            case .body: break
            case .end:
                guard let head else { return }
                let line = "\(head.method.rawValue) \(head.uri) \(head.headers.first(name: "host") ?? "")"
                log.server.withLock { $0?.record(line) }
                let body = Array(#"{"respcd": "0000"}"#.utf8)
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "\(body.count)")
                headers.add(name: "X-Served-By", value: "tls-test")
                headers.add(name: "Connection", value: "close")
                context.write(
                    wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                    promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
                let closed = context.eventLoop.makePromise(of: Void.self)
                closed.futureResult.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: closed)
            }
        }
    }
}
