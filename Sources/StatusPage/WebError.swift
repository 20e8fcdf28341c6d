/// Why the status page or the metrics listener cannot start, or why a page action failed.
public struct WebError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The configuration asks for something the listener refuses (no password off loopback).
        case invalidConfiguration = "invalid_configuration"
        /// The address cannot be bound.
        case bindFailed = "bind_failed"
        /// A button's action (test print, reprint) failed.
        case actionFailed = "action_failed"
    }

    public let code: Code
    public let message: String
    public let underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { underlying.map { "\(message): \($0)" } ?? message }
}
