import ControlProtocol
import Devices
import ESCPOS
import Foundation
import Glibc
import Logging
import Payments
import Synchronization

/// Prints the pipeline's receipts on each lane's printer. The layout is the Payments library's
/// `ESCPOSReceiptPrinter` (one per lane, for that printer's profile); the bytes go to the lane's
/// `PrinterLink` (serial port, `/dev/usb/lp*`, a pty, or `host:9100`), which holds jobs through
/// paper-out, cover-open and unplugged printers and prints each exactly once. A lane whose printer
/// path is a regular file (the demo, a technician capturing output) gets the bytes appended to it.
/// With `preview_path`, a PNG preview of the last receipt is written too. Printer events are
/// published as `printer.status`; nothing here ever changes a payment.
///
/// `reload` (SIGHUP) rebuilds only the lanes whose printer changed; jobs still held by a replaced
/// printer move to the lane's new one. `finish` prints what is queued, then closes every link.
public final class LanePrinter: Payments.ReceiptPrinter {
    /// Where one lane's bytes go.
    enum Sink: Sendable {
        case link(PrinterLink)
        case file(path: String)
    }

    /// What a lane's printer is made of: the lane is rebuilt on reload only when this changes.
    struct Spec: Sendable, Equatable {
        var path: String
        var profile: String
        var previewPath: String?
        var shopName: String
        var shopAddress: [String]
    }

    struct Lane: Sendable {
        let spec: Spec
        let layout: ESCPOSReceiptPrinter
        let sink: Sink
        let profile: PrinterProfile
    }

    let lanes: Mutex<[String: Lane]> = Mutex([:])
    /// The last receipt printed on each lane, for the status page's preview and reprint button.
    let lastReceipts: Mutex<[String: LastReceipt]> = Mutex([:])
    private let publish: @Sendable (EventNotification) -> Void
    private let logger: Logger
    private let eventForwarders: Mutex<[String: Task<Void, Never>]> = Mutex([:])

    public init(
        configuration: DaemonConfiguration, logger: Logger, publish: @escaping @Sendable (EventNotification) -> Void
    ) {
        self.publish = publish
        self.logger = logger
        reload(configuration)
    }

    deinit { close() }

    /// Applies `configuration`'s lanes: new lanes get a printer, removed ones lose it, and a lane
    /// whose printer path, profile, preview or shop header changed gets a new one; the others keep
    /// theirs (and their queued jobs) untouched.
    public func reload(_ configuration: DaemonConfiguration) {
        let specs = Self.specs(configuration)
        var retired: [(lane: String, link: PrinterLink)] = []
        var started: [(lane: String, link: PrinterLink)] = []
        lanes.withLock { lanes in
            for (id, lane) in lanes where specs[id] != lane.spec {
                lanes[id] = nil
                if case .link(let link) = lane.sink { retired.append((id, link)) }
            }
            for (id, spec) in specs where lanes[id] == nil {
                guard let lane = makeLane(id, spec) else { continue }
                lanes[id] = lane
                if case .link(let link) = lane.sink { started.append((id, link)) }
            }
        }
        for (lane, link) in retired {
            stopForwarding(lane)
            let left = link.close()
            guard !left.isEmpty else { continue }
            if case .link(let replacement) = lanes.withLock({ $0[lane]?.sink }) {
                for (_, job) in left { _ = replacement.submit(job) }
                logger.notice("held receipts moved to the lane's new printer", metadata: ["lane": "\(lane)"])
            } else {
                logger.warning(
                    "printer removed with receipts unprinted", metadata: ["lane": "\(lane)", "jobs": "\(left.count)"])
            }
        }
        for (lane, link) in started { forwardEvents(of: link, lane: lane) }
    }

    /// Waits (at most `limit`) until every queued receipt is sent, then closes every printer.
    public func finish(within limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline, hasQueuedJobs {
            try? await Task.sleep(for: .milliseconds(50))
        }
        close()
    }

