/// One thing wrong (or worth a warning) in the configuration, found by ``ConfigurationLoader``
/// and shown by `qfposd --check-config` with the key it concerns and how to fix it.
public struct ConfigurationProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error, warning
    }

    public var severity: Severity
    /// The dotted key, e.g. `control.socket_path`.
    public var key: String
    /// What is wrong and what to do.
    public var message: String

    public init(_ severity: Severity, key: String, _ message: String) {
        self.severity = severity
        self.key = key
        self.message = message
    }

    public var description: String { "\(severity.rawValue): \(key): \(message)" }
}
