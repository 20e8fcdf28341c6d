import ESCPOS
import Foundation
import Glibc
import Logging
import Synchronization

/// The one writer of one receipt printer: keeps the connection (serial, USB, TCP 9100), watches
/// the printer's status, and prints queued jobs in order, each exactly once.
///
/// A job is written only when the printer reports that it can print (`DLE EOT 1–4`, Automatic
/// Status Back, or the usblp port status). Paper out, cover open or a printer that vanished keeps
/// jobs queued and reported (`jobHeld`); they print when the printer is back. Where the profile
/// has it, `GS r 1` after each job confirms that it printed. Nothing is persisted here: the
/// owner (the payments journal) keeps what must survive a restart and resubmits it.
///
/// All I/O runs on one dedicated thread per link; the public methods only touch state under a lock.
/// The thread runs until `close()`: dropping the last reference does not stop it.
public final class PrinterLink: Sendable {
    /// Timing of the link. The defaults suit real printers; tests shorten them.
    public struct Options: Sendable, Hashable {
        /// How often the status is polled while idle.
        public var statusPollMilliseconds: Int32
        /// How long to wait for the answers to `DLE EOT 1–4`.
        public var statusTimeoutMilliseconds: Int32
        /// Pause between attempts to open a printer that is not there.
        public var reconnectMilliseconds: Int32
        /// How long a sent job may wait for its `GS r 1` answer, while the printer reports that it
        /// can print, before it is declared unconfirmed.
        public var completionTimeoutMilliseconds: Int64
        /// Time allowed for a TCP connect.
        public var connectTimeoutMilliseconds: Int32
        /// Finished jobs kept for `reprint`.
        public var finishedJobsKept: Int

        /// Creates options.
        public init(
            statusPollMilliseconds: Int32 = 2_000, statusTimeoutMilliseconds: Int32 = 1_500,
            reconnectMilliseconds: Int32 = 2_000, completionTimeoutMilliseconds: Int64 = 60_000,
            connectTimeoutMilliseconds: Int32 = 3_000, finishedJobsKept: Int = 32
        ) {
            self.statusPollMilliseconds = statusPollMilliseconds
            self.statusTimeoutMilliseconds = statusTimeoutMilliseconds
            self.reconnectMilliseconds = reconnectMilliseconds
            self.completionTimeoutMilliseconds = completionTimeoutMilliseconds
            self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
            self.finishedJobsKept = finishedJobsKept
        }
    }

    /// Where the printer is.
    public let endpoint: PrinterEndpoint
    /// What the printer can do.
    public let profile: PrinterProfile
    /// Timing.
    public let options: Options

    private let logger: Logger
    private let shared: Mutex<SharedState>
    private let wakeReader: Int32
    private let wakeWriter: Int32
    private let finished = DispatchSemaphore(value: 0)

    private struct JobRecord {
        var job: PrintJob
        var state: JobState
    }

    private struct SharedState {
        var nextJob: UInt64 = 1
        var jobs: [JobID: JobRecord] = [:]
        var queue: [JobID] = []
        var finishedOrder: [JobID] = []
        var status = PrinterStatus.unknown
        var closed = false
        var nextSubscriber = 0
        var subscribers: [Int: AsyncStream<PrinterEvent>.Continuation] = [:]
    }

