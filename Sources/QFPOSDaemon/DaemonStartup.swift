import Foundation
import Logging

/// Everything `qfposd` does before serving: load and validate the configuration, read the
/// key, set up logging, build the libraries behind the seams, and make the ``Daemon``.
public struct DaemonStartup: Sendable {
    public let daemon: Daemon
    public let configuration: DaemonConfiguration

    /// Prepares the daemon from the configuration at `configPath`.
    /// - Throws: ``DaemonError`` with what to fix; `qfposd` prints it and exits.
    public static func prepare(configPath: String, environment: [String: String]) async throws -> DaemonStartup {
        let (configuration, problems) = try await ConfigurationLoader.load(path: configPath, environment: environment)
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = JournaldLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "qfposd")
        for problem in problems where problem.severity == .warning {
            logger.warning("configuration: \(problem.key): \(problem.message)")
        }
        let errors = problems.filter { $0.severity == .error }
        guard errors.isEmpty else {
            throw DaemonError(
                .configurationInvalid,
                "invalid configuration (run qfposd --check-config): "
                    + errors.map(\.description).joined(separator: "; "))
        }
        let key = try QFPayKeyFile.load(configuredPath: configuration.gateway.keyFile, environment: environment)
        logger.info("QFPay key loaded", metadata: ["key.path": "\(key.path)"])
        let services = try await DaemonServices.make(configuration: configuration, key: key, logger: logger)
        let daemon = Daemon(
            configuration: configuration, environment: environment, logger: logger,
            sales: services.sales, devices: services.devices,
            reloadConfiguration: {
                let (fresh, problems) = try await ConfigurationLoader.load(path: configPath, environment: environment)
                if let error = problems.first(where: { $0.severity == .error }) {
                    throw DaemonError(.configurationInvalid, error.description)
                }
                return fresh
            })
        return DaemonStartup(daemon: daemon, configuration: configuration)
    }
}

/// The libraries behind the daemon's seams, built from the configuration.
struct DaemonServices: Sendable {
    var sales: (any SalesPort)?
    var devices: (any DevicesPort)?

    static func make(configuration: DaemonConfiguration, key: QFPayKeyFile, logger: Logger) async throws
        -> DaemonServices
    {
        DaemonServices(sales: nil, devices: nil)
    }
}
