import Foundation
import QFPay
import Synchronization

/// Who may use a listener: anyone on the machine when it is bound to loopback, or whoever gives
/// the configured user and password (HTTP basic auth) when it is not.
public final class WebAccess: Sendable {
    public enum Rule: Sendable {
        /// Bound to loopback: requests from loopback peers only, no password.
        case loopbackOnly
        /// Any peer, with `user` and the password `hash` verifies.
        case basicAuth(user: String, hash: PasswordHash)
    }

    public let rule: Rule
    /// The digest of the last `Authorization` value that verified: PBKDF2 runs once per password,
    /// not once per request (the page loads a PNG per lane).
    private let verified = Mutex<[UInt8]?>(nil)

    public init(_ rule: Rule) { self.rule = rule }

    /// The rule for a listener on `host`: loopback needs nothing; any other address needs a hash.
    /// - Throws: ``WebError`` `invalidConfiguration` off loopback without a usable hash.
    public static func forListener(host: String, user: String, passwordHash: String?) throws(WebError) -> WebAccess {
        if let passwordHash, !passwordHash.isEmpty {
            return WebAccess(.basicAuth(user: user, hash: try PasswordHash(parsing: passwordHash)))
        }
        guard isLoopback(host: host) else {
            throw WebError(
                .invalidConfiguration,
                "\(host) is not a loopback address: set basic_auth_password_hash (docs/monitoring.md) or listen on 127.0.0.1"
            )
        }
        return WebAccess(.loopbackOnly)
    }

    /// `127.x.x.x`, `::1`, `localhost`.
    public static func isLoopback(host: String) -> Bool {
        host.hasPrefix("127.") || host == "::1" || host == "[::1]" || host == "localhost"
    }

    /// nil when `request` may go on, else the answer to give it.
    public func refusal(of request: WebRequest) -> WebResponse? {
        switch rule {
        case .loopbackOnly:
            return request.fromLoopback ? nil : .text(403, "loopback only\n")
        case .basicAuth(let user, let hash):
            let challenge = [("WWW-Authenticate", "Basic realm=\"qfpos\", charset=\"UTF-8\"")]
            guard let header = request.headers["authorization"], header.hasPrefix("Basic "),
                let decoded = Data(base64Encoded: String(header.dropFirst(6))).map({
                    String(decoding: $0, as: UTF8.self)
                }),
                let colon = decoded.firstIndex(of: ":")
            else { return .text(401, "authentication required\n", headers: challenge) }
            let digest = DigestAlgorithm.sha256.digest(Array(header.utf8))
            if let known = verified.withLock({ $0 }), PasswordHash.constantTimeEqual(known, digest) { return nil }
            guard PasswordHash.constantTimeEqual(Array(decoded[..<colon].utf8), Array(user.utf8)),
                hash.verifies(String(decoded[decoded.index(after: colon)...]))
            else { return .text(401, "wrong user or password\n", headers: challenge) }
            verified.withLock { $0 = digest }
            return nil
        }
    }
}
