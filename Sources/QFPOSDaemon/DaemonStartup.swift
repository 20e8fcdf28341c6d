import ControlProtocol
import Foundation
import Logging
import Payments
import QFPay

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
        let services = try await DaemonServices.make(
            configuration: configuration, key: key, logger: logger,
            journalFailed: { error in
                // Fail-stop (docs/payments.md, "A journal write fails"): systemd restarts qfposd
                // (Restart=on-failure) and recovery asks the gateway about every unfinished sale.
                logger.critical(
                    "journal write failed: exiting with status \(DaemonExitStatus.journalWriteFailed) so that the sales resume from the journal",
                    metadata: ["error": "\(error)"])
                exit(DaemonExitStatus.journalWriteFailed)
            })
        let daemon = Daemon(
            configuration: configuration, environment: environment, logger: logger,
            sales: services.sales, devices: services.devices, monitoring: services.monitoring,
            reloadConfiguration: {
                let (fresh, problems) = try await ConfigurationLoader.load(path: configPath, environment: environment)
                if let error = problems.first(where: { $0.severity == .error }) {
                    throw DaemonError(.configurationInvalid, error.description)
                }
                return fresh
            })
        // The metrics' and the status page's listeners: a port that cannot be bound stops the start.
        try await services.monitoring?.start()
        return DaemonStartup(daemon: daemon, configuration: configuration)
    }
}

/// The libraries behind the daemon's seams, built from the configuration: the QFPay client
/// and gateway, the journal, the payment pipeline (recovering unfinished sales at once), lane
/// devices whose scans go to the pipeline, and lane printers.
public struct DaemonServices: Sendable {
    public var sales: (any SalesPort)?
    public var devices: (any DevicesPort)?
    /// The pipeline, for whoever needs more than the seam (benchmarks).
    public var pipeline: PaymentPipeline?
    /// The metrics and the status page, when the configuration enables either.
    public var monitoring: DaemonMonitoring?

    /// Builds the services; unfinished sales in the journal start recovering immediately.
    /// - Parameters:
    ///   - policy: overrides the pipeline's timing (tests and benchmarks).
    ///   - clock: overrides the pipeline's clock (tests of month boundaries and long windows).
    ///   - journalFailed: called once a journal append failed and the pipeline stopped (qfposd
    ///     exits there); nil leaves the stopped pipeline refusing sales.
    public static func make(
        configuration: DaemonConfiguration, key: QFPayKeyFile, logger: Logger, policy: SalePolicy? = nil,
        clock: (any PipelineClock)? = nil, journalFailed: (@Sendable (PaymentsError) -> Void)? = nil
    ) async throws -> DaemonServices {
        guard let baseURL = URL(string: configuration.gateway.baseURL) else {
            throw DaemonError(.configurationInvalid, "gateway.base_url is not a URL")
        }
        let environment: QFPayConfiguration.Environment =
            switch configuration.gateway.environment {
            case "production": .production
            case "test": .test
            default: .custom(baseURL)
            }
        let timeout = Duration.milliseconds(Int64(configuration.gateway.timeoutSeconds * 1000))
        let qfpay = QFPayConfiguration(
            environment: configuration.gateway.baseURL == environment.baseURL.absoluteString
                ? environment : .custom(baseURL),
            appCode: configuration.gateway.appCode, key: Secret(key.key), merchantID: configuration.gateway.merchantID,
            connectTimeout: min(timeout, .seconds(5)), requestTimeout: timeout,
            defaultGoodsName: configuration.payments.defaultGoodsName)
        // QFPay allows 100 requests a second and 400 a minute per merchant, shared by every lane
        // (the strict sandbox enforces the same; a benchmark's configuration may raise them).
        let budget = RequestBudget(
            requestsPerSecond: configuration.gateway.requestsPerSecond,
            requestsPerMinute: configuration.gateway.requestsPerMinute)
        var clientLogger = logger
        clientLogger[metadataKey: "component"] = "qfpay"
        let monitoring = try DaemonMonitoring.make(configuration: configuration, logger: logger)
        var observer: (@Sendable (GatewayExchange) -> Void)?
        if let monitoring { observer = { monitoring.gatewayExchanged($0) } }
        let gateway = QFPayGateway(
            client: QFPayClient(configuration: qfpay, budget: budget, logger: clientLogger, observer: observer))
        let journal: Journal
        do {
            journal = try Journal(path: configuration.journalPath)
        } catch {
            throw DaemonError(.startFailed, "cannot open the journal \(configuration.journalPath)", underlying: error)
        }
        if let metrics = monitoring?.metrics { journal.observeCommits { metrics.journalCommitted($0) } }
        let devices = LaneDevices(configuration: configuration, logger: logger)
        let printer = LanePrinter(configuration: configuration, logger: logger) { [weak devices] in
            devices?.publish($0)
        }
        let payments = configuration.payments
        let interval = payments.pollIntervalSeconds
        let low = interval.first ?? 2
        let high = interval.last ?? low
        let schedule = stride(from: low, through: high, by: max((high - low) / 3, 0.001)).map {
            Duration.milliseconds(Int64($0 * 1000))
        }
        let salePolicy =
            policy
            ?? SalePolicy(
                scanTimeout: .milliseconds(Int64(payments.scanTimeoutSeconds * 1000)),
                pollSchedule: schedule.isEmpty ? [.seconds(2)] : schedule,
                pendingWindow: .milliseconds(Int64(payments.pollWindowSeconds * 1000)),
                qrExpiry: .milliseconds(Int64(payments.qrExpirySeconds * 1000)),
                followUpDuration: .milliseconds(Int64(payments.followUpMinutes * 60_000)))
        var pipelineLogger = logger
        pipelineLogger[metadataKey: "component"] = "payments"
        let pipeline = PaymentPipeline(
            journal: journal, gateway: gateway,
            configuration: PaymentPipeline.Configuration(
                policy: salePolicy, clock: clock ?? SystemPipelineClock(), printer: printer, logger: pipelineLogger,
                whenIdle: { MemoryTrimmer.shared.requestTrim() }, journalFailed: journalFailed))
        // Raw bills are kept beside the journal (the unit's one writable directory), for technicians.
        let billDirectory = URL(fileURLWithPath: configuration.journalPath).deletingLastPathComponent()
            .appendingPathComponent("trade-bills").path
        let reconciler = Reconciler(journal: journal, gateway: gateway, billDirectory: billDirectory)
        let sales = PipelineSalesPort(
            pipeline: pipeline, defaultLane: PipelineSalesPort.defaultLane(of: configuration), printers: printer,
            reconcile: { date in
                let report = try await reconciler.reconcile(date: date)
                // A sale that needs attention is asked about again now, not only on its slow schedule.
                await pipeline.recheckSalesNeedingAttention()
                return Self.reportJSON(report)
            })
        if configuration.notifyListener.enabled {
            var notifyLogger = logger
            notifyLogger[metadataKey: "component"] = "notifications"
            let listener = configuration.notifyListener
            do {
                let started = try await NotificationListener.start(
                    host: listener.host, port: listener.port, key: Secret(key.key), journal: journal,
                    pipeline: pipeline,
                    limits: NotificationListener.Limits(
                        maximumConnections: listener.maximumConnections,
                        readTimeout: .milliseconds(Int64(listener.readTimeoutSeconds * 1000))),
                    logger: notifyLogger)
                logger.notice(
                    "QFPay notification listener started",
                    metadata: ["notify.host": "\(listener.host)", "notify.port": "\(started.port)"])
            } catch {
                throw DaemonError(
                    .startFailed, "cannot listen for QFPay notifications on \(listener.host):\(listener.port)",
                    underlying: error)
            }
        }
        devices.routeScans(on: pipeline.taskExecutor) { lane, code in
            do {
                _ = try await pipeline.provideScan(lane: lane, code: code)
            } catch {
                logger.notice("scan not taken", metadata: ["lane": "\(lane)", "error": "\(error)"])
            }
        }
        Task {
            do {
                try await pipeline.recover()
            } catch {
                logger.error("recovery of unfinished sales failed", metadata: ["error": "\(error)"])
            }
        }
        monitoring?.attach(journal: journal, budget: budget, printer: printer, devices: devices)
        monitoring?.attach(sales: sales)
        return DaemonServices(sales: sales, devices: devices, pipeline: pipeline, monitoring: monitoring)
    }

