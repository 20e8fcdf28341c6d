import BuildVersion
import ControlProtocol
import Foundation
import LatencyTrace
import Logging
import Synchronization

/// The running daemon: the control socket (inherited from systemd or its own), the event
/// fan-out, systemd notifications (READY, STATUS, WATCHDOG, STOPPING, RELOADING) and the
/// stop/reload commands, wired over the payment and device seams. It holds no business logic.
public final class Daemon: Sendable {
    /// Commands the process sends the daemon (from SIGTERM, SIGINT, SIGHUP).
    public enum Command: Sendable {
        /// Drain and stop: no new sales, wait for in-flight steps, close.
        case stop
        /// Re-read the configuration and reload devices and lanes.
        case reload
    }

    /// The daemon's life stage, shown by `daemon.status`.
    public enum Stage: String, Sendable {
        case starting, running, reloading, draining
    }

    /// The version reported by `daemon.status`.
    public static let version = BuildVersion.version

    private let configuration: Mutex<DaemonConfiguration>
    private let environment: [String: String]
    private let logger: Logger
    private let sales: (any SalesPort)?
    private let devices: (any DevicesPort)?
    private let monitoring: DaemonMonitoring?
    private let reloadConfiguration: @Sendable () async throws -> DaemonConfiguration
    private let notifier: SystemdNotifier
    private let events: EventHub
    private let commands: AsyncStream<Command>
    private let commandContinuation: AsyncStream<Command>.Continuation
    private let state = Mutex<
        (stage: Stage, startedAt: ContinuousClock.Instant, socket: String, server: ControlServer?)
    >(
        (.starting, .now, "", nil))

    /// - Parameters:
    ///   - environment: the process environment (NOTIFY_SOCKET, WATCHDOG_USEC, LISTEN_FDS, ...).
    ///   - monitoring: the metrics and the status page, fed from the sale and device loops.
    ///   - reloadConfiguration: reads the configuration again on `reload`.
    public init(
        configuration: DaemonConfiguration, environment: [String: String], logger: Logger,
        sales: (any SalesPort)?, devices: (any DevicesPort)?, monitoring: DaemonMonitoring? = nil,
        reloadConfiguration: @escaping @Sendable () async throws -> DaemonConfiguration
    ) {
        self.configuration = Mutex(configuration)
        self.environment = environment
        self.logger = logger
        self.sales = sales
        self.devices = devices
        self.monitoring = monitoring
        self.reloadConfiguration = reloadConfiguration
        self.notifier = SystemdNotifier(environment: environment)
        self.events = EventHub()
        (commands, commandContinuation) = AsyncStream.makeStream()
        monitoring?.attach { [weak self] in
            guard let self else { return (stage: "stopped", connections: 0) }
            let (stage, server) = self.state.withLock { ($0.stage, $0.server) }
            return (stage: stage.rawValue, connections: server?.connectionCount ?? 0)
        }
    }

    /// Asks the running daemon to drain and stop, or to reload.
    public func send(_ command: Command) {
        commandContinuation.yield(command)
    }

    /// Publishes an event to subscribers (used by the seams' adapters and tests of events).
    public func publish(_ event: EventNotification) {
        events.publish(event)
    }

