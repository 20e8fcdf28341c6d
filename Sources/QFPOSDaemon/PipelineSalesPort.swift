import ControlProtocol
import Foundation
import Payments
import QFPay
import Synchronization
import WallClock

/// ``SalesPort`` over the payment pipeline: translates the till's requests into the pipeline's
/// terms, snapshots into ``SaleInfo``, and `PaymentsError`s into ``RPCError``s with stable reasons.
public final class PipelineSalesPort: SalesPort {
    private let pipeline: PaymentPipeline
    private let defaultLane: Mutex<String>
    private let printers: LanePrinter?
    private let reconcileDay: (@Sendable (String) async throws -> JSONValue)?
    /// One reconciliation at a time: each holds a day's bill (up to 64 MiB) and the day's sales.
    private let reconciling = Mutex(false)

    /// - Parameters:
    ///   - defaultLane: the lane of sales that name none (the first configured lane).
    ///   - printers: the pipeline's receipt printer, reloaded with the lanes and closed after a drain.
    ///   - reconcile: runs the reconciliation of a day, when the build has one.
    public init(
        pipeline: PaymentPipeline, defaultLane: String, printers: LanePrinter? = nil,
        reconcile: (@Sendable (String) async throws -> JSONValue)? = nil
    ) {
        self.pipeline = pipeline
        self.defaultLane = Mutex(defaultLane)
        self.printers = printers
        self.reconcileDay = reconcile
    }

    /// The lane of sales that name none: the first configured lane.
    static func defaultLane(of configuration: DaemonConfiguration) -> String {
        configuration.lanes.first?.id ?? "default"
    }

    public func startSale(_ request: SaleStartRequest) async throws -> SaleInfo {
        let saleRequest = SaleRequest(
            orderID: request.orderID ?? Self.makeSaleID(), amount: Int(request.amount), currency: request.currency,
            flow: request.mode == .qr ? .dynamicQR : .barcode,
            wallet: request.wallet.map(Wallet.init),
            lane: request.lane ?? defaultLane.withLock { $0 },
            goodsName: request.goodsName, authCode: request.authCode)
        if request.mode == .qr, saleRequest.wallet == nil {
            throw RPCError.invalidParams(
                "a qr sale needs wallet wechat or alipay", reason: .missingParam, field: "wallet")
        }
        return try await translating { Self.info(try await pipeline.startSale(saleRequest)) }
    }

    public func sale(id: String) async throws -> SaleInfo? {
        try await translating { try await pipeline.sale(id).map(Self.info) }
    }

    public func sales(limit: Int) async throws -> [SaleInfo] {
        try await translating { try await pipeline.sales(SaleFilter(limit: limit)).map(Self.info) }
    }

    public func cancelSale(id: String) async throws -> SaleInfo {
        try await translating { Self.info(try await pipeline.cancel(id)) }
    }

    public func refundSale(id: String, amount: Int64) async throws -> SaleInfo {
        try await translating { Self.info(try await pipeline.refund(id, amount: Int(amount))) }
    }

    public func reprintReceipt(saleID: String) async throws {
        try await translating { try await pipeline.reprint(saleID) }
    }

    public func reconcile(date: String) async throws -> JSONValue {
        guard let reconcileDay else {
            throw RPCError(
                code: RPCError.Code.unavailable, reason: .notReady, message: "reconciliation is not available")
        }
        let started = reconciling.withLock { running in
            defer { running = true }
            return !running
        }
        guard started else {
            throw RPCError(
                code: RPCError.Code.unavailable, reason: .reconcileInProgress,
                message: "a reconciliation is running; ask again when it has answered")
        }
        defer { reconciling.withLock { $0 = false } }
        return try await translating { try await reconcileDay(date) }
    }

    public func provideScan(lane: String, code: String) async throws -> SaleInfo? {
        try await translating { Self.info(try await pipeline.provideScan(lane: lane, code: code)) }
    }

    public func observeSales(_ observer: @escaping @Sendable (SaleInfo) -> Void) async {
        await pipeline.observe { observer(Self.info($0)) }
    }

    public func pendingCount() async -> Int {
        // Read without a hop to the pipeline's queue once the journal is loaded (`daemon.status`).
        if let count = pipeline.pendingCountNow { return count }
        return (try? await pipeline.pendingCount()) ?? 0
    }

    /// Drains the pipeline, then lets the printers send what is queued (5 s at most) and closes them.
    public func drain() async {
        await pipeline.drain()
        await printers?.finish(within: .seconds(5))
    }

