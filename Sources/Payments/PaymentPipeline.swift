import Foundation
import LatencyTrace
import Logging
import QFPay
import Synchronization

/// The payment pipeline: carries every sale through payment, poll, close and refund, writing
/// each step ahead to the journal, on one serial Dispatch queue.
///
/// Confinement: `PaymentPipeline` is an actor whose executor is a serial `DispatchQueue`
/// (`QueueExecutor`); all sale state machines live in it. Gateway requests, timers and printing
/// run in tasks off the queue and come back as inputs. For each input the order is always:
/// apply to the state machine → journal (and wait for the commit) when the action says so →
/// send the request, start the timer, print.
public actor PaymentPipeline {
    /// Everything the pipeline is made of.
    public struct Configuration: Sendable {
        public var policy: SalePolicy
        public var clock: any PipelineClock
        public var classifier: PaymentCodeClassifier
        public var printer: (any ReceiptPrinter)?
        public var logger: Logger
        /// Called at every journal write of every sale (before and after it); returning true
        /// stops the pipeline there as if the process were killed. For crash-recovery tests.
        public var crashPoint: (@Sendable (CrashPoint) -> Bool)?
        /// Called on the pipeline's queue when the last sale held in memory has settled and left
        /// it (nothing in flight any more): a moment to give freed memory back. Must not block.
        public var whenIdle: (@Sendable () -> Void)?
        /// Called once when a journal append fails, after the pipeline has stopped: nothing goes on
        /// as if the write had happened. The daemon exits with its own status here, so that systemd
        /// restarts it and recovery asks the gateway (docs/payments.md, "A journal write fails").
        public var journalFailed: (@Sendable (PaymentsError) -> Void)?

        public init(
            policy: SalePolicy = .standard,
            clock: any PipelineClock = SystemPipelineClock(),
            classifier: PaymentCodeClassifier = PaymentCodeClassifier(),
            printer: (any ReceiptPrinter)? = nil,
            logger: Logger = Logger(label: "qfpos.payments"),
            crashPoint: (@Sendable (CrashPoint) -> Bool)? = nil,
            whenIdle: (@Sendable () -> Void)? = nil,
            journalFailed: (@Sendable (PaymentsError) -> Void)? = nil
        ) {
            self.policy = policy
            self.clock = clock
            self.classifier = classifier
            self.printer = printer
            self.logger = logger
            self.crashPoint = crashPoint
            self.whenIdle = whenIdle
            self.journalFailed = journalFailed
        }
    }

    /// A journal write of a sale, as seen by `Configuration.crashPoint`.
    public struct CrashPoint: Sendable, Hashable {
        public enum Phase: String, Sendable { case beforeWrite, afterWrite }
        public var saleID: String
        /// The entry's sequence in the sale's log (0 = creation).
        public var sequence: Int
        /// The journaled input's kind (`created`, `scanned`, `payment-answered`...).
        public var kind: String
        public var phase: Phase
    }

    private struct LiveSale {
        /// The sale's facts as created (the till's request), for a repeated `startSale`.
        let created: SaleOrder
        /// The sale with every input applied, including those whose journal entry is still committing.
        var machine: SaleStateMachine
        /// The sale as of its last committed entry: what the till, waiters and refunds see.
        var durable: SaleStateMachine
        var durableSequence: Int
        var sequence: Int
        /// The generation of the sale's pending timer (0: none); an older timer is ignored.
        var timerGeneration = 0
        /// The scanned code, kept in memory only until the payment request is sent.
        var authCode: String?
        /// Journal writes of this sale not committed yet; the sale stays in memory until they are.
        var writesInFlight = 0

        init(machine: SaleStateMachine, sequence: Int, created: SaleOrder) {
            self.created = created
            self.machine = machine
            self.durable = machine
            self.durableSequence = sequence
            self.sequence = sequence
        }

        /// Records that the entry `sequence`, which left the sale as `committed`, is durable.
        mutating func committed(_ committed: SaleStateMachine, sequence: Int) {
            writesInFlight -= 1
            if writesInFlight == 0 {
                durable = machine  // every journaled input is durable; the rest needs no record
                durableSequence = self.sequence
            } else if sequence > durableSequence {
                durable = committed
                durableSequence = sequence
            }
        }
    }

    private let executor = QueueExecutor(label: "qfpos.payments.pipeline")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let journal: Journal
    private let gateway: any PaymentGateway
    private let configuration: Configuration
    private var logger: Logger { configuration.logger }
    private var live: [String: LiveSale] = [:] {
        didSet { if loaded { unsettled.store(live.values.count { !$0.machine.status.isSettled }, ordering: .relaxed) } }
    }
    /// `pendingCount()` as of the last change of `live`, for readers that must not wait for the
    /// pipeline's queue (`daemon.status`); -1 until the journal's unfinished sales are loaded.
    /// `live` holds only the sales in flight, so recounting it at each change is cheap.
    private let unsettled = Atomic<Int>(-1)
    /// Every sale's timer; one task (`timerWake`) sleeps until the earliest is due.
    private var timers = SaleTimers()
    private var lastTimerGeneration = 0
    private var timerWake: (task: Task<Void, Never>, due: Date, id: Int)?
    private var timerWakes = 0
    private var saleByOutTradeNo: [String: String] = [:]
    private var awaitingScan: [String: String] = [:]
    private var recoveringLanes: [String: Int] = [:]
    private var recovering: [String] = []
    private var recoveringLane: [String: String] = [:]
    private var loaded = false {
        didSet { unsettled.store(live.values.count { !$0.machine.status.isSettled }, ordering: .relaxed) }
    }
    private var recoveryStarted = false
    private var laneWaiters: [String: [CheckedContinuation<Void, Never>]] = [:]
    private var watchers: [UUID: (String?, (SaleSnapshot) -> Bool, CheckedContinuation<SaleSnapshot?, Never>)] = [:]
    private var subscribers: [UUID: AsyncStream<SaleSnapshot>.Continuation] = [:]
    private var observers: [@Sendable (SaleSnapshot) -> Void] = []
    private var stopped = false
    private let orderNumbers = OrderNumberGenerator()
    private var accepting = true
    private var journalBroken = false

    /// A pipeline over `journal` and `gateway`. Call `recover()` before taking sales.
    public init(journal: Journal, gateway: any PaymentGateway, configuration: Configuration = Configuration()) {
        self.journal = journal
        self.gateway = gateway
        self.configuration = configuration
    }

    // MARK: - Public API

    /// Every sale update (state, respcd and meaning), from now on.
    public func updates() -> AsyncStream<SaleSnapshot> {
        let (stream, continuation) = AsyncStream<SaleSnapshot>.makeStream(bufferingPolicy: .bufferingNewest(4096))
        let id = UUID()
        subscribers[id] = continuation
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        return stream
    }

    private func unsubscribe(_ id: UUID) { subscribers[id] = nil }

    /// Calls `observer` with every sale update from now on, in order, on the pipeline's queue at
    /// the moment of the update: the till's events leave without a hop through a stream and a
    /// task. It must not block (it runs between a sale's steps).
    public func observe(_ observer: @escaping @Sendable (SaleSnapshot) -> Void) {
        observers.append(observer)
    }

    /// The pipeline's queue as a task executor: a task that prefers it (a scan from a lane's
    /// scanner) enters the pipeline with one hop, to this queue, instead of two (Swift's pool, then
    /// the queue).
    public nonisolated var taskExecutor: any TaskExecutor { executor.taskExecutor }

    /// Starts a sale, or returns the existing one when the journal already has `request.orderID`
    /// with the same parameters. The same order id with other parameters is refused
    /// (`orderConflict`, naming the first field that differs). Every field QFPay would refuse is
    /// refused here (`invalidRequest`, with the field and the rule), before anything is scanned.
    public func startSale(_ request: SaleRequest) async throws -> SaleSnapshot {
        guard !stopped, accepting else { throw PaymentsError(.stopped, "the pipeline is not taking sales") }
        var request = request
        if request.goodsName?.isEmpty == true { request.goodsName = nil }  // nil: the client's default name
        if let existing = try existingSale(request) { return existing }
        try Self.validate(request)
        let codePayType = try validateCode(request)
        try loadUnfinished()
        if recoveringLanes[request.lane, default: 0] > 0, !recoveryStarted {
            // The owner has not called recover(): the lane's unfinished sales come first anyway.
            Task { try await self.recover() }
        }
        while recoveringLanes[request.lane, default: 0] > 0, !stopped {
            await withCheckedContinuation { laneWaiters[request.lane, default: []].append($0) }
        }
        if let existing = try existingSale(request) { return existing }  // started while waiting
        if request.flow == .barcode, let busy = awaitingScan[request.lane], busy != request.orderID {
            throw PaymentsError(.invalidState, "lane \(request.lane) already waits for a scan for sale \(busy)")
        }
        var payType: PayType? = nil
        switch request.flow {
        case .dynamicQR:
            guard let wallet = request.wallet else {
                throw PaymentsError(
                    .invalidRequest, "a dynamic-QR sale needs a wallet (wechat or alipay)", field: "wallet")
            }
            payType = wallet.qrPayType
        case .barcode:
            payType = request.wallet?.barcodePayType
        }
        let now = now()
        let order = SaleOrder(
            saleID: request.orderID, outTradeNo: orderNumbers.paymentNumber(at: now), amount: request.amount,
            currency: request.currency, flow: request.flow, payType: payType, lane: request.lane,
            goodsName: request.goodsName)
        try gateway.validate(order)
        let machine = SaleStateMachine(order: order, createdAt: now, policy: configuration.policy)
        var sale = LiveSale(machine: machine, sequence: 0, created: order)
        var entries = [Journal.creationEntry(order, at: now, status: machine.status)]
        // A code the till passed with the sale is its scan: the sale's creation and its scan are
        // one journal commit, and the payment request follows it.
        var scanAction: SaleStateMachine.Action?
        if let code = request.authCode, let codePayType {
            let trimmed = code.trimmingCharacters(in: .whitespacesAndNewlines)
            let event = scannedEvent(trimmed, payType: order.payType ?? codePayType, order: order)
            scanAction = sale.machine.apply(event, at: now)
            sale.authCode = trimmed
            sale.sequence = 1
            sale.writesInFlight = 1
            entries.append(entry(of: sale.machine, sequence: 1, event: event, at: now))
            LatencyTrace.mark(.saleMatched, order.outTradeNo)
        }
        live[order.saleID] = sale
        saleByOutTradeNo[order.outTradeNo] = order.saleID
        if order.flow == .barcode, scanAction == nil { awaitingScan[order.lane] = order.saleID }
        let written: Bool
        do { written = try await write(entries, creating: order) } catch {
            live[order.saleID] = nil
            saleByOutTradeNo[order.outTradeNo] = nil
            if awaitingScan[order.lane] == order.saleID { awaitingScan[order.lane] = nil }
            throw error
        }
        guard written else { throw PaymentsError(.stopped, "the pipeline stopped") }
        if let scanAction {
            LatencyTrace.mark(.scanDurable, order.outTradeNo)
            live[order.saleID]?.committed(sale.machine, sequence: 1)
            perform(scanAction, for: order.saleID)
            publish(sale.machine, at: now)  // it never waited for a scan: its first state is the scanned one
        } else {
            publish(machine, at: now)
            perform(machine.start(), for: order.saleID)
        }
        return try snapshot(of: order.saleID) ?? SaleSnapshot(sale.machine, updatedAt: now)
    }

    /// The journal's record of a scanned payment code: masked, hashed with the journal's key.
    private func scannedEvent(_ trimmed: String, payType: PayType, order: SaleOrder) -> SaleEvent {
        .scanned(
            maskedCode: AuthCode.mask(trimmed),
            codeHash: journal.scannedCodeHash.make(trimmed, outTradeNo: order.outTradeNo), payType: payType)
    }

    /// The journal entry that records `event`, which left the sale as `machine`.
    private func entry(of machine: SaleStateMachine, sequence: Int, event: SaleEvent, at now: Date) -> Journal.Entry {
        Journal.Entry(
            saleID: machine.order.saleID, sequence: sequence, at: now, event: event, status: machine.status,
            respcd: machine.lastRespcd, syssn: machine.syssn, paidAmount: machine.paidAmount,
            refundedAmount: machine.refundedAmount)
    }

    /// The sale with `request.orderID`, when there is one and the request is the same; throws
    /// `orderConflict` when the order id was used with other parameters.
    private func existingSale(_ request: SaleRequest) throws -> SaleSnapshot? {
        let id = request.orderID
        // The journal holds the scanned code's hash; a live sale's creation facts are in memory.
        let stored = live[id] == nil || request.authCode != nil ? try journal.sale(id: id) : nil
        guard let created = live[id]?.created ?? stored?.order else { return nil }
        var codeHash: String?
        for entry in stored?.entries ?? [] {
            if case .scanned(_, let hash, _) = entry.event { codeHash = hash }
        }
        func conflict(_ field: String, _ was: String, _ now: String) -> PaymentsError {
            PaymentsError(
                .orderConflict,
                "order_id \(request.orderID) was used for another sale: \(field) was \(was), this request says \(now)",
                field: field)
        }
        if created.amount != request.amount { throw conflict("amount", "\(created.amount)", "\(request.amount)") }
        if created.currency != request.currency { throw conflict("currency", created.currency, request.currency) }
        if created.flow != request.flow {
            throw conflict(
                "mode", created.flow == .dynamicQR ? "qr" : "scan", request.flow == .dynamicQR ? "qr" : "scan")
        }
        if created.lane != request.lane { throw conflict("lane", created.lane, request.lane) }
        if let wallet = request.wallet, created.payType?.wallet != wallet {
            throw conflict("wallet", created.payType?.wallet?.rawValue ?? "none", wallet.rawValue)
        }
        if (created.goodsName ?? "") != (request.goodsName ?? "") {
            throw conflict("goods_name", created.goodsName ?? "none", request.goodsName ?? "none")
        }
        if let code = request.authCode, let codeHash,
            !journal.scannedCodeHash.matches(
                codeHash, code: code.trimmingCharacters(in: .whitespacesAndNewlines), outTradeNo: created.outTradeNo)
        {
            throw conflict("auth_code", "another code", AuthCode.mask(code))
        }
        return try snapshot(of: request.orderID)
    }

    /// A code the till passes with `startSale` must be a payment code, before the sale exists.
    /// - Returns: the wallet the code names, when there is a code.
    @discardableResult
    private func validateCode(_ request: SaleRequest) throws -> PayType? {
        guard let code = request.authCode, request.flow == .barcode else { return nil }
        switch configuration.classifier.classify(code.trimmingCharacters(in: .whitespacesAndNewlines)) {
        case .payment(_, let payType): return payType
        case .productBarcode(let symbology):
            throw PaymentsError(
                .invalidRequest, "auth_code is a product barcode (\(symbology)), not a payment code",
                field: "auth_code", rule: "auth_code.payment_code")
        case .notPaymentCode(let reason):
            throw PaymentsError(
                .invalidRequest, "auth_code is not a payment code: \(reason)", field: "auth_code",
                rule: "auth_code.payment_code")
        }
    }

    /// Gives the lane's waiting barcode sale the customer's code. Product barcodes and noise are
    /// refused with `notAPaymentCode` and the sale keeps waiting.
    @discardableResult
    public func provideScan(lane: String, code: String) async throws -> SaleSnapshot {
        let trimmed = code.trimmingCharacters(in: .whitespacesAndNewlines)
        let classified = configuration.classifier.classify(trimmed)
        let codePayType: PayType
        switch classified {
        case .payment(_, let payType): codePayType = payType
        case .productBarcode(let symbology):
            throw PaymentsError(.notAPaymentCode, "a product barcode (\(symbology)) is not a payment code")
        case .notPaymentCode(let reason):
            throw PaymentsError(.notAPaymentCode, "not a payment code: \(reason)")
        }
        guard let saleID = awaitingScan[lane], var sale = live[saleID] else {
            throw PaymentsError(.noSaleAwaitingScan, "no sale on lane \(lane) waits for a scan")
        }
        let payType = sale.machine.order.payType ?? codePayType
        sale.authCode = trimmed
        live[saleID] = sale
        awaitingScan[lane] = nil
        LatencyTrace.mark(.saleMatched, sale.machine.order.outTradeNo)
        let event = scannedEvent(trimmed, payType: payType, order: sale.machine.order)
        await handle(event, saleID: saleID)
        return try snapshot(of: saleID) ?? SaleSnapshot(sale.machine, updatedAt: configuration.clock.now())
    }

    /// Cancels a sale that is not paid yet (closing its order at the gateway when needed).
    @discardableResult
    public func cancel(_ saleID: String) async throws -> SaleSnapshot {
        guard let sale = live[saleID] else {
            guard let existing = try snapshot(of: saleID) else {
                throw PaymentsError(.saleNotFound, "no sale \(saleID)")
            }
            throw PaymentsError(.invalidState, "sale \(saleID) is \(existing.status.rawValue): refund it instead")
        }
        let before = sale.sequence
        await handle(.cancelRequested, saleID: saleID)
        // Accepted when journaled (the sale may have settled and left memory) or already closing.
        let journaled = (live[saleID]?.sequence ?? Int.max) > before
        guard let after = try snapshot(of: saleID), journaled || after.status == .cancelling else {
            throw PaymentsError(
                .invalidState, "sale \(saleID) is \(sale.machine.status.rawValue) and cannot be cancelled")
        }
        return after
    }

    /// Refunds `amount` of a paid sale and waits for the outcome. Refused before anything is sent
    /// when the journal shows less than `amount` still refundable or a refund in flight.
    public func refund(_ saleID: String, amount: Int) async throws -> SaleSnapshot {
        guard amount > 0 else { throw PaymentsError(.invalidRequest, "a refund amount must be positive") }
        guard let position = try journal.refundPosition(saleID: saleID) else {
            throw PaymentsError(.saleNotFound, "no sale \(saleID)")
        }
        guard !position.refundInFlight else {
            throw PaymentsError(.invalidState, "sale \(saleID) has a refund in flight")
        }
        guard position.paid > 0 else { throw PaymentsError(.invalidState, "sale \(saleID) is not paid") }
        guard amount <= position.paid - position.refunded else {
            throw PaymentsError(
                .refundExceedsRemaining,
                "refund of \(amount) exceeds the \(position.paid - position.refunded) still refundable")
        }
        if live[saleID] == nil { try revive(saleID) }
        guard let sale = live[saleID], sale.machine.status == .paid || sale.machine.status == .partiallyRefunded
        else { throw PaymentsError(.invalidState, "sale \(saleID) cannot be refunded now") }
        let refund = RefundOrder(outTradeNo: sale.machine.nextRefundOutTradeNo, amount: amount)
        await handle(.refundRequested(refund), saleID: saleID)
        _ = await waitFor(saleID) { $0.status != .refunding }
        return try snapshot(of: saleID) ?? SaleSnapshot(sale.machine, updatedAt: configuration.clock.now())
    }

    /// Prints a sale's last receipt again (payment, refund or cancellation by its status).
    public func reprint(_ saleID: String) async throws {
        guard let snapshot = try snapshot(of: saleID) else { throw PaymentsError(.saleNotFound, "no sale \(saleID)") }
        let kind: ReceiptKind
        switch snapshot.status {
        case .paid: kind = .payment
        case .partiallyRefunded, .refunded:
            guard let last = snapshot.refunds.last else {
                kind = .payment
                break
            }
            kind = .refund(last)
        case .cancelled: kind = .cancellation
        case .pending where snapshot.qrcode != nil: kind = .qrCode
        default: throw PaymentsError(.invalidState, "sale \(saleID) has no receipt to print")
        }
        guard let printer = configuration.printer else { return }
        var content = receipt(kind, snapshot)
        content.isReprint = true
        try await printer.print(content)
    }

    /// A sale's current state (from memory, or folded from the journal).
    public func sale(_ saleID: String) throws -> SaleSnapshot? { try snapshot(of: saleID) }

    /// Sales matching `filter`, newest first, as the journal's view has them. Read off the
    /// pipeline's executor (on the journal's reader queue), so that a till listing sales never
    /// holds up a payment step, nor waits for one.
    public nonisolated func sales(_ filter: SaleFilter = SaleFilter()) async throws -> [Journal.SaleSummary] {
        try await journal.recentSummaries(statuses: filter.statuses, lane: filter.lane, limit: filter.limit)
    }

    /// How many sales are not settled yet. Counted in memory, where every unfinished sale is once
    /// the journal's have been loaded (before that, the journal is asked): a status query does not
    /// read the whole journal.
    public func pendingCount() throws -> Int {
        guard loaded else {
            let open = Set(SaleStatus.allCases.filter { !$0.isSettled })
            return try journal.summaries(statuses: open, limit: 10_000).count
        }
        return live.values.count { !$0.machine.status.isSettled }
    }

    /// `pendingCount()` without entering the pipeline's queue: the count as of the pipeline's last
    /// change, or nil before the journal's unfinished sales are loaded (then ask `pendingCount()`).
    public nonisolated var pendingCountNow: Int? {
        let count = unsettled.load(ordering: .relaxed)
        return count < 0 ? nil : count
    }

    /// Waits until the sale satisfies `condition` (or the pipeline stops: nil).
    public func waitFor(_ saleID: String, _ condition: @escaping @Sendable (SaleSnapshot) -> Bool) async
        -> SaleSnapshot?
    {
        if let now = try? snapshot(of: saleID), condition(now) { return now }
        if stopped { return nil }
        return await withCheckedContinuation { continuation in
            watchers[UUID()] = (saleID, condition, continuation)
        }
    }

    /// Waits until the sale needs nothing more from the gateway (or is flagged needs-attention).
    public func settled(_ saleID: String) async -> SaleSnapshot? {
        await waitFor(saleID) { $0.status.isSettled || $0.status == .needsAttention }
    }

    /// Resumes every unfinished sale of the journal (query, then close or refund as needed) and
    /// returns when each is settled or flagged; a lane takes new sales only once its own
    /// recovered sales are settled.
    public func recover() async throws {
        try loadUnfinished()
        guard !recoveryStarted else {
            for id in recovering { _ = await settled(id) }
            return
        }
        recoveryStarted = true
        let ids = recovering
        logger.info("recovering unfinished sales", metadata: ["sales": "\(ids.joined(separator: ","))"])
        await withTaskGroup(of: Void.self) { group in
            for id in ids {
                group.addTask {
                    await self.handle(.resumed, saleID: id)
                    _ = await self.settled(id)
                    await self.laneRecovered(id)
                }
            }
        }
    }

    /// Reads the journal's unfinished sales into memory once, holding their lanes until recovered.
    private func loadUnfinished() throws {
        guard !loaded else { return }
        for stored in try journal.unfinishedSales() where live[stored.order.saleID] == nil {
            let machine = replay(stored)
            live[stored.order.saleID] = LiveSale(
                machine: machine, sequence: stored.entries.last?.sequence ?? 0, created: stored.order)
            saleByOutTradeNo[stored.order.outTradeNo] = stored.order.saleID
            recoveringLanes[stored.order.lane, default: 0] += 1
            recovering.append(stored.order.saleID)
            recoveringLane[stored.order.saleID] = stored.order.lane
        }
        loaded = true
    }

    /// Stops taking sales and waits until every sale in flight is settled or flagged (sales still
    /// waiting for a scan are cancelled).
    public func drain() async {
        accepting = false
        for (_, saleID) in awaitingScan { _ = try? await cancel(saleID) }
        let ids = live.filter { !$0.value.machine.status.isSettled }.map(\.key)
        for id in ids { _ = await settled(id) }
    }

    /// Stops at once: no more requests, timers or journal writes (a kill, as far as the journal
    /// and the gateway can tell). Waiters get nil. Returns once the writes already handed to the
    /// journal have landed (or failed), so that a pipeline started next on the same journal sees
    /// it as a killed process would have left it.
    public func stop() async {
        halt()
        await journal.flush()
    }

    /// After ``drain()``, at the daemon's exit: stops as ``stop()`` does and closes the journal
    /// (its write-ahead log checkpointed and removed).
    public func close() async throws {
        halt()
        try await journal.close()
    }

    private func halt() {
        stopped = true
        timerWake?.task.cancel()
        timerWake = nil
        for (_, watcher) in watchers { watcher.2.resume(returning: nil) }
        watchers = [:]
        for (_, waiters) in laneWaiters { for waiter in waiters { waiter.resume() } }
        laneWaiters = [:]
        for (_, subscriber) in subscribers { subscriber.finish() }
        subscribers = [:]
    }

    /// Whether `stop()` ran or a crash point stopped the pipeline.
    public var isStopped: Bool { stopped }

    /// Applies a verified notification for the order `outTradeNo`: confirmed by query before the
    /// sale changes. Returns false if no sale has this order number.
    public func notificationArrived(outTradeNo: String, notifyType: String) async -> Bool {
        guard let saleID = saleByOutTradeNo[outTradeNo] ?? (try? journal.sale(outTradeNo: outTradeNo))?.order.saleID
        else { return false }
        if live[saleID] == nil { try? revive(saleID) }
        await handle(.notified(notifyType: notifyType), saleID: saleID)
        return true
    }

    /// Asks the gateway now about every sale that needs attention (instead of waiting for its
    /// slow schedule): after a reconciliation, or when a technician asks. Returns their ids.
    @discardableResult
    public func recheckSalesNeedingAttention() async -> [String] {
        let ids = live.filter { $0.value.machine.status == .needsAttention }.map(\.key).sorted()
        for id in ids { await handle(.notified(notifyType: "recheck"), saleID: id) }
        return ids
    }

    // MARK: - Carrying out inputs

    /// Applies one input to a sale, journals it when asked (waiting for the commit), then acts.
    private func handle(_ event: SaleEvent, saleID: String) async {
        guard !stopped, var sale = live[saleID] else { return }
        let now = now()
        let before = sale.machine.status
        let action = sale.machine.apply(event, at: now)
        if action.journal {
            sale.sequence += 1
            sale.writesInFlight += 1
        } else if sale.writesInFlight == 0 {
            sale.durable = sale.machine
        }
        live[saleID] = sale
        logger.debug(
            "sale input",
            metadata: [
                "sale.id": "\(saleID)", "input": "\(event.kind)",
                "status": "\(before.rawValue)→\(sale.machine.status.rawValue)",
                "journal": "\(action.journal ? "seq \(sale.sequence)" : "no")",
            ])
        if action.journal {
            do {
                guard try await write([entry(of: sale.machine, sequence: sale.sequence, event: event, at: now)])
                else { return }
            } catch {
                journalAppendFailed(error, saleID: saleID)
                return
            }
            if LatencyTrace.isEnabled { Self.traceDurable(event, outTradeNo: sale.machine.order.outTradeNo) }
            live[saleID]?.committed(sale.machine, sequence: sale.sequence)
            let current = live[saleID]
            // The request first, then the till's event: the gateway call starts while the event
            // is made and sent (the event shows only what is durable, so its order does not matter).
            // With no request, the event first: the receipt is made and printed after it has left.
            if action.request != nil {
                perform(action, for: saleID)
                publish(sale.machine, at: now)
            } else {
                publish(sale.machine, at: now)
                perform(action, for: saleID)
            }
            if let current, current.writesInFlight == 0, current.machine.status != sale.machine.status {
                publish(current.machine, at: now)  // a change made while this entry was committing
            }
            return
        } else if before != sale.machine.status, sale.writesInFlight == 0 {
            publish(sale.machine, at: now)
        }
        perform(action, for: saleID)
    }

    /// Fail-stop: without a durable record the request must not go out, and nothing may act on a
    /// state the journal does not hold. The pipeline stops at once (no request, timer or write
    /// after this), and the owner is told; the journal's last entries are the truth a restart
    /// resumes from, by asking the gateway (docs/payments.md, "A journal write fails").
    private func journalAppendFailed(_ error: any Error, saleID: String) {
        let failure =
            (error as? PaymentsError)
            ?? PaymentsError(.journalWriteFailed, "journal append failed", underlying: error)
        logger.critical(
            "journal write failed: stopping every sale (restart to resume them from the journal)",
            metadata: ["sale.id": "\(saleID)", "error": "\(failure)"])
        guard !journalBroken else { return }
        journalBroken = true
        halt()
        configuration.journalFailed?(failure)
    }

    /// Transactions the pipeline's journal has committed since it was opened.
    public var journalCommitCount: Int { journal.commitCount }

    /// Whether a journal append failed (the pipeline then stopped).
    public var journalFailed: Bool { journalBroken }

    /// Writes entries (with the sale's row first when `order` is given) in one transaction, with
    /// the crash points around each. False when the pipeline stopped. When no other input waits
    /// for the pipeline and the journal is idle, the commit runs here, on the pipeline's queue: a
    /// sale alone waits for its fsync and nothing else; otherwise its entries join the writer's
    /// next group commit.
    private func write(_ entries: [Journal.Entry], creating order: SaleOrder? = nil) async throws -> Bool {
        func point(_ entry: Journal.Entry, _ phase: CrashPoint.Phase) -> CrashPoint {
            CrashPoint(
                saleID: entry.saleID, sequence: entry.sequence, kind: entry.event?.kind ?? "created", phase: phase)
        }
        for entry in entries where crash(point(entry, .beforeWrite)) { return false }
        let committedHere = try executor.isAlone && journal.recordIfIdle(creating: order, entries)
        if !committedHere { try await journal.record(creating: order, entries) }
        if stopped { return false }
        for entry in entries where crash(point(entry, .afterWrite)) { return false }
        return true
    }

    /// The latency trace's marks of a scan and a payment answer made durable.
    private static func traceDurable(_ event: SaleEvent, outTradeNo: String) {
        switch event {
        case .scanned: LatencyTrace.mark(.scanDurable, outTradeNo)
        case .paymentAnswered, .paymentUnknown, .paymentNotSent: LatencyTrace.mark(.answerDurable, outTradeNo)
        default: break
        }
    }

    private func crash(_ point: CrashPoint) -> Bool {
        if stopped { return true }
        guard let hook = configuration.crashPoint, hook(point) else { return false }
        logger.notice("crash point reached: stopping", metadata: ["sale.id": "\(point.saleID)"])
        halt()
        return true
    }

    private func perform(_ action: SaleStateMachine.Action, for saleID: String) {
        guard !stopped, var sale = live[saleID] else { return }
        let order = sale.machine.order
        if let delay = action.timer {
            lastTimerGeneration += 1
            sale.timerGeneration = lastTimerGeneration
            let due = configuration.clock.now().addingTimeInterval(SaleTimers.seconds(delay))
            timers.insert(SaleTimers.Entry(due: due, saleID: saleID, generation: sale.timerGeneration))
            armTimer()
        }
        if let request = action.request {
            let gateway = self.gateway
            // Detached: the call starts at once on the gateway's executor (the loop its exchange
            // runs on), not after this job; its answer comes back here as an input.
            let gatewayExecutor = gateway.taskExecutor
            let now = configuration.clock.now()
            switch request {
            case .payment:
                let code = sale.authCode
                sale.authCode = nil
                Task.detached(executorPreference: gatewayExecutor) {
                    let event: SaleEvent
                    switch await gateway.pay(order, authCode: code, at: now) {
                    case .answered(let answer): event = .paymentAnswered(answer)
                    case .outcomeUnknown(let reason): event = .paymentUnknown(reason: reason)
                    case .notSent(let reason, let respcd): event = .paymentNotSent(reason: reason, respcd: respcd)
                    }
                    await self.handle(event, saleID: saleID)
                }
            case .query:
                let lookup = OrderLookup(
                    outTradeNo: order.outTradeNo, target: .payment(syssn: sale.machine.syssn),
                    sentAt: sale.machine.paymentSentAt ?? sale.machine.createdAt)
                Task.detached(executorPreference: gatewayExecutor) {
                    let event: SaleEvent
                    switch await gateway.query(lookup) {
                    case .answered(let state): event = .queried(state)
                    case .outcomeUnknown(let reason), .notSent(let reason, _): event = .queryUnknown(reason: reason)
                    }
                    await self.handle(event, saleID: saleID)
                }
            case .close:
                let syssn = sale.machine.syssn
                Task.detached(executorPreference: gatewayExecutor) {
                    let event: SaleEvent
                    switch await gateway.close(order, syssn: syssn, at: now) {
                    case .answered(let answer): event = .closeAnswered(answer)
                    case .outcomeUnknown(let reason), .notSent(let reason, _): event = .closeUnknown(reason: reason)
                    }
                    await self.handle(event, saleID: saleID)
                }
            case .refund(let refund):
                let syssn = sale.machine.syssn
                Task.detached(executorPreference: gatewayExecutor) {
                    let event: SaleEvent
                    if let syssn {
                        switch await gateway.refund(refund, of: order, syssn: syssn, at: now) {
                        case .answered(let answer): event = .refundAnswered(refund, answer)
                        case .outcomeUnknown(let reason): event = .refundUnknown(refund, reason: reason)
                        case .notSent(let reason, let respcd):
                            event = .refundNotSent(refund, reason: reason, respcd: respcd)
                        }
                    } else {
                        event = .refundNotSent(refund, reason: "the payment's syssn is unknown")
                    }
                    await self.handle(event, saleID: saleID)
                }
            case .queryRefund(let refund):
                let lookup = OrderLookup(
                    outTradeNo: refund.outTradeNo, target: .refund, sentAt: sale.machine.refundSentAt ?? now)
                Task.detached(executorPreference: gatewayExecutor) {
                    let event: SaleEvent
                    switch await gateway.query(lookup) {
                    case .answered(let state): event = .refundQueried(refund, state)
                    case .outcomeUnknown(let reason), .notSent(let reason, _):
                        event = .refundUnknown(refund, reason: reason)
                    }
                    await self.handle(event, saleID: saleID)
                }
            }
        }
        live[saleID] = sale
        if let kind = action.receipt, let printer = configuration.printer {
            let content = receipt(kind, SaleSnapshot(sale.machine, updatedAt: configuration.clock.now()))
            let logger = self.logger
            Task {
                do { try await printer.print(content) } catch {
                    logger.warning(
                        "receipt not printed", metadata: ["sale.id": "\(saleID)", "error": "\(error)"])
                }
            }
        }
        if sale.machine.status.isSettled, sale.machine.order.flow == .barcode,
            awaitingScan[order.lane] == saleID
        {
            awaitingScan[order.lane] = nil
        }
        if sale.machine.status.isSettled, action.request == nil, action.timer == nil, sale.writesInFlight == 0 {
            // Settled and idle: the journal holds it (a later refund or notification revives it).
            forget(saleID)
            releaseSettledStorage()
        }
    }

    /// After a burst of sales: drops the timers of sales that left memory, and gives back the
    /// storage of the sale maps once they are nearly empty (a dictionary keeps its largest size).
    private func releaseSettledStorage() {
        if timers.count > 64 + 2 * live.count {
            timers.compact { live[$0.saleID]?.timerGeneration == $0.generation }
        }
        if live.capacity > 64 + 8 * live.count {
            live = Dictionary(uniqueKeysWithValues: live.map { ($0.key, $0.value) })
            saleByOutTradeNo = Dictionary(uniqueKeysWithValues: saleByOutTradeNo.map { ($0.key, $0.value) })
        }
        if live.isEmpty { configuration.whenIdle?() }
    }

    /// Makes sure one task sleeps until the earliest timer is due.
    private func armTimer() {
        guard !stopped, let due = timers.earliest else {
            timerWake?.task.cancel()
            timerWake = nil
            return
        }
        if let wake = timerWake, wake.due <= due { return }
        timerWake?.task.cancel()
        let clock = configuration.clock
        let delay = max(0, due.timeIntervalSince(clock.now()))
        timerWakes += 1
        let id = timerWakes
        let task = Task {
            try? await clock.sleep(for: .nanoseconds(Int64(delay * 1e9)))
            self.timersDue(wake: id)
        }
        timerWake = (task, due, id)
    }

    private func timersDue(wake id: Int) {
        guard timerWake?.id == id else { return }  // replaced by an earlier wake
        timerWake = nil
        let due = timers.removeDue(at: configuration.clock.now())
        armTimer()
        for entry in due where live[entry.saleID]?.timerGeneration == entry.generation {
            Task { await self.timerFired(entry.saleID, generation: entry.generation) }
        }
    }

    private func timerFired(_ saleID: String, generation: Int) async {
        guard let sale = live[saleID], sale.timerGeneration == generation else { return }
        await handle(.timerFired, saleID: saleID)
    }

    private func laneRecovered(_ saleID: String) {
        guard let lane = recoveringLane.removeValue(forKey: saleID) else { return }
        recoveringLanes[lane, default: 1] -= 1
        if recoveringLanes[lane] == 0 {
            recoveringLanes[lane] = nil
            for waiter in laneWaiters.removeValue(forKey: lane) ?? [] { waiter.resume() }
        }
    }

    private func publish(_ machine: SaleStateMachine, at now: Date) {
        let snapshot = SaleSnapshot(machine, updatedAt: now)
        for observer in observers { observer(snapshot) }
        for (_, subscriber) in subscribers { subscriber.yield(snapshot) }
        for (id, watcher) in watchers where watcher.0 == snapshot.saleID && watcher.1(snapshot) {
            watchers[id] = nil
            watcher.2.resume(returning: snapshot)
        }
    }

    // MARK: - Helpers

    /// What the journal holds of the sale (memory is used while it agrees with the journal).
    private func snapshot(of saleID: String) throws -> SaleSnapshot? {
        if let sale = live[saleID] { return SaleSnapshot(sale.durable, updatedAt: configuration.clock.now()) }
        guard let stored = try journal.sale(id: saleID) else { return nil }
        return SaleSnapshot(replay(stored), updatedAt: stored.entries.last?.at ?? stored.createdAt)
    }

    /// Drops a sale from memory (its journal is the truth).
    private func forget(_ saleID: String) {
        guard let sale = live.removeValue(forKey: saleID) else { return }
        let order = sale.machine.order
        if saleByOutTradeNo[order.outTradeNo] == saleID { saleByOutTradeNo[order.outTradeNo] = nil }
        if awaitingScan[order.lane] == saleID { awaitingScan[order.lane] = nil }
    }

    /// Brings a journaled sale back into memory (for a refund or a notification after a restart).
    private func revive(_ saleID: String) throws {
        guard let stored = try journal.sale(id: saleID) else { throw PaymentsError(.saleNotFound, "no sale \(saleID)") }
        live[saleID] = LiveSale(
            machine: replay(stored), sequence: stored.entries.last?.sequence ?? 0, created: stored.order)
        saleByOutTradeNo[stored.order.outTradeNo] = saleID
    }

    private func replay(_ stored: Journal.StoredSale) -> SaleStateMachine {
        stored.replay(policy: configuration.policy)
    }

    /// The clock's time at the journal's resolution: the state machine decides on exactly the
    /// instants a replay will see.
    private func now() -> Date { Journal.storedTime(configuration.clock.now()) }

    private func receipt(_ kind: ReceiptKind, _ snapshot: SaleSnapshot) -> SaleReceipt {
        SaleReceipt(
            kind: kind, saleID: snapshot.saleID, lane: snapshot.order.lane, outTradeNo: snapshot.order.outTradeNo,
            syssn: snapshot.syssn, amount: snapshot.order.amount, currency: snapshot.order.currency,
            payType: snapshot.order.payType, maskedCode: snapshot.maskedCode, qrcode: snapshot.qrcode,
            refundedTotal: snapshot.refundedAmount, at: snapshot.updatedAt)
    }

    private static func validate(_ request: SaleRequest) throws {
        guard request.amount > 0 else { throw PaymentsError(.invalidRequest, "the amount must be positive") }
        guard !request.orderID.isEmpty, request.orderID.utf8.count <= 64 else {
            throw PaymentsError(.invalidRequest, "the order id must be 1 to 64 bytes")
        }
        guard !request.lane.isEmpty else { throw PaymentsError(.invalidRequest, "the lane must be named") }
        guard request.currency.count == 3, request.currency.allSatisfy({ $0.isUppercase && $0.isASCII }) else {
            throw PaymentsError(.invalidRequest, "the currency must be an ISO code such as JPY")
        }
    }
}
