import Configuration
import Devices
import Foundation
import QFPay
import Synchronization

/// Reads ``DaemonConfiguration`` from the YAML file with Apple's swift-configuration, with
/// environment overrides on top: every key can be overridden by `QFPOS_` followed by the key in
/// upper case with dots and dashes as underscores (`control.socket_path` → `QFPOS_CONTROL_SOCKET_PATH`).
/// Values that are present but unusable become ``ConfigurationProblem``s, not silent defaults.
public enum ConfigurationLoader {
    /// The prefix of environment overrides.
    public static let environmentPrefix = "QFPOS_"

    /// Loads the configuration at `path`.
    /// - Parameters:
    ///   - environment: the process environment (only `QFPOS_*` variables are used).
    ///   - allowMissingFile: when true, a missing file means "all defaults" (used by `--list-devices`).
    /// - Returns: the configuration and every problem found; check for `.error` problems before using it.
    /// - Throws: ``DaemonError`` when the file cannot be read or is not valid YAML.
    public static func load(
        path: String, environment: [String: String], allowMissingFile: Bool = false
    ) async throws(DaemonError) -> (DaemonConfiguration, [ConfigurationProblem]) {
        let overrides = Dictionary(
            uniqueKeysWithValues: environment.compactMap { name, value in
                name.hasPrefix(environmentPrefix) ? (String(name.dropFirst(environmentPrefix.count)), value) : nil
            })
        let file: FileProvider<YAMLFileSnapshot>
        do {
            let pathReader = ConfigReader(
                provider: InMemoryProvider(values: [
                    "filePath": ConfigValue(.string(path), isSecret: false),
                    "allowMissing": ConfigValue(.bool(allowMissingFile), isSecret: false),
                ]))
            file = try await FileProvider<YAMLFileSnapshot>(config: pathReader)
        } catch {
            if !allowMissingFile, !FileManager.default.fileExists(atPath: path) {
                throw DaemonError(.configurationInvalid, "the configuration file \(path) does not exist")
            }
            throw DaemonError(.configurationInvalid, "cannot read the configuration file \(path)", underlying: error)
        }
        let collector = ProblemCollector()
        let reader = ConfigReader(
            providers: [EnvironmentVariablesProvider(environmentVariables: overrides), file],
            accessReporter: collector)
        var configuration = read(reader, problems: collector)
        validate(&configuration, problems: collector)
        return (configuration, collector.problems)
    }

    // MARK: - Reading

    private static func read(_ config: ConfigReader, problems: ProblemCollector) -> DaemonConfiguration {
        let environment = config.string(forKey: "gateway.environment", default: "production")
        let baseURL =
            config.string(forKey: "gateway.base_url") ?? DaemonConfiguration.gatewayURLs[environment] ?? ""
        let gateway = DaemonConfiguration.Gateway(
            environment: environment,
            baseURL: baseURL,
            appCode: config.string(forKey: "gateway.app_code", default: ""),
            merchantID: config.string(forKey: "gateway.mchid"),
            keyFile: config.string(forKey: "gateway.key_file"),
            timeoutSeconds: config.double(forKey: "gateway.timeout_seconds", default: 15),
            requestsPerSecond: config.int(forKey: "gateway.requests_per_second", default: 100),
            requestsPerMinute: config.int(forKey: "gateway.requests_per_minute", default: 400))
        let shop = DaemonConfiguration.Shop(
            name: config.string(forKey: "shop.name", default: ""),
            address: config.string(forKey: "shop.address"),
            phone: config.string(forKey: "shop.phone"))
        let laneIDs = config.stringArray(forKey: "lanes.ids", default: [])
        let lanes = laneIDs.map { id in
            DaemonConfiguration.Lane(
                id: id,
                scanner: device(config.scoped(to: ConfigKey(["lanes", id, "scanner"]))),
                printer: device(config.scoped(to: ConfigKey(["lanes", id, "printer"]))))
        }
        let interval = config.string(forKey: "payments.poll_interval_seconds", default: "2-5")
        let payments = DaemonConfiguration.Payments(
            pollIntervalSeconds: parseInterval(interval, problems: problems),
            pollWindowSeconds: config.double(forKey: "payments.poll_window_seconds", default: 120),
            scanTimeoutSeconds: config.double(forKey: "payments.scan_timeout_seconds", default: 60),
            qrExpirySeconds: config.double(forKey: "payments.qr_expiry_seconds", default: 1800),
            defaultGoodsName: config.string(
                forKey: "payments.default_goods_name", default: QFPayConfiguration.standardGoodsName),
            followUpMinutes: config.double(forKey: "payments.follow_up_minutes", default: 30))
        let control = DaemonConfiguration.Control(
            socketPath: config.string(forKey: "control.socket_path", default: DaemonConfiguration.defaultSocketPath),
            group: config.string(forKey: "control.group"),
            allowedUIDs: config.intArray(forKey: "control.allowed_uids").map {
                uids($0, key: "control.allowed_uids", problems: problems)
            },
            readOnlyUIDs: uids(
                config.intArray(forKey: "control.read_only_uids", default: []), key: "control.read_only_uids",
                problems: problems),
            maximumConnections: config.int(forKey: "control.max_connections", default: 64),
            maximumConnectionsPerUID: config.int(forKey: "control.max_connections_per_uid"),
            idleTimeoutSeconds: config.double(forKey: "control.idle_timeout_seconds", default: 300))
        let listener = DaemonConfiguration.NotifyListener(
            enabled: config.bool(forKey: "notify_listener.enabled", default: false),
            host: config.string(forKey: "notify_listener.host", default: "127.0.0.1"),
            port: config.int(forKey: "notify_listener.port", default: 8089),
            maximumConnections: config.int(forKey: "notify_listener.max_connections", default: 32),
            readTimeoutSeconds: config.double(forKey: "notify_listener.read_timeout_seconds", default: 10))
        return DaemonConfiguration(
            gateway: gateway, shop: shop, lanes: lanes, payments: payments,
            journalPath: config.string(forKey: "journal.path", default: "/var/lib/qfpos/journal.sqlite"),
            control: control, notifyListener: listener,
            logLevel: config.string(forKey: "log.level", default: "info"),
            metrics: httpListener(config.scoped(to: ConfigKey(["metrics"]))),
            statusPage: httpListener(config.scoped(to: ConfigKey(["status_page"]))))
    }