    /// Closes every printer link now (jobs still queued are logged, not printed).
    public func close() {
        let closing = lanes.withLock { lanes in
            defer { lanes = [:] }
            return lanes
        }
        eventForwarders.withLock { forwarders in
            forwarders.values.forEach { $0.cancel() }
            forwarders = [:]
        }
        for (id, lane) in closing {
            guard case .link(let link) = lane.sink else { continue }
            let left = link.close()
            if !left.isEmpty {
                logger.warning(
                    "printer closed with receipts unprinted", metadata: ["lane": "\(id)", "jobs": "\(left.count)"])
            }
        }
    }

    private var hasQueuedJobs: Bool {
        lanes.withLock { lanes in
            lanes.values.contains { lane in
                if case .link(let link) = lane.sink { return !link.pendingJobs.isEmpty }
                return false
            }
        }
    }

    private static func specs(_ configuration: DaemonConfiguration) -> [String: Spec] {
        var specs: [String: Spec] = [:]
        for lane in configuration.lanes {
            guard let printer = lane.printer, let path = printer.path else { continue }
            specs[lane.id] = Spec(
                path: path, profile: printer.profile ?? "generic-80", previewPath: printer.previewPath,
                shopName: configuration.shop.name,
                shopAddress: [configuration.shop.address, configuration.shop.phone].compactMap { $0 })
        }
        return specs
    }

    private func makeLane(_ id: String, _ spec: Spec) -> Lane? {
        let profile: PrinterProfile
        do {
            // Without a profile: the generic one, which asks nothing of the printer and prints on any model.
            profile = try PrinterProfile.named(spec.profile)
        } catch {
            logger.error("unknown printer profile; lane prints nothing", metadata: ["lane": "\(id)"])
            return nil
        }
        let sink: Sink
        if Self.isPlainFile(spec.path) {
            sink = .file(path: spec.path)
        } else if let endpoint = PrinterEndpoint(parsing: spec.path) {
            var linkLogger = logger
            linkLogger[metadataKey: "device.path"] = "\(spec.path)"
            sink = .link(PrinterLink(endpoint: endpoint, profile: profile, logger: linkLogger))
        } else {
            logger.error("printer path is not a device, file or host:port", metadata: ["lane": "\(id)"])
            return nil
        }
        let layout = ESCPOSReceiptPrinter(
            renderer: ReceiptRenderer(profile: profile), shopName: spec.shopName, shopAddress: spec.shopAddress
        ) { _, _ in }
        return Lane(spec: spec, layout: layout, sink: sink, profile: profile)
    }

    public func print(_ receipt: SaleReceipt) async throws {
        guard let lane = lanes.withLock({ $0[receipt.lane] }) else {
            // A lane without a printer (the till shows the result): nothing to print.
            logger.debug("no printer on lane", metadata: ["lane": "\(receipt.lane)"])
            return
        }
        let bytes = try ReceiptRenderer(profile: lane.profile).render(lane.layout.content(receipt))
        do {
            switch lane.sink {
            case .link(let link):
                if receipt.isReprint { try Self.requireRoomForReprint(on: link, lane: receipt.lane) }
                let job = link.submit(PrintJob(bytes: bytes, label: "\(receipt.kind) \(receipt.saleID)"))
                logger.debug("receipt queued", metadata: ["lane": "\(receipt.lane)", "job": "\(job)"])
            case .file(let path):
                try Self.append(bytes, to: path)
                publish(status(lane: receipt.lane, ["state": "ready", "printed": .string(receipt.saleID)]))
            }
            lastReceipts.withLock { $0[receipt.lane] = LastReceipt(saleID: receipt.saleID, bytes: bytes) }
            if let preview = lane.spec.previewPath {
                try Data(ReceiptPreview(bytes: bytes, profile: lane.profile).png()).write(
                    to: URL(fileURLWithPath: preview))
            }
        } catch {
            logger.error("printing failed", metadata: ["lane": "\(receipt.lane)", "error": "\(error)"])
            publish(status(lane: receipt.lane, ["state": "error", "error": .string("\(error)")]))
            throw error
        }
    }