    /// The `reconcile.run` result: counts, each category's lines, and the report as a table and CSV.
    static func reportJSON(_ report: ReconciliationReport) -> JSONValue {
        func lines(_ lines: [ReconciliationReport.Line]) -> JSONValue {
            .array(
                lines.map { line in
                    var fields: [String: JSONValue] = ["out_trade_no": .string(line.outTradeNo)]
                    if let saleID = line.saleID { fields["sale_id"] = .string(saleID) }
                    if let syssn = line.syssn { fields["syssn"] = .string(syssn) }
                    if let amount = line.localAmount { fields["local_amount"] = .integer(Int64(amount)) }
                    if let amount = line.gatewayAmount { fields["gateway_amount"] = .integer(Int64(amount)) }
                    if let status = line.status { fields["status"] = .string(status.rawValue) }
                    return .object(fields)
                })
        }
        return [
            "date": .string(report.date), "clean": .bool(report.isClean),
            "matched": lines(report.matched), "only_local": lines(report.onlyLocal),
            "only_gateway": lines(report.onlyGateway), "amount_mismatches": lines(report.amountMismatches),
            "table": .string(report.table()), "csv": .string(report.csv()),
        ]
    }
}

/// qfposd's exit statuses beyond 0, for systemd and technicians (docs/payments.md, the unit file).
public enum DaemonExitStatus {
    /// EX_USAGE: a wrong command line.
    public static let usage: Int32 = 64
    /// EX_IOERR: a journal write failed; qfposd stopped so that a restart resumes every sale from
    /// the journal by asking the gateway.
    public static let journalWriteFailed: Int32 = 74
    /// EX_CONFIG: the configuration or the key is invalid or missing (`--check-config` explains).
    /// A restart cannot fix it: the unit's `RestartPreventExitStatus=78` stops systemd retrying.
    public static let configurationInvalid: Int32 = 78

    /// The status `qfposd` exits with when ``DaemonStartup/prepare(configPath:environment:)``
    /// threw `error`: EX_CONFIG for the configuration and the key, EXIT_FAILURE (systemd tries
    /// again) for the rest, such as a journal that cannot be opened yet or a busy port.
    public static func forStartFailure(_ error: any Error) -> Int32 {
        switch (error as? DaemonError)?.code {
        case .configurationInvalid, .keyFileMissing, .keyFileInsecure, .keyFileInvalid: configurationInvalid
        default: EXIT_FAILURE
        }
    }
}