    public func close() async throws {
        try await pipeline.close()
    }

    public func reload(_ configuration: DaemonConfiguration) async throws {
        defaultLane.withLock { $0 = Self.defaultLane(of: configuration) }
        printers?.reload(configuration)
    }

    // MARK: - Translation

    /// A sale id for a till that gave no order id: time-ordered and unique.
    static func makeSaleID() -> String {
        let millis = Int64(Date().timeIntervalSince1970 * 1000)
        return "S\(millis)-\(UInt32.random(in: 0...UInt32.max))"
    }

    static func info(_ snapshot: SaleSnapshot) -> SaleInfo {
        let respcd = snapshot.respcd
        return SaleInfo(
            saleID: snapshot.saleID, orderID: snapshot.saleID, outTradeNo: snapshot.order.outTradeNo,
            lane: snapshot.order.lane, mode: SaleInfo.Mode(snapshot.order.flow),
            amount: Int64(snapshot.order.amount), currency: snapshot.order.currency,
            state: SaleInfo.State(snapshot.status),
            isFinal: snapshot.status.isSettled, wallet: snapshot.order.payType?.wallet.map(SaleInfo.Wallet.init),
            respcd: respcd,
            respcdMeaning: respcd.map { ResponseCode(rawValue: $0).englishMessage }, message: snapshot.message,
            syssn: snapshot.syssn, qrcode: snapshot.qrcode, authCodeMasked: snapshot.maskedCode,
            refundedAmount: Int64(snapshot.refundedAmount), createdAt: WallClockTime.iso8601(snapshot.createdAt),
            updatedAt: WallClockTime.iso8601(snapshot.updatedAt))
    }

    static func info(_ summary: Journal.SaleSummary) -> SaleInfo {
        SaleInfo(
            saleID: summary.order.saleID, orderID: summary.order.saleID, outTradeNo: summary.order.outTradeNo,
            lane: summary.order.lane, mode: SaleInfo.Mode(summary.order.flow),
            amount: Int64(summary.order.amount), currency: summary.order.currency,
            state: SaleInfo.State(summary.status),
            isFinal: summary.status.isSettled, wallet: summary.order.payType?.wallet.map(SaleInfo.Wallet.init),
            respcd: summary.respcd, respcdMeaning: summary.respcd.map { ResponseCode(rawValue: $0).englishMessage },
            syssn: summary.syssn, refundedAmount: Int64(summary.refundedAmount),
            createdAt: WallClockTime.iso8601(summary.createdAt),
            updatedAt: WallClockTime.iso8601(summary.updatedAt))
    }

    private func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PaymentsError {
            throw Self.rpcError(error)
        }
    }

    static func rpcError(_ error: PaymentsError) -> RPCError {
        let message = error.message
        switch error.code {
        case .saleNotFound:
            return RPCError(code: RPCError.Code.notFound, reason: .saleNotFound, message: message)
        case .invalidState:
            return RPCError(code: RPCError.Code.conflict, reason: .invalidState, message: message)
        case .refundExceedsRemaining:
            return RPCError(code: RPCError.Code.conflict, reason: .refundExceedsPaid, message: message)
        case .invalidRequest:
            var details: [String: JSONValue] = [:]
            if let field = error.field { details["field"] = .string(field) }
            if let rule = error.rule { details["rule"] = .string(rule) }
            return RPCError(
                code: RPCError.Code.invalidParams, reason: error.rule == nil ? .badParams : .outOfRange,
                message: message, details: details)
        case .orderConflict:
            return RPCError(
                code: RPCError.Code.conflict, reason: .orderIDConflict, message: message,
                details: error.field.map { ["field": .string($0)] } ?? [:])
        case .notAPaymentCode:
            return RPCError(code: RPCError.Code.conflict, reason: .notAPaymentCode, message: message)
        case .noSaleAwaitingScan:
            return RPCError(code: RPCError.Code.conflict, reason: .noSaleAwaitingScan, message: message)
        case .stopped:
            return RPCError(code: RPCError.Code.unavailable, reason: .draining, message: message)
        case .journalUnavailable, .journalWriteFailed:
            return RPCError(code: RPCError.Code.unavailable, reason: .journalUnavailable, message: message)
        case .reconciliationFailed:
            return RPCError(code: RPCError.Code.deviceOrGatewayFailure, reason: .gatewayUnavailable, message: message)
        }
    }
}