    private static func httpListener(_ config: ConfigReader) -> DaemonConfiguration.HTTPListener {
        DaemonConfiguration.HTTPListener(
            enabled: config.bool(forKey: "enabled", default: false),
            listen: config.string(forKey: "listen", default: DaemonConfiguration.defaultHTTPListen),
            basicAuthUser: config.string(forKey: "basic_auth_user", default: "technician"),
            basicAuthPasswordHash: config.string(forKey: "basic_auth_password_hash", isSecret: true))
    }

    private static func device(_ config: ConfigReader) -> DaemonConfiguration.DeviceSpec? {
        let spec = DaemonConfiguration.DeviceSpec(
            path: config.string(forKey: "path"),
            match: config.string(forKey: "match"),
            baud: config.int(forKey: "baud"),
            suffix: config.string(forKey: "suffix"),
            layout: config.string(forKey: "layout"),
            profile: config.string(forKey: "profile"),
            previewPath: config.string(forKey: "preview_path"))
        return spec.path == nil && spec.match == nil ? nil : spec
    }

    /// Uids as numbers: a value that is no uid (negative, or (uid_t)-1 and above) is a problem,
    /// never clamped to another uid. (A name such as `till` is refused as the wrong type.)
    private static func uids(_ values: [Int], key: String, problems: ProblemCollector) -> [UInt32] {
        values.compactMap { value in
            guard (0..<Int(UInt32.max)).contains(value) else {
                problems.add(.error, key: key, "\(value) is not a uid (0 to \(UInt32.max - 1))")
                return nil
            }
            return UInt32(value)
        }
    }