    /// Receipts a printer that cannot print may hold before a reprint is refused. Receipts of
    /// payments, refunds and cancellations are always queued (the customer is owed them); a till
    /// that asks for reprints while the printer is offline would otherwise grow the queue, and
    /// print them all at once when the paper is back.
    public static let maximumHeldJobsForReprint = 8

    /// Throws `printer_unavailable` when the lane's printer cannot print and holds
    /// ``maximumHeldJobsForReprint`` receipts already.
    static func requireRoomForReprint(on link: PrinterLink, lane: String) throws(RPCError) {
        let status = link.status
        let held = link.pendingJobs.count
        guard !status.canPrint, held >= maximumHeldJobsForReprint else { return }
        throw RPCError(
            code: RPCError.Code.deviceOrGatewayFailure, reason: .printerUnavailable,
            message: "the printer of lane \(lane) is \(state(of: status)) with \(held) receipts held; "
                + "reprint when it is back",
            details: ["lane": .string(lane), "held": .integer(Int64(held))])
    }

    /// Publishes a link's status changes and job outcomes as `printer.status` events.
    private func forwardEvents(of link: PrinterLink, lane: String) {
        let publish = self.publish
        let task = Task {
            for await event in link.events() {
                publish(Self.status(lane: lane, Self.fields(of: event)))
            }
        }
        eventForwarders.withLock { $0[lane] = task }
    }

    private func stopForwarding(_ lane: String) {
        eventForwarders.withLock { $0.removeValue(forKey: lane) }?.cancel()
    }

    private func status(lane: String, _ fields: [String: JSONValue]) -> EventNotification {
        Self.status(lane: lane, fields)
    }

    private static func status(lane: String, _ fields: [String: JSONValue]) -> EventNotification {
        var params = fields
        params["lane"] = .string(lane)
        return EventNotification(method: EventName.printerStatus, params: .object(params))
    }

    static func fields(of event: PrinterEvent) -> [String: JSONValue] {
        switch event {
        case .statusChanged(let status): return ["state": .string(state(of: status)), "status": .string("\(status)")]
        case .jobQueued(let id): return ["state": "queued", "job": .string("\(id)")]
        case .jobHeld(let id, let status):
            return ["state": .string(state(of: status)), "job": .string("\(id)"), "held": true]
        case .jobSent(let id): return ["state": "sent", "job": .string("\(id)")]
        case .jobPrinted(let id): return ["state": "ready", "job": .string("\(id)"), "printed": true]
        case .jobUnconfirmed(let id, let reason):
            return ["state": "unconfirmed", "job": .string("\(id)"), "error": .string(reason)]
        @unknown default: return ["state": "unknown"]
        }
    }

    /// A short state name for the till: ready, paper-out, cover-open, error, offline, unreachable.
    static func state(of status: PrinterStatus) -> String {
        if !status.reachable { return "unreachable" }
        if status.paperOut { return "paper-out" }
        if status.coverOpen { return "cover-open" }
        if status.error { return "error" }
        if !status.online { return "offline" }
        return status.paperNearEnd ? "paper-near-end" : "ready"
    }

    /// A regular file, or a path that does not exist outside /dev (created on first receipt).
    static func isPlainFile(_ path: String) -> Bool {
        guard path.hasPrefix("/") else { return false }
        var info = stat()
        if stat(path, &info) == 0 { return (info.st_mode & S_IFMT) == S_IFREG }
        return !path.hasPrefix("/dev/")
    }

    /// Appends `bytes` whole to a file.
    static func append(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_CREAT, 0o640)
        guard descriptor >= 0 else {
            throw DaemonError(.startFailed, "cannot open printer file \(path): errno \(errno)")
        }
        defer { Glibc.close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw DaemonError(.startFailed, "cannot write to printer file \(path): errno \(errno)")
            }
            offset += written
        }
    }
}
