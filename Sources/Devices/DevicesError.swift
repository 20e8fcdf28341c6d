/// The one error type of the Devices module: a stable code, a human message and, where a system
/// call failed, its `errno`.
public struct DevicesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, stable across releases so that callers and logs can match on it.
    public enum Code: String, Sendable, Equatable {
        /// libudev could not be initialised or its monitor could not be created.
        case udevUnavailable
        /// A device node could not be opened.
        case openFailed
        /// Another reader holds the device: a serial port in exclusive mode (`TIOCEXCL`), or a
        /// node this process already reads. Retried until it is free.
        case busy
        /// A serial line could not be configured (termios).
        case serialConfigurationFailed
        /// An evdev device could not be grabbed exclusively (EVIOCGRAB).
        case grabFailed
        /// A keyboard layout could not be compiled by libxkbcommon.
        case keyboardLayoutUnavailable
        /// The devices configuration is malformed.
        case invalidConfiguration
        /// A udev rules file uses something `UdevRuleSet` does not evaluate, or is malformed.
        case invalidRules
    }

    public let code: Code
    public let message: String
    /// The `errno` of the failed system call, if any.
    public let systemError: Int32?

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