    /// Parses `3` or `2-5` (seconds) into the poll schedule's bounds.
    private static func parseInterval(_ text: String, problems: ProblemCollector) -> [Double] {
        let parts = text.split(separator: "-").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.count <= 2, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
            problems.add(
                .error, key: "payments.poll_interval_seconds",
                "must be seconds (\"3\") or a range (\"2-5\"), got \(text.debugDescription)")
            return [2, 5]
        }
        return parts.compactMap { $0 }
    }

    // MARK: - Validation

    private static func validate(_ configuration: inout DaemonConfiguration, problems: ProblemCollector) {
        let gateway = configuration.gateway
        if !["production", "test", "sandbox"].contains(gateway.environment) {
            problems.add(
                .error, key: "gateway.environment",
                "must be production, test or sandbox, got \(gateway.environment.debugDescription)")
        }
        if URL(string: gateway.baseURL)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            problems.add(.error, key: "gateway.base_url", "must be an http(s) URL; set it for the sandbox environment")
        } else if gateway.environment == "production", !gateway.baseURL.hasPrefix("https://") {
            problems.add(.error, key: "gateway.base_url", "production must use https")
        }
        if gateway.appCode.isEmpty {
            problems.add(.error, key: "gateway.app_code", "is required (QFPay's app code for this merchant)")
        } else if gateway.appCode == DaemonConfiguration.exampleAppCode {
            // The shipped /etc/qfpos/qfposd.yaml: qfposd waits for the shop's own code.
            problems.add(
                .error, key: "gateway.app_code",
                "is still the example's placeholder: put QFPay's app code for this merchant")
        }
        if gateway.timeoutSeconds <= 0 {
            problems.add(.error, key: "gateway.timeout_seconds", "must be positive")
        }
        if gateway.requestsPerSecond < 1 || gateway.requestsPerMinute < 1 {
            problems.add(.error, key: "gateway.requests_per_minute", "the request budget must be at least 1")
        } else if gateway.environment != "sandbox", gateway.requestsPerSecond > 100 || gateway.requestsPerMinute > 400 {
            problems.add(
                .warning, key: "gateway.requests_per_minute",
                "is above QFPay's published 100 a second and 400 a minute: the gateway will answer HTTP 429")
        }
        if configuration.shop.name.isEmpty {
            problems.add(.warning, key: "shop.name", "is empty; receipts will carry no shop name")
        }
        if configuration.lanes.isEmpty {
            problems.add(
                .warning, key: "lanes.ids", "no lanes: the daemon can take dynamic-QR sales shown by the till only")
        }
        var seen = Set<String>()
        for lane in configuration.lanes {
            if !seen.insert(lane.id).inserted {
                problems.add(.error, key: "lanes.ids", "lane \(lane.id.debugDescription) is listed twice")
            }
            if lane.id.isEmpty || lane.id.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
                problems.add(
                    .error, key: "lanes.ids", "lane id \(lane.id.debugDescription) must be letters, digits, - or _")
            }
            for (role, spec) in [("scanner", lane.scanner), ("printer", lane.printer)] {
                guard let match = spec?.match, spec?.path == nil else { continue }
                let kind = match.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
                if !["usb", "serial", "path"].contains(kind) || !match.contains(":") {
                    problems.add(
                        .error, key: "lanes.\(lane.id).\(role).match",
                        "must be usb:VVVV[:PPPP], serial:NUMBER or path:/dev/..., got \(match.debugDescription)")
                }
            }
            if lane.scanner == nil {
                problems.add(.warning, key: "lanes.\(lane.id).scanner", "no scanner: set path or match")
            }
            if lane.printer == nil {
                problems.add(.warning, key: "lanes.\(lane.id).printer", "no printer: receipts will not be printed")
            }
        }
        let payments = configuration.payments
        if let low = payments.pollIntervalSeconds.first, let high = payments.pollIntervalSeconds.last, low > high {
            problems.add(.error, key: "payments.poll_interval_seconds", "the range's low bound is above its high bound")
        }
        if payments.pollWindowSeconds < 15 {
            problems.add(
                .error, key: "payments.poll_window_seconds",
                "must be at least 15 s: an order must not be closed earlier than 15 s after it was created")
        }
        if payments.scanTimeoutSeconds <= 0 {
            problems.add(.error, key: "payments.scan_timeout_seconds", "must be positive")
        }
        do { try PaymentRequest.validate(goodsName: payments.defaultGoodsName) } catch {
            problems.add(
                .error, key: "payments.default_goods_name",
                "\(error.message) (QFPay's rule \(error.rule ?? "goods_name"): at most 20 bytes of UTF-8, "
                    + "no special characters)")
        }
        if payments.followUpMinutes < 30 {
            problems.add(
                .warning, key: "payments.follow_up_minutes",
                "is under 30: a customer may still pay an order the gateway could not close after that")
        }
        if payments.followUpMinutes <= 0 {
            problems.add(.error, key: "payments.follow_up_minutes", "must be positive")
        }
        if payments.qrExpirySeconds <= 0 || payments.qrExpirySeconds > 7200 {
            problems.add(.error, key: "payments.qr_expiry_seconds", "must be between 1 and 7200")
        }
        if !configuration.journalPath.hasPrefix("/") {
            problems.add(.error, key: "journal.path", "must be an absolute path")
        }
        let socketPath = configuration.control.socketPath
        if !socketPath.hasPrefix("/") {
            problems.add(.error, key: "control.socket_path", "must be an absolute path")
        } else if socketPath.utf8.count >= 108 {
            problems.add(.error, key: "control.socket_path", "is longer than a Unix socket path may be (107 bytes)")
        }
        if let group = configuration.control.group, group == UdevRules.group {
            problems.add(
                .warning, key: "control.group",
                "is \(group.debugDescription), the group the udev rules give the scanners' nodes: a till user in it "
                    + "could read customers' payment codes from them; use a group of its own "
                    + "(\(DaemonConfiguration.tillGroup.debugDescription))")
        }
        if configuration.control.maximumConnections < 1 {
            problems.add(.error, key: "control.max_connections", "must be at least 1")
        }
        if let share = configuration.control.maximumConnectionsPerUID,
            !(1...max(1, configuration.control.maximumConnections)).contains(share)
        {
            problems.add(
                .error, key: "control.max_connections_per_uid", "must be between 1 and control.max_connections")
        }
        if configuration.control.idleTimeoutSeconds < 0 {
            problems.add(.error, key: "control.idle_timeout_seconds", "must be 0 (never) or positive")
        }
        let listener = configuration.notifyListener
        if !(1...65535).contains(listener.port) {
            problems.add(.error, key: "notify_listener.port", "must be a TCP port (1-65535)")
        }
        switch IPAddressKind(listener.host) {
        case .none:
            problems.add(
                .error, key: "notify_listener.host",
                "must be an IP address of this machine (127.0.0.1 behind the reverse proxy), got "
                    + listener.host.debugDescription)
        case .wildcard?, .other?:
            if listener.enabled {
                problems.add(
                    .warning, key: "notify_listener.host",
                    "\(listener.host) is reachable from the network: QFPay calls the shop's reverse proxy, which "
                        + "forwards to 127.0.0.1; anyone else who reaches this port costs the daemon work")
            }
        case .loopback?: break
        }
        if listener.maximumConnections < 1 {
            problems.add(.error, key: "notify_listener.max_connections", "must be at least 1")
        }
        if listener.readTimeoutSeconds <= 0 {
            problems.add(.error, key: "notify_listener.read_timeout_seconds", "must be positive")
        }
        for (key, listener) in [("metrics", configuration.metrics), ("status_page", configuration.statusPage)]
        where listener.enabled {
            do { _ = try HTTPListenerPlan.access(of: listener) } catch {
                problems.add(.error, key: "\(key).listen", error.message)
            }
        }
        if configuration.metrics.enabled, configuration.statusPage.enabled,
            configuration.metrics.listen == configuration.statusPage.listen,
            configuration.metrics.basicAuthPasswordHash != configuration.statusPage.basicAuthPasswordHash
        {
            problems.add(
                .warning, key: "metrics.basic_auth_password_hash",
                "the metrics share the status page's listener, which asks for the status page's password")
        }
        if !["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(configuration.logLevel) {
            problems.add(.error, key: "log.level", "must be trace, debug, info, notice, warning, error or critical")
        }
    }
}

