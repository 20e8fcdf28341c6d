import Devices
import ESCPOS
import Foundation
import WallClock

extension LanePrinter {
    /// A lane's last receipt: whose it was and the bytes sent.
    struct LastReceipt: Sendable {
        var saleID: String
        var bytes: [UInt8]
    }

    /// One lane's printer as the status page and the metrics show it.
    public struct LaneState: Sendable, Hashable {
        public var lane: String
        public var path: String
        /// `ready`, `paper-out`, ... (as in `printer.status`), or `file` for a printer that is a file.
        public var state: String
        public var queuedJobs: Int
        public var lastReceiptSaleID: String?
    }

    /// Every lane's printer now.
    public func laneStates() -> [LaneState] {
        let receipts = lastReceipts.withLock { $0 }
        return lanes.withLock { lanes in
            lanes.map { id, lane in
                let state: String
                let queued: Int
                switch lane.sink {
                case .link(let link):
                    state = Self.state(of: link.status)
                    queued = link.pendingJobs.count
                case .file:
                    state = "ready"
                    queued = 0
                }
                return LaneState(
                    lane: id, path: lane.spec.path, state: state, queuedJobs: queued,
                    lastReceiptSaleID: receipts[id]?.saleID)
            }
            .sorted { $0.lane < $1.lane }
        }
    }

    /// A PNG preview of the last receipt printed on `lane`, decoded from its bytes.
    public func lastReceiptPreview(lane: String) -> [UInt8]? {
        guard let receipt = lastReceipts.withLock({ $0[lane] }),
            let profile = lanes.withLock({ $0[lane]?.profile })
        else { return nil }
        return ReceiptPreview(bytes: receipt.bytes, profile: profile).png()
    }

    /// The sale whose receipt `lane` printed last.
    public func lastReceiptSaleID(lane: String) -> String? {
        lastReceipts.withLock { $0[lane]?.saleID }
    }

    /// Prints the technician's test page (profile, ruler, character sets, QR code) on `lane`.
    /// - Throws: ``DaemonError`` when the lane has no printer.
    public func printTestPage(lane id: String, shopName: String, at date: Date = Date()) throws {
        guard let lane = lanes.withLock({ $0[id] }) else {
            throw DaemonError(.startFailed, "lane \(id) has no printer")
        }
        let content = ReceiptContent(
            kind: .testPage, shopName: shopName, dateTime: WallClockTime(date, in: .japanStandardTime),
            qrURL: "https://qfpos.invalid/test/\(id)")
        let bytes = try ReceiptRenderer(profile: lane.profile).render(content)
        switch lane.sink {
        case .link(let link): _ = link.submit(PrintJob(bytes: bytes, label: "test page"))
        case .file(let path): try Self.append(bytes, to: path)
        }
    }
}
