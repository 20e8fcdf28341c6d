import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One HTTP exchange's answer.
struct HTTPAnswer: Sendable {
    let status: Int
    /// Header names in lower case.
    let headers: [String: String]
    let body: [UInt8]
}

/// Sends signed requests with FoundationNetworking's `URLSession` (libcurl over the system's
/// OpenSSL), and sorts failures into "nothing was sent" and "the outcome is unknown".
final class HTTPTransport: Sendable {
    private let session: URLSession
    private let requestTimeout: Duration

    init(connectTimeout: Duration, requestTimeout: Duration) {
        let configuration = URLSessionConfiguration.ephemeral
        // FoundationNetworking truncates timeouts to whole seconds (0.3 s would be 0, an instant
        // timeout): round up, at least one second.
        configuration.timeoutIntervalForRequest = Self.wholeSeconds(requestTimeout)
        configuration.timeoutIntervalForResource = Self.wholeSeconds(connectTimeout + requestTimeout)
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.urlCredentialStorage = nil
        session = URLSession(configuration: configuration, delegate: RedirectRefusal(), delegateQueue: nil)
        self.requestTimeout = requestTimeout
    }

    deinit { session.finishTasksAndInvalidate() }

    /// `duration` in seconds, rounded up to a whole second, at least one.
    static func wholeSeconds(_ duration: Duration) -> Double { max(1, duration.timeInterval.rounded(.up)) }

    enum Failure: Error {
        case notSent(QFPayError)
        case unknown(UnknownOutcome)
    }

    func send(_ request: SignedRequest) async -> Result<HTTPAnswer, Failure> {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.timeoutInterval = Self.wholeSeconds(requestTimeout)
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        // A fresh connection per request: libcurl silently re-sends a request when a reused
        // connection dies before the answer starts, which would send a payment twice.
        urlRequest.setValue("close", forHTTPHeaderField: "Connection")
        if !request.body.isEmpty { urlRequest.httpBody = Data(request.body) }
        do {
            let (data, response) = try await session.data(for: urlRequest)
            guard let http = response as? HTTPURLResponse else {
                return .failure(.unknown(UnknownOutcome(.transportError, "the answer is not HTTP", body: Array(data))))
            }
            var headers: [String: String] = [:]
            for (name, value) in http.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
            }
            return .success(HTTPAnswer(status: http.statusCode, headers: headers, body: Array(data)))
        } catch let error as URLError {
            return .failure(Self.classify(error, url: request.url))
        } catch is CancellationError {
            return .failure(.unknown(UnknownOutcome(.cancelled, "cancelled while the request was in flight")))
        } catch {
            return .failure(.unknown(UnknownOutcome(.transportError, "\(error)")))
        }
    }

    /// URL errors that happen before any byte of the request leaves are "not sent"; the rest
    /// leave the outcome unknown. A timeout is always unknown: libcurl does not say whether it
    /// struck while connecting or after sending.
    static func classify(_ error: URLError, url: URL) -> Failure {
        let host = url.host ?? "?"
        switch error.code {
        case .cannotConnectToHost, .cannotFindHost, .dnsLookupFailed, .notConnectedToInternet, .badURL,
            .unsupportedURL, .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected,
            .clientCertificateRequired:
            return .notSent(
                QFPayError(
                    .connectionFailed, "cannot connect to \(host): \(error.code.name)", underlying: error))
        case .timedOut:
            return .unknown(UnknownOutcome(.timedOut, "no answer from \(host) in time"))
        case .networkConnectionLost, .badServerResponse, .cannotParseResponse, .zeroByteResource:
            return .unknown(UnknownOutcome(.connectionLost, "the connection to \(host) dropped: \(error.code.name)"))
        case .cancelled:
            return .unknown(UnknownOutcome(.cancelled, "cancelled while the request was in flight"))
        case .unknown where Self.isConnectFailure(error):
            // FoundationNetworking maps libcurl's CURLE_COULDNT_CONNECT to `.unknown` unless errno
            // still says ECONNREFUSED; libcurl's message says no connection was made.
            return .notSent(QFPayError(.connectionFailed, "cannot connect to \(host)", underlying: error))
        default:
            return .unknown(
                UnknownOutcome(
                    .transportError,
                    "transport error with \(host): \(error.code.name) \(error.userInfo[NSLocalizedDescriptionKey] ?? "")"
                ))
        }
    }
}

/// Refuses HTTP redirects: a payment is never re-sent elsewhere; the 3xx answer itself comes
/// back, unsigned, and leaves the outcome unknown.
private final class RedirectRefusal: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

extension HTTPTransport {
    /// Whether libcurl's message says the connection was never made.
    static func isConnectFailure(_ error: URLError) -> Bool {
        let text = (error.userInfo[NSLocalizedDescriptionKey] as? String) ?? ""
        return text.contains("Couldn't connect to server") || text.contains("Could not resolve host")
    }
}

extension URLError.Code {
    /// A short name for messages.
    var name: String {
        switch self {
        case .cannotConnectToHost: "connection refused"
        case .cannotFindHost, .dnsLookupFailed: "host not found"
        case .notConnectedToInternet: "no network"
        case .secureConnectionFailed: "TLS handshake failed"
        case .timedOut: "timed out"
        case .networkConnectionLost: "connection lost"
        case .badServerResponse: "bad server response"
        default: "URLError \(rawValue)"
        }
    }
}
