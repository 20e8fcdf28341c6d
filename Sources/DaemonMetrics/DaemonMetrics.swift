import Foundation
import Metrics
import Prometheus
import QFPay
import Synchronization

/// qfposd's metrics: swift-metrics counters, gauges and timers on swift-prometheus' registry,
/// exported in Prometheus' text format. The daemon feeds it from a few hook points (sale
/// updates, device events, the QFPay client's and the journal's observers) and refreshes the
/// gauges of current state (printers, budget, connections) at each scrape.
///
/// The factory is passed to each metric rather than bootstrapped into `MetricsSystem`: several
/// daemons in one test process each keep their own registry, and without metrics nothing is made.
public final class DaemonMetrics: Sendable {
    /// One lane's printer as the gauges show it.
    public struct PrinterState: Sendable, Hashable {
        public var lane: String
        /// `ready`, `paper-near-end`, `paper-out`, `cover-open`, `error`, `offline`, `unreachable`.
        public var state: String
        public var queuedJobs: Int

        public init(lane: String, state: String, queuedJobs: Int) {
            self.lane = lane
            self.state = state
            self.queuedJobs = queuedJobs
        }
    }

    /// The printer states the state-set gauge has a series for.
    public static let printerStates = [
        "ready", "paper-near-end", "paper-out", "cover-open", "error", "offline", "unreachable",
    ]

    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let sales = Mutex(SaleOutcomes())
    // The metrics without labels, or with fixed ones, made once: the journal's commit observer
    // runs on its writer queue, and a lookup in the registry takes its lock and allocates.
    private let journalCommits: Metrics.Timer
    private let gatewayReachable: Metrics.Gauge
    private let gatewayLastAnswer: Metrics.Gauge
    private let controlConnections: Metrics.Gauge
    private let salesNeedingAttention: Metrics.Gauge

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            MetricName.gatewayRequestDuration: [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 20000].map {
                .milliseconds($0)
            },
            MetricName.journalCommitDuration: [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000].map {
                .microseconds(Int64($0 * 1000))
            },
        ]
        self.factory = factory
        journalCommits = Timer(label: MetricName.journalCommitDuration, factory: factory)
        gatewayReachable = Gauge(label: MetricName.gatewayReachable, factory: factory)
        gatewayLastAnswer = Gauge(label: MetricName.gatewayLastAnswer, factory: factory)
        controlConnections = Gauge(label: MetricName.controlConnections, factory: factory)
        salesNeedingAttention = Gauge(label: MetricName.salesNeedingAttention, factory: factory)
        gatewayReachable.record(0)
    }

    /// Sets `qfpos_build_info` to 1 with `labels` (`version` and the loaded libraries'); once.
    public func setBuildInfo(_ labels: [(String, String)]) {
        Gauge(label: MetricName.buildInfo, dimensions: labels, factory: factory).record(1)
    }

    // MARK: - Events

    /// A sale changed: counts it once per final state it reaches, once when it needs attention
    /// (its outcome stayed unknown after every recovery step), and once when such a sale settles.
    public func saleChanged(id: String, state: String, mode: String, isFinal: Bool) {
        let change = sales.withLock { $0.record(id: id, state: state) }
        guard let change else { return }
        if state == "needs_attention" {
            Counter(label: MetricName.salesOutcomeUnknown, dimensions: [("mode", mode)], factory: factory).increment()
        }
        guard isFinal else { return }
        Counter(label: MetricName.sales, dimensions: [("state", state), ("mode", mode)], factory: factory).increment()
        if change.previous == "needs_attention" {
            Counter(label: MetricName.salesRecovered, dimensions: [("state", state)], factory: factory).increment()
        }
    }

    /// A QFPay request ended.
    public func gatewayExchanged(_ exchange: GatewayExchange) {
        let respcdClass: String
        switch exchange.outcome {
        case .answered(_, let classification): respcdClass = Self.snakeCase(classification.rawValue)
        case .notSent(let respcd): respcdClass = respcd == nil ? "not_sent" : "rejected"
        case .unknown(let reason):
            respcdClass = "no_answer"
            Counter(
                label: MetricName.gatewayUnknownOutcomes,
                dimensions: [("endpoint", exchange.endpoint), ("reason", reason.rawValue)], factory: factory
            ).increment()
        }
        Counter(
            label: MetricName.gatewayRequests,
            dimensions: [("endpoint", exchange.endpoint), ("respcd_class", respcdClass)], factory: factory
        ).increment()
        if case .notSent(nil) = exchange.outcome { return }
        Timer(label: MetricName.gatewayRequestDuration, dimensions: [("endpoint", exchange.endpoint)], factory: factory)
            .record(duration: exchange.duration)
        let reached = exchange.reachedGateway
        gatewayReachable.record(reached ? 1 : 0)
        if reached { gatewayLastAnswer.record(exchange.finishedAt.timeIntervalSince1970) }
    }

    /// A journal commit took `duration`.
    public func journalCommitted(_ duration: Duration) {
        journalCommits.record(duration: duration)
    }

    /// A scanner read a code on `lane` (`payment_code`, `product_barcode`, `not_payment_code`).
    public func scanned(lane: String, kind: String) {
        Counter(label: MetricName.scans, dimensions: [("lane", lane), ("kind", kind)], factory: factory).increment()
    }

    /// A scanner or printer came (`added`) or went (`removed`).
    public func deviceChanged(event: String, role: String) {
        Counter(label: MetricName.deviceEvents, dimensions: [("event", event), ("role", role)], factory: factory)
            .increment()
    }

    // MARK: - State, refreshed at each scrape

    public func setPrinters(_ printers: [PrinterState]) {
        for printer in printers {
            let lane = [("lane", printer.lane)]
            let online = printer.state == "ready" || printer.state == "paper-near-end"
            Gauge(label: MetricName.printerOnline, dimensions: lane, factory: factory).record(online ? 1 : 0)
            Gauge(label: MetricName.printerQueuedJobs, dimensions: lane, factory: factory).record(printer.queuedJobs)
            for state in Self.printerStates {
                Gauge(label: MetricName.printerStatus, dimensions: lane + [("status", state)], factory: factory)
                    .record(state == printer.state ? 1 : 0)
            }
        }
    }

    public func setBudget(_ remaining: RequestBudget.Remaining) {
        Gauge(label: MetricName.budgetRemaining, dimensions: [("window", "second")], factory: factory)
            .record(remaining.second)
        Gauge(label: MetricName.budgetRemaining, dimensions: [("window", "minute")], factory: factory)
            .record(remaining.minute)
    }

    public func setControlConnections(_ count: Int) {
        controlConnections.record(count)
    }

    public func setSalesNeedingAttention(_ count: Int) {
        salesNeedingAttention.record(count)
    }

    public func setJournalSize(databaseBytes: Int64, logBytes: Int64) {
        Gauge(label: MetricName.journalBytes, dimensions: [("file", "database")], factory: factory)
            .record(databaseBytes)
        Gauge(label: MetricName.journalBytes, dimensions: [("file", "wal")], factory: factory).record(logBytes)
    }

    /// Everything, in Prometheus' text exposition format (version 0.0.4).
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    /// The content type of ``exposition()``.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
        return result
    }
}

/// The last state seen of recent sales, so that a repeated update is not counted twice. Bounded:
/// the oldest sales are forgotten first (a sale forgotten and updated again counts again).
struct SaleOutcomes {
    struct Change {
        var previous: String?
    }

    static let capacity = 2048
    private var states: [String: String] = [:]
    private var order: [String] = []

    /// Records `state`; nil when it is the state already seen.
    mutating func record(id: String, state: String) -> Change? {
        let previous = states[id]
        guard previous != state else { return nil }
        if previous == nil {
            order.append(id)
            if order.count > Self.capacity {
                for forgotten in order.prefix(Self.capacity / 2) { states[forgotten] = nil }
                order.removeFirst(Self.capacity / 2)
            }
        }
        states[id] = state
        return Change(previous: previous)
    }
}