    /// Runs until a `.stop` command has drained the daemon.
    /// - Throws: ``DaemonError`` when the socket cannot be set up.
    public func run() async throws {
        let configuration = self.configuration.withLock { $0 }
        let activation = try SocketActivation(environment: environment)
        let descriptor: Int32
        let ownsSocketPath: Bool
        if let inherited = try activation.controlSocket() {
            descriptor = inherited
            ownsSocketPath = false
            logger.info("control socket inherited from systemd", metadata: ["socket.fd": "\(inherited)"])
        } else {
            descriptor = try ControlSocketListener.listen(
                path: configuration.control.socketPath, group: configuration.control.group)
            ownsSocketPath = true
            logger.info("control socket created", metadata: ["socket.path": "\(configuration.control.socketPath)"])
        }
        let router = DaemonMethods.router(daemon: self, sales: sales, devices: devices)
        let server = ControlServer(
            listeningOn: descriptor, router: router, events: events,
            limits: ControlServer.Limits(configuration.control), access: ControlAccess(configuration.control),
            logger: logger)
        state.withLock {
            $0.server = server
            $0.socket = configuration.control.socketPath
        }
        defer {
            if ownsSocketPath { unlink(configuration.control.socketPath) }
        }
        let serverFailure = FailureBox()
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await server.run()
                } catch  where !Task.isCancelled {
                    self.logger.critical("control socket failed", metadata: ["error": "\(error)"])
                    serverFailure.error.withLock { $0 = error }
                    self.send(.stop)
                }
            }
            if let sales {
                // Each sale change is published from the pipeline's queue as it happens: the event
                // reaches the subscribers' connections without a stream or a task between.
                // STATUS= follows the sales, at most once a second (it counts pending sales): the
                // first change after a quiet second schedules one update a second later.
                let statusScheduled = Flag()
                let notifiesStatus = notifier.socketPath != nil
                await sales.observeSales { sale in
                    self.monitoring?.saleUpdated(sale)
                    if let params = try? JSONValue(encoding: sale) {
                        self.events.publish(EventNotification(method: EventName.saleUpdated, params: params))
                    }
                    if sale.isFinal { LatencyTrace.mark(.eventSent, sale.outTradeNo ?? sale.saleID) }
                    if notifiesStatus, statusScheduled.raise() {
                        Task {
                            try? await Task.sleep(for: .seconds(1))
                            statusScheduled.lower()
                            try? self.notifier.status(await self.statusLine())
                        }
                    }
                }
            }
            if let devices {
                // As they happen, like the sales' events: a scan's event reaches the subscribers
                // before the sale it starts says `submitting`.
                await devices.observeEvents { event in
                    self.monitoring?.deviceEvent(event)
                    self.events.publish(event)
                }
            }
            if let interval = notifier.watchdogInterval {
                group.addTask {
                    while !Task.isCancelled {
                        try? self.notifier.watchdog()
                        try await Task.sleep(for: interval)
                    }
                }
            }
            state.withLock { $0.stage = .running }
            let status = await statusLine()
            do {
                try notifier.ready(status: status)
            } catch {
                logger.warning("cannot tell systemd we are ready", metadata: ["error": "\(error)"])
            }
            logger.notice("qfposd ready", metadata: ["daemon.status": "\(status)"])
            for await command in commands {
                switch command {
                case .reload:
                    await reload()
                case .stop:
                    await drain()
                    // Let the last events and answers (the drained sales' final states) reach
                    // the clients before their connections close.
                    try? await Task.sleep(for: .milliseconds(250))
                    group.cancelAll()
                    return
                }
            }
            group.cancelAll()
        }
        await monitoring?.stop()
        // The scanners' ports and grabs are given back, and udev no longer followed.
        await devices?.close()
        do {
            try await sales?.close()
        } catch {
            logger.warning(
                "the journal was not closed cleanly; its log is recovered at the next start",
                metadata: ["error": "\(error)"])
        }
        if let failure = serverFailure.error.withLock({ $0 }) {
            throw DaemonError(.socketFailed, "the control socket failed", underlying: failure)
        }
        logger.notice("qfposd stopped")
    }

    private func reload() async {
        state.withLock { $0.stage = .reloading }
        try? notifier.reloading()
        logger.notice("reloading configuration, devices and lanes")
        do {
            let fresh = try await reloadConfiguration()
            configuration.withLock { $0 = fresh }
            // Who may connect is re-applied at once; the other limits take effect at the next start.
            state.withLock { $0.server }?.updateAccess(ControlAccess(fresh.control))
            try await devices?.reload(fresh)
            try await sales?.reload(fresh)
        } catch {
            logger.error("reload failed; keeping the previous configuration", metadata: ["error": "\(error)"])
        }
        state.withLock { $0.stage = .running }
        try? notifier.ready(status: await statusLine())
        events.publish(
            EventNotification(method: EventName.daemonStatus, params: ["state": "running", "reloaded": true]))
    }

    private func drain() async {
        state.withLock { $0.stage = .draining }
        let pending = await sales?.pendingCount() ?? 0
        logger.notice("draining: no new sales", metadata: ["sales.pending": "\(pending)"])
        try? notifier.stopping(status: "draining, \(pending) sales pending")
        events.publish(EventNotification(method: EventName.daemonStatus, params: ["state": "draining"]))
        await sales?.drain()
    }

    /// Throws `draining` once a stop has begun.
    func requireAcceptingSales() throws(RPCError) {
        let stage = state.withLock { $0.stage }
        if stage == .draining {
            throw RPCError(
                code: RPCError.Code.unavailable, reason: .draining, message: "qfposd is stopping and takes no new sales"
            )
        }
    }

    /// The one-line status for systemd (`STATUS=`), e.g. "ready, 2 sales pending".
    func statusLine() async -> String {
        let pending = await sales?.pendingCount() ?? 0
        let stage = state.withLock { $0.stage }
        let sales = pending == 1 ? "1 sale pending" : "\(pending) sales pending"
        return "\(stage == .running ? "ready" : stage.rawValue), \(sales)"
    }

    /// The `daemon.status` result.
    func status() async throws -> JSONValue {
        let (stage, startedAt, socket, server) = state.withLock { ($0.stage, $0.startedAt, $0.socket, $0.server) }
        let configuration = self.configuration.withLock { $0 }
        let uptime = startedAt.duration(to: .now)
        return [
            "version": .string(Self.version),
            "pid": .integer(Int64(getpid())),
            "state": .string(stage.rawValue),
            "uptime_seconds": .integer(uptime.components.seconds),
            "sales_pending": .integer(Int64(await sales?.pendingCount() ?? 0)),
            "payments": .bool(sales != nil),
            "lanes": .array(configuration.lanes.map { .string($0.id) }),
            "connections": .integer(Int64(server?.connectionCount ?? 0)),
            "subscribers": .integer(Int64(events.subscriberCount)),
            "socket": .string(socket),
            "gateway": .string(configuration.gateway.baseURL),
            "libraries": LoadedLibraries.json,
        ]
    }
}

/// A flag tasks share: `raise` is true for the one caller that raised it.
private final class Flag: Sendable {
    private let raised = Atomic<Bool>(false)

    func raise() -> Bool { !raised.exchange(true, ordering: .acquiringAndReleasing) }
    func lower() { raised.store(false, ordering: .releasing) }
}

/// Holds the first error of a child task for its parent.
private final class FailureBox: Sendable {
    let error = Mutex<(any Error)?>(nil)
}