/// What kind of address a listener's host is, by `inet_pton`; nil when it is no IP address (a
/// host name would be resolved at bind time, to whatever the resolver says then).
enum IPAddressKind {
    case loopback, wildcard, other

    init?(_ host: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            let first = UInt32(bigEndian: v4.s_addr) >> 24
            self = first == 127 ? .loopback : v4.s_addr == 0 ? .wildcard : .other
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            self = host == "::1" ? .loopback : host == "::" ? .wildcard : .other
        } else {
            return nil
        }
    }
}

/// Records every value that was present but could not be converted to the type asked for.
final class ProblemCollector: AccessReporter, Sendable {
    private let collected = Mutex<[ConfigurationProblem]>([])

    var problems: [ConfigurationProblem] { collected.withLock { $0 } }

    func add(_ severity: ConfigurationProblem.Severity, key: String, _ message: String) {
        collected.withLock { $0.append(ConfigurationProblem(severity, key: key, message)) }
    }

    func report(_ event: AccessEvent) {
        let key = event.metadata.key.components.joined(separator: ".")
        if event.conversionError != nil {
            add(.error, key: key, "has the wrong type: expected \(event.metadata.valueType)")
            return
        }
        if case .failure(let error) = event.result {
            add(.error, key: key, "cannot be read: \(error)")
            return
        }
        for provider in event.providerResults {
            if case .failure(let error) = provider.result {
                add(.error, key: key, "cannot be read from \(provider.providerName): \(error)")
                return
            }
        }
    }
}
