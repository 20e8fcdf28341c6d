/// An error of the printer link: opening, configuring, writing to or reading from a printer.
///
/// Printer problems (paper out, cover open) are statuses, not errors: they are reported as
/// `PrinterStatus` and the job waits.
public struct PrinterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Hashable {
        /// The device node or socket could not be opened or connected.
        case openFailed = "printer.open-failed"
        /// Another writer holds the printer (`flock`).
        case busy = "printer.busy"
        /// The serial line could not be configured.
        case configurationFailed = "printer.configuration-failed"
        /// A write did not finish before its deadline.
        case writeTimedOut = "printer.write-timed-out"
        /// The device went away or the connection dropped.
        case disconnected = "printer.disconnected"
        /// The link has been closed.
        case closed = "printer.closed"
    }

    /// The stable code.
    public let code: Code
    /// A human message.
    public let message: String
    /// The `errno` of the failed system call, if any.
    public let systemError: Int32?

    /// Creates an error.
    public init(_ code: Code, _ message: String, systemError: Int32? = nil) {
        self.code = code
        self.message = message
        self.systemError = systemError
    }

    public var description: String {
        if let systemError { return "\(code.rawValue): \(message) (errno \(systemError))" }
        return "\(code.rawValue): \(message)"
    }
}
