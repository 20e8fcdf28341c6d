/// The errors of the QFPaySandbox module: a stable code, a message, maybe an underlying error.
public struct SandboxError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, stable across releases.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public var description: String { rawValue }

        /// The server could not listen.
        public static let bindFailed = Code(rawValue: "bind-failed")
        /// A URL the sandbox cannot use (only `http://host:port/...`).
        public static let unsupportedURL = Code(rawValue: "unsupported-url")
        /// No connection could be made (refused, unreachable, connect timeout).
        public static let connectionFailed = Code(rawValue: "connection-failed")
        /// The peer closed the connection before a whole answer arrived.
        public static let connectionClosed = Code(rawValue: "connection-closed")
        /// No answer in time.
        public static let timedOut = Code(rawValue: "timed-out")
        /// No such order in the ledger.
        public static let orderNotFound = Code(rawValue: "order-not-found")
        /// The order cannot be paid: not a pending dynamic-QR order.
        public static let orderNotPayable = Code(rawValue: "order-not-payable")
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        underlying.map { "\(code): \(message) (\($0))" } ?? "\(code): \(message)"
    }
}
