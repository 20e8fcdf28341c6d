/// `qfposd --check-config`: loads the configuration and the key file the way the daemon
/// would, and explains every problem with the key it concerns. Never prints the key.
public enum ConfigurationCheck {
    /// The result of a check.
    public struct Report: Sendable {
        /// The text to print.
        public var text: String
        /// False when the daemon would refuse to start.
        public var isValid: Bool
    }

    /// Checks the file at `configPath` with `environment`'s overrides and key location.
    public static func run(configPath: String, environment: [String: String]) async -> Report {
        var lines: [String] = ["checking \(configPath)"]
        let configuration: DaemonConfiguration
        var problems: [ConfigurationProblem]
        do {
            (configuration, problems) = try await ConfigurationLoader.load(path: configPath, environment: environment)
        } catch {
            return Report(text: "error: \(error)\n", isValid: false)
        }
        do {
            let key = try QFPayKeyFile.load(configuredPath: configuration.gateway.keyFile, environment: environment)
            lines.append("key file: \(key.path) (permissions ok, \(key.key.count) characters)")
        } catch {
            problems.append(ConfigurationProblem(.error, key: "gateway.key_file", error.message))
        }
        lines.append("gateway: \(configuration.gateway.environment) at \(configuration.gateway.baseURL)")
        lines.append(
            "control socket: \(configuration.control.socketPath)"
                + (configuration.control.group.map { " (group \($0))" } ?? ""))
        lines.append("journal: \(configuration.journalPath)")
        for lane in configuration.lanes {
            let scanner = lane.scanner.map { $0.path ?? $0.match ?? "" } ?? "none"
            let printer = lane.printer.map { $0.path ?? $0.match ?? "" } ?? "none"
            lines.append("lane \(lane.id): scanner \(scanner), printer \(printer)")
        }
        lines += problems.map(\.description)
        let errors = problems.filter { $0.severity == .error }.count
        lines.append(errors == 0 ? "configuration OK" : "\(errors) error(s): qfposd would not start")
        return Report(text: lines.joined(separator: "\n") + "\n", isValid: errors == 0)
    }
}
