import ControlProtocol
import DaemonMetrics
import Foundation
import Logging
import Payments
import QFPay
import StatusPage
import Synchronization

/// The metrics and the status page over the daemon's parts, made only when the configuration
/// enables one of them (else nothing here exists and nothing is observed). The hook points are
/// few: the QFPay client's and the journal's observers (set when the services are built), and
/// the daemon's loops over sale updates and device events. Gauges of current state (printers,
/// budget, connections, sales needing attention, journal size) are read at each scrape.
public final class DaemonMonitoring: StatusSource {
    /// What the monitoring reads, attached once the services and the daemon exist.
    struct Parts: Sendable {
        var journal: Journal?
        var budget: RequestBudget?
        var printer: LanePrinter?
        var devices: (any DevicesPort)?
        var sales: (any SalesPort)?
        var daemonState: (@Sendable () -> (stage: String, connections: Int))?
        /// Read once: the libraries loaded do not change while qfposd runs.
        var libraries: [LoadedLibraries.Library] = []
    }

    public let metrics: DaemonMetrics?
    let configuration: DaemonConfiguration
    private let plan: HTTPListenerPlan
    private let logger: Logger
    let parts = Mutex(Parts())
    private let lastExchange = Mutex<GatewayExchange?>(nil)
    private let listeners = Mutex<[WebListener]>([])

    /// nil when neither the metrics nor the status page is enabled.
    /// - Throws: ``DaemonError`` `configurationInvalid` for a listener the access rules refuse.
    public static func make(configuration: DaemonConfiguration, logger: Logger) throws(DaemonError) -> DaemonMonitoring?
    {
        guard configuration.metrics.enabled || configuration.statusPage.enabled else { return nil }
        let plan: HTTPListenerPlan
        do { plan = try HTTPListenerPlan(configuration) } catch {
            throw DaemonError(.configurationInvalid, error.message)
        }
        return DaemonMonitoring(configuration: configuration, plan: plan, logger: logger)
    }

    private init(configuration: DaemonConfiguration, plan: HTTPListenerPlan, logger: Logger) {
        self.configuration = configuration
        self.plan = plan
        var logger = logger
        logger[metadataKey: "component"] = "monitoring"
        self.logger = logger
        self.metrics = configuration.metrics.enabled ? DaemonMetrics() : nil
    }

    func attach(journal: Journal, budget: RequestBudget, printer: LanePrinter, devices: any DevicesPort) {
        let libraries = LoadedLibraries.libraries
        parts.withLock {
            $0.journal = journal
            $0.budget = budget
            $0.printer = printer
            $0.devices = devices
            $0.libraries = libraries
        }
        metrics?.setBuildInfo([("version", Daemon.version)] + libraries.map { (Self.labelName($0.name), $0.version) })
    }

    func attach(sales: any SalesPort) { parts.withLock { $0.sales = sales } }

    func attach(daemonState: @escaping @Sendable () -> (stage: String, connections: Int)) {
        parts.withLock { $0.daemonState = daemonState }
    }

    // MARK: - Hooks

    var lastExchangeSeen: GatewayExchange? { lastExchange.withLock { $0 } }

    /// The QFPay client's observer.
    func gatewayExchanged(_ exchange: GatewayExchange) {
        lastExchange.withLock { $0 = exchange }
        metrics?.gatewayExchanged(exchange)
    }

    /// Every `sale.updated`.
    func saleUpdated(_ sale: SaleInfo) {
        metrics?.saleChanged(
            id: sale.saleID, state: sale.state.rawValue, mode: sale.mode.rawValue, isFinal: sale.isFinal)
    }

    /// Every device event (`device.added`, `device.removed`, `scan`, `printer.status`).
    func deviceEvent(_ event: EventNotification) {
        guard let metrics else { return }
        switch event.method {
        case EventName.deviceAdded, EventName.deviceRemoved:
            // A lane's scanner held by another reader is announced as removed, then added once free:
            // not a hot-plug.
            guard event.params["reason"]?.stringValue != "busy", event.params["open"]?.boolValue != true else { return }
            metrics.deviceChanged(
                event: event.method == EventName.deviceAdded ? "added" : "removed",
                role: event.params["role"]?.stringValue ?? "unknown")
        case EventName.scan:
            metrics.scanned(
                lane: event.params["lane"]?.stringValue ?? "none",
                kind: Self.scanKind(event.params["kind"]?.stringValue ?? ""))
        default:
            break
        }
    }

    /// `payment_code`, `product_barcode` or `not_payment_code`, from the scan event's `kind` (the
    /// classification's description, e.g. `payment(wallet: ..., payType: ...)`).
    static func scanKind(_ description: String) -> String {
        if description.hasPrefix("payment") { return "payment_code" }
        if description.hasPrefix("productBarcode") { return "product_barcode" }
        return "not_payment_code"
    }

    // MARK: - Listeners

    /// Binds every listener the configuration asks for; returns their ports (in plan order:
    /// the page's first).
    /// - Throws: ``DaemonError`` `startFailed` when an address cannot be bound.
    @discardableResult
    public func start() async throws(DaemonError) -> [Int] {
        var ports: [Int] = []
        for listener in plan.listeners {
            var exposition: (@Sendable () async -> [UInt8])?
            if listener.servesMetrics {
                exposition = { [weak self] in await self?.exposition() ?? [] }
            }
            let page: (any StatusSource)? = listener.servesPage ? self : nil
            let routes = StatusRoutes(
                access: listener.access, metrics: exposition, metricsContentType: DaemonMetrics.contentType,
                page: page, logger: logger)
            do throws(WebError) {
                let started = try await WebListener.start(host: listener.host, port: listener.port, logger: logger) {
                    request in await routes.respond(request)
                }
                listeners.withLock { $0.append(started) }
                ports.append(started.port)
                logger.notice(
                    "HTTP listener started",
                    metadata: [
                        "http.address": "\(listener.host):\(started.port)",
                        "http.serves":
                            "\([listener.servesPage ? "status page" : nil, listener.servesMetrics ? "metrics" : nil].compactMap { $0 }.joined(separator: ", "))",
                    ])
            } catch {
                await stop()
                throw DaemonError(.startFailed, error.message, underlying: error.underlying)
            }
        }
        return ports
    }

    /// Stops every listener.
    public func stop() async {
        for listener in listeners.withLock({ list in
            defer { list = [] }
            return list
        }) { await listener.stop() }
    }

    /// The metrics, with the gauges of current state read now.
    public func exposition() async -> [UInt8] {
        guard let metrics else { return [] }
        let parts = self.parts.withLock { $0 }
        if let printer = parts.printer {
            metrics.setPrinters(
                printer.laneStates().map {
                    DaemonMetrics.PrinterState(lane: $0.lane, state: $0.state, queuedJobs: $0.queuedJobs)
                })
        }
        if let budget = parts.budget { metrics.setBudget(budget.remaining) }
        if let state = parts.daemonState?() { metrics.setControlConnections(state.connections) }
        if let journal = parts.journal {
            if let attention = try? journal.summaries(statuses: [.needsAttention]) {
                metrics.setSalesNeedingAttention(attention.count)
            }
            let usage = journal.diskUsage
            metrics.setJournalSize(databaseBytes: usage.databaseBytes, logBytes: usage.logBytes)
        }
        return metrics.exposition()
    }

    /// `openssl` → `openssl_version`: a valid, self-describing label name.
    static func labelName(_ library: String) -> String { library + "_version" }
}
