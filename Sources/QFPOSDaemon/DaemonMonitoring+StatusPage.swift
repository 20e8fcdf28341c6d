import ControlProtocol
import Foundation
import Payments
import QFPay
import StatusPage

extension DaemonMonitoring {
    public func snapshot() async -> StatusSnapshot {
        let parts = self.parts.withLock { $0 }
        let state = parts.daemonState?()
        let devices = await parts.devices?.deviceList().arrayValue ?? []
        let printers = Dictionary(
            (parts.printer?.laneStates() ?? []).map { ($0.lane, $0) }, uniquingKeysWith: { first, _ in first })
        let lanes = configuration.lanes.map { lane in
            StatusSnapshot.Lane(
                id: lane.id, scanner: Self.scanner(of: lane, in: devices),
                printer: Self.printer(of: lane, state: printers[lane.id], in: devices),
                queuedJobs: printers[lane.id]?.queuedJobs ?? 0,
                hasLastReceipt: printers[lane.id]?.lastReceiptSaleID != nil)
        }
        var sales: [StatusSnapshot.Sale] = []
        if let port = parts.sales, let recent = try? await port.sales(limit: 20) {
            for summary in recent {
                let info = (try? await port.sale(id: summary.saleID)) ?? summary
                let entries = (try? parts.journal?.sale(id: summary.saleID))??.entries ?? []
                var steps: [StatusSnapshot.Step] = []
                for entry in entries where steps.last?.state != SaleInfo.State(entry.status).rawValue {
                    steps.append(StatusSnapshot.Step(state: SaleInfo.State(entry.status).rawValue, at: entry.at))
                }
                sales.append(
                    StatusSnapshot.Sale(
                        id: info.saleID, lane: info.lane, mode: info.mode.rawValue, wallet: info.wallet?.rawValue,
                        amount: info.amount,
                        currency: info.currency, state: info.state.rawValue, maskedCode: info.authCodeMasked,
                        steps: steps))
            }
        }
        let exchange = lastExchangeSeen
        let remaining = parts.budget?.remaining
        let gateway = StatusSnapshot.Gateway(
            environment: configuration.gateway.environment, baseURL: configuration.gateway.baseURL,
            lastAnswer: exchange.map(Self.describe), lastAnswerAt: exchange?.finishedAt,
            reachable: exchange?.reachedGateway,
            budgetSecond: remaining?.second ?? configuration.gateway.requestsPerSecond,
            budgetMinute: remaining?.minute ?? configuration.gateway.requestsPerMinute,
            requestsPerSecond: configuration.gateway.requestsPerSecond,
            requestsPerMinute: configuration.gateway.requestsPerMinute)
        let journal = parts.journal.map { journal in
            let usage = journal.diskUsage
            return StatusSnapshot.Journal(
                path: configuration.journalPath, databaseBytes: usage.databaseBytes, logBytes: usage.logBytes,
                lastCheckpoint: usage.lastCheckpoint)
        }
        return StatusSnapshot(
            version: Daemon.version,
            libraries: parts.libraries.map { (name: $0.name, version: $0.version) },
            stage: state?.stage ?? "running", shopName: configuration.shop.name, lanes: lanes, sales: sales,
            gateway: gateway, journal: journal)
    }

    public func receiptPreview(lane: String) async -> [UInt8]? {
        parts.withLock { $0.printer }?.lastReceiptPreview(lane: lane)
    }

    public func testPrint(lane: String) async throws {
        guard let printer = parts.withLock({ $0.printer }) else {
            throw DaemonError(.startFailed, "no printers are running")
        }
        try printer.printTestPage(lane: lane, shopName: configuration.shop.name)
    }

    public func reprintLastReceipt(lane: String) async throws {
        let (printer, sales) = parts.withLock { ($0.printer, $0.sales) }
        guard let sales, let saleID = printer?.lastReceiptSaleID(lane: lane) else {
            throw DaemonError(.startFailed, "lane \(lane) has printed no receipt since qfposd started")
        }
        try await sales.reprintReceipt(saleID: saleID)
    }

    // MARK: - Lanes

    /// The lane's scanner: the device discovery gave the lane, else the configured path unfound.
    static func scanner(of lane: DaemonConfiguration.Lane, in devices: [JSONValue]) -> StatusSnapshot.Device? {
        guard let spec = lane.scanner else { return nil }
        guard
            let device = devices.first(where: {
                $0["lane"]?.stringValue == lane.id && $0["role"]?.stringValue == "scanner"
            })
        else {
            return StatusSnapshot.Device(
                path: spec.path ?? spec.match ?? "", reason: "configured for lane \(lane.id)", status: "not found",
                isHealthy: false)
        }
        let open = device["open"]?.boolValue ?? false
        let grabbed = device["grabbed"]?.boolValue ?? false
        let status =
            device["open_error"]?.stringValue.map { "not open: \($0)" }
            ?? (grabbed ? "reading (grabbed)" : open ? "reading" : "not open")
        return StatusSnapshot.Device(
            path: device["node"]?.stringValue ?? "", reason: reason(of: device), status: status, isHealthy: open)
    }

    /// The lane's printer: its link's state, and the reason discovery gave when it found it.
    static func printer(
        of lane: DaemonConfiguration.Lane, state: LanePrinter.LaneState?, in devices: [JSONValue]
    ) -> StatusSnapshot.Device? {
        guard let spec = lane.printer else { return nil }
        let device = devices.first { $0["lane"]?.stringValue == lane.id && $0["role"]?.stringValue == "printer" }
        let reason = device.map(reason(of:)) ?? "lanes.\(lane.id).printer.path in the configuration"
        guard let state else {
            return StatusSnapshot.Device(
                path: spec.path ?? spec.match ?? "", reason: reason, status: "not running", isHealthy: false)
        }
        return StatusSnapshot.Device(
            path: state.path, reason: reason, status: state.state,
            isHealthy: state.state == "ready" || state.state == "paper-near-end")
    }

    /// The role's reason and the lane's, once when the lane's repeats the role's.
    private static func reason(of device: JSONValue) -> String {
        let role = device["reason"]?.stringValue ?? ""
        let lane = device["lane_reason"]?.stringValue ?? ""
        if lane.contains(role) || role.isEmpty { return lane }
        return lane.isEmpty ? role : "\(role); \(lane)"
    }

    // MARK: - Gateway

    static func describe(_ exchange: GatewayExchange) -> String {
        switch exchange.outcome {
        case .answered(let respcd, let classification): "\(exchange.endpoint): \(classification.rawValue) \(respcd)"
        case .notSent(let respcd): "\(exchange.endpoint): refused \(respcd ?? "before sending")"
        case .unknown(let reason): "\(exchange.endpoint): no answer (\(reason.rawValue))"
        }
    }
}
