/// An error of the control protocol's client side: the socket could not be reached, the
/// connection closed, or the daemon sent something unreadable. Errors the daemon *answers* with
/// are ``RPCError``s.
public struct ControlProtocolError: Error, Sendable, CustomStringConvertible {
    /// A stable code.
    public enum Code: String, Sendable {
        case connectFailed = "connect_failed"
        case connectionClosed = "connection_closed"
        case malformedMessage = "malformed_message"
        case timedOut = "timed_out"
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
        underlying.map { "\(message): \($0)" } ?? message
    }
}
