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
public final class LanePrinter: Payments.ReceiptPrinter {
    /// Where one lane's bytes go.
    enum Sink: Sendable {
        case link(PrinterLink)
        case file(path: String)
    }

    struct Lane: Sendable {
        let layout: ESCPOSReceiptPrinter
        let sink: Sink
        let profile: PrinterProfile
        let previewPath: String?
    }

    private let lanes: [String: Lane]
    private let publish: @Sendable (EventNotification) -> Void
    private let logger: Logger
    private let eventForwarders: Mutex<[Task<Void, Never>]> = Mutex([])

    public init(
        configuration: DaemonConfiguration, logger: Logger, publish: @escaping @Sendable (EventNotification) -> Void
    ) {
        self.publish = publish
        self.logger = logger
        var lanes: [String: Lane] = [:]
        var links: [(String, PrinterLink)] = []
        for lane in configuration.lanes {
            guard let spec = lane.printer, let path = spec.path else { continue }
            let profile: PrinterProfile
            do {
                // Without a profile: the generic one, which asks nothing of the printer and prints on any model.
                profile = try PrinterProfile.named(spec.profile ?? "generic-80")
            } catch {
                logger.error("unknown printer profile; lane prints nothing", metadata: ["lane": "\(lane.id)"])
                continue
            }
            let sink: Sink
            if Self.isPlainFile(path) {
                sink = .file(path: path)
            } else if let endpoint = PrinterEndpoint(parsing: path) {
                var linkLogger = logger
                linkLogger[metadataKey: "device.path"] = "\(path)"
                let link = PrinterLink(endpoint: endpoint, profile: profile, logger: linkLogger)
                links.append((lane.id, link))
                sink = .link(link)
            } else {
                logger.error("printer path is not a device, file or host:port", metadata: ["lane": "\(lane.id)"])
                continue
            }
            let layout = ESCPOSReceiptPrinter(
                renderer: ReceiptRenderer(profile: profile), shopName: configuration.shop.name,
                shopAddress: [configuration.shop.address, configuration.shop.phone].compactMap { $0 }
            ) { _, _ in }
            lanes[lane.id] = Lane(layout: layout, sink: sink, profile: profile, previewPath: spec.previewPath)
        }
        self.lanes = lanes
        for (lane, link) in links { forwardEvents(of: link, lane: lane) }
    }

    deinit {
        eventForwarders.withLock { $0.forEach { $0.cancel() } }
        for lane in lanes.values {
            guard case .link(let link) = lane.sink else { continue }
            let left = link.close()
            if !left.isEmpty {
                logger.warning("printer closed with jobs unprinted", metadata: ["jobs": "\(left.count)"])
            }
        }
    }

    public func print(_ receipt: SaleReceipt) async throws {
        guard let lane = lanes[receipt.lane] else {
            // A lane without a printer (the till shows the result): nothing to print.
            logger.debug("no printer on lane", metadata: ["lane": "\(receipt.lane)"])
            return
        }
        let bytes = try ReceiptRenderer(profile: lane.profile).render(lane.layout.content(receipt))
        do {
            switch lane.sink {
            case .link(let link):
                let job = link.submit(PrintJob(bytes: bytes, label: "\(receipt.kind) \(receipt.saleID)"))
                logger.debug("receipt queued", metadata: ["lane": "\(receipt.lane)", "job": "\(job)"])
            case .file(let path):
                try Self.append(bytes, to: path)
                publish(status(lane: receipt.lane, ["state": "ready", "printed": .string(receipt.saleID)]))
            }
            if let preview = lane.previewPath {
                try Data(ReceiptPreview(bytes: bytes, profile: lane.profile).png()).write(
                    to: URL(fileURLWithPath: preview))
            }
        } catch {
            logger.error("printing failed", metadata: ["lane": "\(receipt.lane)", "error": "\(error)"])
            publish(status(lane: receipt.lane, ["state": "error", "error": .string("\(error)")]))
            throw error
        }
    }

    /// Publishes a link's status changes and job outcomes as `printer.status` events.
    private func forwardEvents(of link: PrinterLink, lane: String) {
        let publish = self.publish
        let task = Task {
            for await event in link.events() {
                publish(Self.status(lane: lane, Self.fields(of: event)))
            }
        }
        eventForwarders.withLock { $0.append(task) }
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
        defer { close(descriptor) }
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
