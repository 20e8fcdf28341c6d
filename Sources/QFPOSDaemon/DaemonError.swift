/// The error type of the daemon's services: a stable code, a message for the technician, and
/// the underlying error when there is one. Messages never contain the QFPay key.
public struct DaemonError: Error, Sendable, CustomStringConvertible {
    /// Stable codes, also the exit reasons of `qfposd`.
    public enum Code: String, Sendable {
        case configurationInvalid = "configuration_invalid"
        case keyFileMissing = "key_file_missing"
        case keyFileInsecure = "key_file_insecure"
        case keyFileInvalid = "key_file_invalid"
        case socketFailed = "socket_failed"
        case socketActivationInvalid = "socket_activation_invalid"
        case notifyFailed = "notify_failed"
        case startFailed = "start_failed"
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