    /// Creates the link and starts its thread, which opens the printer (retrying until it appears).
    public init(endpoint: PrinterEndpoint, profile: PrinterProfile, logger: Logger, options: Options = Options()) {
        self.endpoint = endpoint
        self.profile = profile
        self.options = options
        var metadataLogger = logger
        metadataLogger[metadataKey: "printer.endpoint"] = "\(endpoint)"
        metadataLogger[metadataKey: "printer.profile"] = "\(profile.name)"
        self.logger = metadataLogger
        self.shared = Mutex(SharedState())
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else { preconditionFailure("pipe() failed: errno \(errno)") }
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        }
        self.wakeReader = descriptors[0]
        self.wakeWriter = descriptors[1]
        let thread = Thread { [self] in
            self.run()
            self.finished.signal()
        }
        thread.name = "printer \(endpoint)"
        thread.start()
    }

    deinit {
        Glibc.close(wakeReader)
        Glibc.close(wakeWriter)
    }

    // MARK: - Public API

    /// Queues `job`; it prints when the printer can. Never blocks on the printer.
    @discardableResult
    public func submit(_ job: PrintJob) -> JobID {
        let id = shared.withLock { state -> JobID in
            let id = JobID(rawValue: state.nextJob)
            state.nextJob += 1
            if state.closed {
                state.jobs[id] = JobRecord(job: job, state: .abandoned)
                return id
            }
            state.jobs[id] = JobRecord(job: job, state: .queued)
            state.queue.append(id)
            return id
        }
        logger.info("print job queued", metadata: ["job.id": "\(id)", "job.label": "\(job.label)"])
        emit(.jobQueued(id))
        let current = status
        if !current.canPrint { emit(.jobHeld(id, current)) }
        wake()
        return id
    }

    /// Queues the bytes of a job submitted earlier (printed, unconfirmed or abandoned) again, as a
    /// new job. Returns nil when the link no longer remembers `id`. Render the content again with
    /// `isReprint` for a copy marked as such.
    @discardableResult
    public func reprint(_ id: JobID) -> JobID? {
        guard let record = shared.withLock({ $0.jobs[id] }) else { return nil }
        return submit(PrintJob(bytes: record.job.bytes, label: record.job.label + " (reprint)"))
    }

    /// The state of a job this link remembers.
    public func state(of id: JobID) -> JobState? {
        shared.withLock { $0.jobs[id]?.state }
    }

    /// Jobs not yet printed, in order: queued, sending, or awaiting completion.
    public var pendingJobs: [JobID] {
        shared.withLock { $0.queue }
    }

    /// The printer's last known status.
    public var status: PrinterStatus {
        shared.withLock { $0.status }
    }

    /// A stream of events from now on, starting with the current status (status changes and job
    /// progress). Any number of streams may be open; each ends when the link is closed.
    public func events() -> AsyncStream<PrinterEvent> {
        let (stream, continuation) = AsyncStream<PrinterEvent>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let key = shared.withLock { state -> Int in
            if state.closed {
                continuation.finish()
                return -1
            }
            let key = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[key] = continuation
            continuation.yield(.statusChanged(state.status))
            return key
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.shared.withLock { $0.subscribers.removeValue(forKey: key) }
        }
        return stream
    }

    /// Stops the link: the thread finishes what it is writing, closes the printer and exits.
    /// Jobs still queued are returned (and marked abandoned) so that the owner can keep them.
    @discardableResult
    public func close() -> [(JobID, PrintJob)] {
        let (left, subscribers) = shared.withLock {
            state -> ([(JobID, PrintJob)]?, [AsyncStream<PrinterEvent>.Continuation]) in
            guard !state.closed else { return (nil, []) }
            state.closed = true
            var left: [(JobID, PrintJob)] = []
            for id in state.queue where state.jobs[id]?.state == .queued {
                state.jobs[id]?.state = .abandoned
                if let job = state.jobs[id]?.job { left.append((id, job)) }
            }
            state.queue.removeAll { state.jobs[$0]?.state == .abandoned }
            let subscribers = Array(state.subscribers.values)
            state.subscribers.removeAll()
            return (left, subscribers)
        }
        guard let left else { return [] }  // closed before
        wake()
        _ = finished.wait(timeout: .now() + .seconds(10))
        for subscriber in subscribers { subscriber.finish() }
        return left
    }

    // MARK: - Shared state helpers

    private var isClosed: Bool { shared.withLock { $0.closed } }

    private func emit(_ event: PrinterEvent) {
        let subscribers = shared.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers { subscriber.yield(event) }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = Glibc.write(wakeWriter, &byte, 1)
    }

    private func drainWake() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while buffer.withUnsafeMutableBytes({ Glibc.read(wakeReader, $0.baseAddress, $0.count) }) > 0 {}
    }

    private func sleepUnlessWoken(_ milliseconds: Int32) {
        var poller = pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0)
        _ = poll(&poller, 1, milliseconds)
        drainWake()
    }

    private func publish(_ status: PrinterStatus) {
        let changed = shared.withLock { state -> Bool in
            guard state.status != status else { return false }
            state.status = status
            return true
        }
        guard changed else { return }
        logger.notice("printer status changed", metadata: ["printer.status": "\(status)"])
        emit(.statusChanged(status))
        if !status.canPrint {
            let held = shared.withLock { state in state.queue.filter { state.jobs[$0]?.state == .queued } }
            for id in held { emit(.jobHeld(id, status)) }
        }
    }

    private func setState(_ id: JobID, _ newState: JobState) {
        shared.withLock { state in
            state.jobs[id]?.state = newState
            switch newState {
            case .printed, .unconfirmed, .abandoned:
                state.queue.removeAll { $0 == id }
                state.finishedOrder.append(id)
                while state.finishedOrder.count > options.finishedJobsKept {
                    state.jobs.removeValue(forKey: state.finishedOrder.removeFirst())
                }
            case .queued, .sending, .awaitingCompletion:
                break
            }
        }
    }

    private func nextQueuedJob() -> (JobID, PrintJob)? {
        shared.withLock { state in
            guard let id = state.queue.first, let record = state.jobs[id], record.state == .queued else { return nil }
            return (id, record.job)
        }
    }

    // MARK: - Worker thread

    /// What the worker thread alone owns.
    private struct Worker {
        var connection: PrinterConnection?
        var parser = PrinterStatusParser()
        var inFlight: (id: JobID, deadline: Int64)?
        var answering = true
    }

    private func run() {
        var worker = Worker()
        logger.info("printer link started")
        while !isClosed {
            if worker.connection == nil {
                guard connect(&worker) else {
                    sleepUnlessWoken(options.reconnectMilliseconds)
                    continue
                }
            }
            do {
                try cycle(&worker)
            } catch {
                logger.warning("printer connection lost", metadata: ["error": "\(error)"])
                worker.connection = nil
                var status = self.status
                status.reachable = false
                publish(status)
                if let inFlight = worker.inFlight {
                    unconfirmed(inFlight.id, reason: "printer vanished before confirming: \(error)")
                    worker.inFlight = nil
                }
            }
        }
        worker.connection = nil
        logger.info("printer link closed")
    }

    private func connect(_ worker: inout Worker) -> Bool {
        do {
            let connection = try PrinterConnection.open(
                endpoint, connectTimeoutMilliseconds: options.connectTimeoutMilliseconds)
            worker.connection = connection
            worker.parser = PrinterStatusParser()
            if profile.automaticStatusBack {
                // GS a n: drawer, online/offline, error and paper sensor changes are sent unasked.
                try connection.write([0x1D, 0x61, 0x0F], deadline: MonotonicClock.milliseconds() + 5_000)
            }
            logger.info("printer opened")
            return true
        } catch {
            if status.reachable || status == .unknown {
                logger.warning("printer cannot be opened", metadata: ["error": "\(error)"])
            }
            publish(PrinterStatus(reachable: false, online: false))
            return false
        }
    }

    /// One round: refresh the status, settle the job in flight, send the next job, then wait.
    private func cycle(_ worker: inout Worker) throws(PrinterError) {
        guard let connection = worker.connection else { return }
        try refreshStatus(&worker, connection)
        if let inFlight = worker.inFlight, !status.canPrint {
            // The printer holds the job until paper is loaded or the cover closed: the clock
            // for its completion answer starts again once it can print.
            worker.inFlight?.deadline = max(
                inFlight.deadline, MonotonicClock.milliseconds() + options.completionTimeoutMilliseconds)
        }
        if let inFlight = worker.inFlight, MonotonicClock.milliseconds() > inFlight.deadline {
            unconfirmed(inFlight.id, reason: "no completion answer from the printer in time")
            worker.inFlight = nil
            worker.parser.forgetOutstanding()
        }
        if worker.inFlight == nil, status.canPrint, let (id, job) = nextQueuedJob() {
            try send(id, job, &worker, connection)
            return
        }
        try pump(&worker, connection, milliseconds: options.statusPollMilliseconds, stopOnWake: true)
    }

    private func refreshStatus(_ worker: inout Worker, _ connection: PrinterConnection) throws(PrinterError) {
        if profile.realtimeStatus {
            try connection.write(
                [0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x03, 0x10, 0x04, 0x04],
                deadline: MonotonicClock.milliseconds() + 5_000)
            for request in 1...4 { worker.parser.expectRealtime(request) }
            let deadline = MonotonicClock.milliseconds() + Int64(options.statusTimeoutMilliseconds)
            while worker.parser.outstandingRealtime > 0 {
                let remaining = deadline - MonotonicClock.milliseconds()
                guard remaining > 0 else { break }
                try pump(&worker, connection, milliseconds: Int32(remaining), stopOnWake: false)
            }
            if worker.parser.outstandingRealtime > 0 {
                // Real-time requests are answered even when offline: silence means no printer.
                let pendingSensor = worker.parser.outstandingPaperSensor
                worker.parser.forgetOutstanding()
                for _ in 0..<pendingSensor { worker.parser.expectPaperSensor() }
                if worker.answering { logger.warning("printer does not answer status requests") }
                worker.answering = false
                var status = worker.parser.status
                status.reachable = false
                publish(status)
                return
            }
            worker.answering = true
            publish(worker.parser.status)
        } else if let portStatus = connection.usbPortStatus() {
            publish(portStatus)
        } else {
            publish(.ready)
        }
    }

    private func send(
        _ id: JobID, _ job: PrintJob, _ worker: inout Worker, _ connection: PrinterConnection
    ) throws(PrinterError) {
        setState(id, .sending)
        logger.info("printing job", metadata: ["job.id": "\(id)", "job.bytes": "\(job.bytes.count)"])
        var payload = job.bytes
        if profile.jobCompletion { payload += [0x1D, 0x72, 0x01] }
        do {
            try connection.write(payload, deadline: MonotonicClock.milliseconds() + writeAllowance(payload.count))
        } catch {
            // Part of the job may have reached the printer: do not send it again by ourselves.
            unconfirmed(id, reason: "write failed: \(error)")
            throw error
        }
        emit(.jobSent(id))
        if profile.jobCompletion {
            worker.parser.expectPaperSensor()
            setState(id, .awaitingCompletion)
            worker.inFlight = (id, MonotonicClock.milliseconds() + options.completionTimeoutMilliseconds)
            return
        }
        // Without GS r 1: the job counts as printed when the printer still reports ready after it.
        try refreshStatus(&worker, connection)
        if status.canPrint || !profile.realtimeStatus {
            printed(id)
        } else {
            unconfirmed(id, reason: "printer reported \(status) after the job was sent")
        }
    }

    /// Serial lines take about baud/10 bytes a second; allow twice that plus ten seconds.
    private func writeAllowance(_ count: Int) -> Int64 {
        if case .serial(_, let settings) = endpoint {
            return Int64(count) * 20_000 / Int64(max(settings.baudRate, 300)) + 10_000
        }
        return 30_000
    }

    /// Reads answers for up to `milliseconds`, applying them; returns early on a wake-up when asked.
    private func pump(
        _ worker: inout Worker, _ connection: PrinterConnection, milliseconds: Int32, stopOnWake: Bool
    ) throws(PrinterError) {
        let deadline = MonotonicClock.milliseconds() + Int64(milliseconds)
        repeat {
            let remaining = Int32(max(0, deadline - MonotonicClock.milliseconds()))
            let bytes = try connection.read(
                timeoutMilliseconds: remaining, wakeDescriptor: stopOnWake ? wakeReader : -1)
            if bytes.isEmpty {
                if stopOnWake { drainWake() }
                return
            }
            for answer in worker.parser.feed(bytes) {
                switch answer {
                case .paperSensor:
                    if let inFlight = worker.inFlight {
                        printed(inFlight.id)
                        worker.inFlight = nil
                    }
                case .automaticStatusBack:
                    publish(worker.parser.status)
                case .realtime:
                    break
                }
            }
            if !stopOnWake && worker.parser.outstandingRealtime == 0 { return }
        } while MonotonicClock.milliseconds() < deadline
    }

    private func printed(_ id: JobID) {
        setState(id, .printed)
        logger.info("job printed", metadata: ["job.id": "\(id)"])
        emit(.jobPrinted(id))
    }

    private func unconfirmed(_ id: JobID, reason: String) {
        setState(id, .unconfirmed(reason: reason))
        logger.warning("job not confirmed", metadata: ["job.id": "\(id)", "reason": "\(reason)"])
        emit(.jobUnconfirmed(id, reason: reason))
    }
}
