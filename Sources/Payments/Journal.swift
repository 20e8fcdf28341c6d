import Dispatch
import Foundation
import GRDB
import QFPay
import Synchronization

/// The write-ahead journal of sales: SQLite through GRDB, WAL, `synchronous=FULL`.
///
/// Each sale is a row in `sale` (its fixed facts) and an append-only log in `sale_event` (triggers
/// refuse updates and deletes). A sale's current state is a fold of its log (`SaleStateMachine`
/// replays it); the view `sale_state` gives each sale's latest status for listings. Appends from
/// many sales that arrive while a commit is running are committed together in the next
/// transaction (group commit), and every append returns only once it is durable.
public final class Journal: Sendable {
    /// One entry of a sale's log.
    public struct Entry: Sendable, Equatable {
        /// The sale it belongs to.
        public var saleID: String
        /// Position in the sale's log, from 0 (the creation entry).
        public var sequence: Int
        /// When it happened (pipeline clock).
        public var at: Date
        /// The input, or nil for the creation entry.
        public var event: SaleEvent?
        /// Status after applying it.
        public var status: SaleStatus
        /// The sale's last decisive response code after applying it.
        public var respcd: String?
        /// The payment's `syssn` after applying it.
        public var syssn: String?
        /// Amount paid after applying it (the refund check reads it).
        public var paidAmount: Int
        /// Amount refunded after applying it.
        public var refundedAmount: Int

        public init(
            saleID: String, sequence: Int, at: Date, event: SaleEvent?, status: SaleStatus, respcd: String?,
            syssn: String?, paidAmount: Int, refundedAmount: Int
        ) {
            self.saleID = saleID
            self.sequence = sequence
            self.at = at
            self.event = event
            self.status = status
            self.respcd = respcd
            self.syssn = syssn
            self.paidAmount = paidAmount
            self.refundedAmount = refundedAmount
        }
    }

    /// A sale as the journal holds it.
    public struct StoredSale: Sendable {
        public var order: SaleOrder
        public var createdAt: Date
        public var entries: [Entry]
    }

    /// A sale's latest facts (the `sale_state` view).
    public struct SaleSummary: Sendable, Equatable {
        public var order: SaleOrder
        public var createdAt: Date
        public var updatedAt: Date
        public var status: SaleStatus
        public var respcd: String?
        public var syssn: String?
        public var paidAmount: Int
        public var refundedAmount: Int
    }

    private struct Pending {
        var creations: [(SaleOrder, Date)]
        var entries: [Entry]
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct Batching {
        var queue: [Pending] = []
        var draining = false
    }

    private let pool: DatabasePool
    private let path: String
    /// Hashes scanned codes with this journal's key (``ScannedCodeKey``).
    let scannedCodeHash: ScannedCodeHash
    private let writer = DispatchQueue(label: "qfpos.journal.writer")
    private let batching = Mutex(Batching())
    /// Number of transactions committed (for the benchmark's journal cost).
    private let commits = Atomic<Int>(0)
    /// Told how long each commit took (metrics); set once, before the first append.
    private let commitObserver = Mutex<(@Sendable (Duration) -> Void)?>(nil)

    /// Opens (creating and migrating) the journal at `path`. Refuses to open unless SQLite reads
    /// back `synchronous` = FULL (2) on the writer connection after opening: GRDB's `DatabasePool`
    /// sets NORMAL after `prepareDatabase`, so the setting is made here, after opening.
    /// The scanned-code key is read from (or created at) `ScannedCodeKey.path(forJournal: path)`.
    public init(path: String) throws {
        scannedCodeHash = ScannedCodeHash(
            key: try ScannedCodeKey.loadOrCreate(path: ScannedCodeKey.path(forJournal: path)))
        do {
            var configuration = Configuration()
            configuration.journalMode = .wal
            configuration.busyMode = .timeout(10)
            // A till's journal is appended to and read by key: two readers and a 256 KiB page cache
            // a connection keep the daemon's memory flat as the journal grows (SQLite's default is
            // 2 MB a connection; 1 MiB cost the daemon 1 MB more after 10,000 sales, at equal speed).
            configuration.maximumReaderCount = 2
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = -256") }
            pool = try DatabasePool(path: path, configuration: configuration)
            self.path = path
            let synchronous = try pool.writeWithoutTransaction { db -> Int in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                return try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            }
            guard synchronous == 2 else {
                throw PaymentsError(.journalUnavailable, "journal synchronous reads \(synchronous), not FULL (2)")
            }
            try Self.migrator.migrate(pool)
        } catch let error as PaymentsError {
            throw error
        } catch {
            throw PaymentsError(.journalUnavailable, "cannot open the journal at \(path)", underlying: error)
        }
    }

    /// The `synchronous` setting the writer connection uses now (2 = FULL).
    public func synchronousSetting() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Tells `observer` how long each commit round takes from now on (on the journal's writer
    /// queue: it must not block).
    public func observeCommits(_ observer: @escaping @Sendable (Duration) -> Void) {
        commitObserver.withLock { $0 = observer }
    }

    /// The journal's files as the status page shows them.
    public struct DiskUsage: Sendable, Hashable {
        /// The database file.
        public var databaseBytes: Int64
        /// The write-ahead log: what is committed but not yet checkpointed into the database.
        public var logBytes: Int64
        /// When the database file was last written. In WAL mode only checkpoints write it (and
        /// the migration at the first start), so this is the last checkpoint.
        public var lastCheckpoint: Date?
    }

    /// The journal's files on disk now.
    public var diskUsage: DiskUsage {
        func attributes(_ file: String) -> [FileAttributeKey: Any] {
            (try? FileManager.default.attributesOfItem(atPath: file)) ?? [:]
        }
        let database = attributes(path)
        let log = attributes(path + "-wal")
        return DiskUsage(
            databaseBytes: (database[.size] as? NSNumber)?.int64Value ?? 0,
            logBytes: (log[.size] as? NSNumber)?.int64Value ?? 0,
            lastCheckpoint: database[.modificationDate] as? Date)
    }

    /// Transactions committed by appends since opening.
    public var commitCount: Int { commits.load(ordering: .relaxed) }

    // MARK: - Schema

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sale (
                        sale_id TEXT PRIMARY KEY NOT NULL,
                        out_trade_no TEXT NOT NULL UNIQUE,
                        amount INTEGER NOT NULL CHECK (amount > 0),
                        currency TEXT NOT NULL,
                        flow TEXT NOT NULL,
                        pay_type TEXT,
                        lane TEXT NOT NULL,
                        goods_name TEXT,
                        created_at INTEGER NOT NULL
                    );
                    CREATE INDEX sale_lane ON sale(lane);
                    CREATE TABLE sale_event (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        sale_id TEXT NOT NULL REFERENCES sale(sale_id),
                        seq INTEGER NOT NULL,
                        at INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        status TEXT NOT NULL,
                        respcd TEXT,
                        syssn TEXT,
                        paid_amount INTEGER NOT NULL,
                        refunded_amount INTEGER NOT NULL,
                        payload BLOB,
                        UNIQUE (sale_id, seq)
                    );
                    CREATE INDEX sale_event_syssn ON sale_event(syssn);
                    CREATE TRIGGER sale_event_no_update BEFORE UPDATE ON sale_event
                        BEGIN SELECT RAISE(ABORT, 'the sale journal is append-only'); END;
                    CREATE TRIGGER sale_event_no_delete BEFORE DELETE ON sale_event
                        BEGIN SELECT RAISE(ABORT, 'the sale journal is append-only'); END;
                    CREATE VIEW sale_state AS
                        SELECT s.*, e.status, e.respcd, e.syssn, e.paid_amount, e.refunded_amount,
                               e.at AS updated_at
                        FROM sale s JOIN sale_event e ON e.sale_id = s.sale_id
                        WHERE e.seq = (SELECT MAX(seq) FROM sale_event WHERE sale_id = s.sale_id);
                    CREATE TABLE notification (
                        syssn TEXT NOT NULL,
                        notify_type TEXT NOT NULL,
                        out_trade_no TEXT,
                        received_at INTEGER NOT NULL,
                        PRIMARY KEY (syssn, notify_type)
                    );
                    """
            )
        }
        return migrator
    }

    // MARK: - Appending

    /// Records a new sale (its creation entry, sequence 0) durably.
    public func create(_ order: SaleOrder, at: Date, status: SaleStatus) async throws {
        try await record(creating: order, [Self.creationEntry(order, at: at, status: status)])
    }

    /// Appends entries durably; returns once they are committed.
    public func append(_ entries: [Entry]) async throws {
        try await record(creating: nil, entries)
    }

    /// Records a new sale (when `order` is given: its row, created at its first entry's instant)
    /// and `entries` in one transaction; returns once they are durable. A sale started with its
    /// code records its creation and its scan at once.
    public func record(creating order: SaleOrder?, _ entries: [Entry]) async throws {
        try await commit(creations: Self.creations(order, entries), entries: entries)
    }

    /// ``record(creating:_:)`` on the caller's thread, when no other commit is running or
    /// waiting: a sale alone does not pay two thread hops to the writer's queue and back. Returns
    /// false, having written nothing, when the journal is busy; the caller then uses
    /// ``record(creating:_:)``, and its entries join the next group commit. Blocks for one
    /// durable transaction (`synchronous = FULL`).
    public func recordIfIdle(creating order: SaleOrder?, _ entries: [Entry]) throws -> Bool {
        let claimed = batching.withLock { state -> Bool in
            guard !state.draining, state.queue.isEmpty else { return false }
            state.draining = true
            return true
        }
        guard claimed else { return false }
        defer {
            // Appends queued meanwhile found the journal draining: the writer takes them over.
            let handOver = batching.withLock { state -> Bool in
                if state.queue.isEmpty { state.draining = false }
                return state.draining
            }
            if handOver { writer.async { self.drain() } }
        }
        do { try write(creations: Self.creations(order, entries), entries: entries) } catch {
            throw PaymentsError(.journalWriteFailed, "journal append failed", underlying: error)
        }
        return true
    }

    private static func creations(_ order: SaleOrder?, _ entries: [Entry]) -> [(SaleOrder, Date)] {
        guard let order else { return [] }
        return [(order, entries.first?.at ?? Date())]
    }

    /// A sale's first entry (sequence 0, no input): what it is as created.
    static func creationEntry(_ order: SaleOrder, at: Date, status: SaleStatus) -> Entry {
        Entry(
            saleID: order.saleID, sequence: 0, at: at, event: nil, status: status, respcd: nil, syssn: nil,
            paidAmount: 0, refundedAmount: 0)
    }

    private func commit(creations: [(SaleOrder, Date)], entries: [Entry]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let start = batching.withLock { state -> Bool in
                state.queue.append(Pending(creations: creations, entries: entries, continuation: continuation))
                if state.draining { return false }
                state.draining = true
                return true
            }
            if start { writer.async { self.drain() } }
        }
    }

    /// One transaction, counted and timed for the metrics.
    private func write(creations: [(SaleOrder, Date)], entries: [Entry]) throws {
        let observer = commitObserver.withLock { $0 }
        let started = ContinuousClock.now
        try pool.write { db in
            for (order, at) in creations { try Self.insert(order, at: at, db) }
            for entry in entries { try Self.insert(entry, db) }
        }
        commits.add(1, ordering: .relaxed)
        observer?(started.duration(to: .now))
    }

    /// Closes the journal's connections once every append made before the call is done. SQLite
    /// then checkpoints the write-ahead log into the database and removes it, so the next start
    /// opens a plain database. Nothing may use the journal afterwards.
    /// - Throws: when a connection is still in use (the log stays; the next start recovers it).
    public func close() async throws {
        await flush()
        try pool.close()
        // GRDB closes the writer before the readers, and a reader closing last cannot checkpoint,
        // so the log would stay (groue/GRDB.swift#739): a connection that can write, closed last,
        // does it.
        try DatabaseQueue(path: path).close()
    }

    /// Returns once every append made before the call has been committed or has failed.
    public func flush() async {
        // Appends drain on the serial `writer` queue until none is left: a block queued after
        // them runs once they are done.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            writer.async { continuation.resume() }
        }
    }

    /// Runs on `writer`: commits everything queued, in one transaction per round.
    private func drain() {
        while true {
            let batch = batching.withLock { state -> [Pending] in
                let batch = state.queue
                state.queue = []
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            do {
                try write(creations: batch.flatMap(\.creations), entries: batch.flatMap(\.entries))
                for pending in batch { pending.continuation.resume() }
            } catch {
                // One bad entry fails the whole round; retry each alone so the others still commit.
                for pending in batch {
                    do {
                        try write(creations: pending.creations, entries: pending.entries)
                        pending.continuation.resume()
                    } catch {
                        pending.continuation.resume(
                            throwing: PaymentsError(.journalWriteFailed, "journal append failed", underlying: error))
                    }
                }
            }
        }
    }

    private static let encoder = JSONEncoder()
    private static let decoder = JSONDecoder()

    /// `date` as the journal stores it: whole milliseconds. The pipeline gives the state machine
    /// only such instants, so that replaying the journal decides exactly as the live run did.
    public static func storedTime(_ date: Date) -> Date { Self.date(milliseconds(date)) }

    private static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    private static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    // The inserts are prepared once per connection (GRDB's statement cache), not at every commit.
    private static func insert(_ order: SaleOrder, at: Date, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO sale (sale_id, out_trade_no, amount, currency, flow, pay_type, lane, goods_name, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                order.saleID, order.outTradeNo, order.amount, order.currency, order.flow.rawValue,
                order.payType?.rawValue, order.lane, order.goodsName, milliseconds(at),
            ])
    }

    private static func insert(_ entry: Entry, _ db: Database) throws {
        let payload = try entry.event.map { try encoder.encode($0) }
        try db.cachedStatement(
            sql: """
                INSERT INTO sale_event (sale_id, seq, at, kind, status, respcd, syssn, paid_amount, refunded_amount, payload)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                entry.saleID, entry.sequence, milliseconds(entry.at), entry.event?.kind ?? "created",
                entry.status.rawValue, entry.respcd, entry.syssn, entry.paidAmount, entry.refundedAmount, payload,
            ])
    }

    // MARK: - Notifications

    /// Records a notification once: false when (syssn, notify_type) was already recorded (a replay).
    public func recordNotification(syssn: String, notifyType: String, outTradeNo: String?, at: Date) async throws
        -> Bool
    {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO notification (syssn, notify_type, out_trade_no, received_at)
                    VALUES (?, ?, ?, ?)
                    """,
                arguments: [syssn, notifyType, outTradeNo, Self.milliseconds(at)])
            return db.changesCount == 1
        }
    }

    /// Notifications recorded so far.
    public func notificationCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification") ?? 0 }
    }

    // MARK: - Reading

    private static func order(_ row: Row) -> SaleOrder {
        SaleOrder(
            saleID: row["sale_id"], outTradeNo: row["out_trade_no"], amount: row["amount"],
            currency: row["currency"], flow: SaleFlow(rawValue: row["flow"]) ?? .barcode,
            payType: (row["pay_type"] as String?).flatMap { PayTypeCoding.payType($0) }, lane: row["lane"],
            goodsName: row["goods_name"])
    }

    private static func entry(_ row: Row) throws -> Entry {
        let payload: Data? = row["payload"]
        return Entry(
            saleID: row["sale_id"], sequence: row["seq"], at: date(row["at"]),
            event: try payload.map { try decoder.decode(SaleEvent.self, from: $0) },
            status: SaleStatus(rawValue: row["status"]) ?? .needsAttention, respcd: row["respcd"],
            syssn: row["syssn"], paidAmount: row["paid_amount"], refundedAmount: row["refunded_amount"])
    }

    /// A sale and its whole log, or nil.
    public func sale(id: String) throws -> StoredSale? {
        try pool.read { db in try Self.storedSale(db, where: "sale_id = ?", [id]).first }
    }

    /// A sale by its payment's `out_trade_no`, or nil.
    public func sale(outTradeNo: String) throws -> StoredSale? {
        try pool.read { db in try Self.storedSale(db, where: "out_trade_no = ?", [outTradeNo]).first }
    }

    /// Every sale whose latest status is not settled, oldest first.
    public func unfinishedSales() throws -> [StoredSale] {
        let unsettled = SaleStatus.allCases.filter { !$0.isSettled }.map { "'\($0.rawValue)'" }.joined(separator: ",")
        return try pool.read { db in
            let ids = try String.fetchAll(
                db, sql: "SELECT sale_id FROM sale_state WHERE status IN (\(unsettled)) ORDER BY created_at")
            return try ids.flatMap { try Self.storedSale(db, where: "sale_id = ?", [$0]) }
        }
    }

    private static func storedSale(_ db: Database, where condition: String, _ arguments: StatementArguments) throws
        -> [StoredSale]
    {
        try Row.fetchAll(db, sql: "SELECT * FROM sale WHERE \(condition)", arguments: arguments).map { row in
            let id: String = row["sale_id"]
            let entries = try Row.fetchAll(
                db, sql: "SELECT * FROM sale_event WHERE sale_id = ? ORDER BY seq", arguments: [id]
            ).map(entry)
            return StoredSale(order: order(row), createdAt: date(row["created_at"]), entries: entries)
        }
    }

    /// Latest facts of sales, newest first, optionally only those with one of `statuses` or on `lane`.
    public func summaries(statuses: Set<SaleStatus>? = nil, lane: String? = nil, limit: Int = 1000) throws
        -> [SaleSummary]
    {
        let query = Self.summaryQuery(statuses: statuses, lane: lane, limit: limit)
        return try pool.read { db in try Self.summaries(db, query) }
    }

    /// ``summaries(statuses:lane:limit:)`` read on GRDB's reader queue: the till's `sale.list`
    /// neither blocks a thread of the caller's nor waits for the payment pipeline.
    public func recentSummaries(statuses: Set<SaleStatus>? = nil, lane: String? = nil, limit: Int = 1000)
        async throws -> [SaleSummary]
    {
        let query = Self.summaryQuery(statuses: statuses, lane: lane, limit: limit)
        return try await pool.read { db in try Self.summaries(db, query) }
    }

    private struct SummaryQuery: Sendable {
        var sql: String
        var arguments: StatementArguments
    }

    private static func summaryQuery(statuses: Set<SaleStatus>?, lane: String?, limit: Int) -> SummaryQuery {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let statuses {
            conditions.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ",")))")
            arguments += statuses.map(\.rawValue)
        }
        if let lane {
            conditions.append("lane = ?")
            arguments.append(lane)
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return SummaryQuery(
            sql: "SELECT * FROM sale_state \(filter) ORDER BY created_at DESC LIMIT \(max(0, limit))",
            arguments: StatementArguments(arguments))
    }

    private static func summaries(_ db: Database, _ query: SummaryQuery) throws -> [SaleSummary] {
        try Row.fetchAll(db, sql: query.sql, arguments: query.arguments).map(summary)
    }

    private static func summary(_ row: Row) -> SaleSummary {
        SaleSummary(
            order: order(row), createdAt: date(row["created_at"]), updatedAt: date(row["updated_at"]),
            status: SaleStatus(rawValue: row["status"]) ?? .needsAttention, respcd: row["respcd"],
            syssn: row["syssn"], paidAmount: row["paid_amount"], refundedAmount: row["refunded_amount"])
    }

    /// Paid and refunded amounts of a sale as the journal has them, and whether a refund is in flight.
    public func refundPosition(saleID: String) throws -> (paid: Int, refunded: Int, refundInFlight: Bool)? {
        try pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT paid_amount, refunded_amount, status FROM sale_state WHERE sale_id = ?",
                    arguments: [saleID])
            else { return nil }
            return (
                row["paid_amount"], row["refunded_amount"], (row["status"] as String) == SaleStatus.refunding.rawValue
            )
        }
    }

    /// Sales created in `[from, to)`, with their latest facts (reconciliation), read on GRDB's
    /// reader queue.
    public func summaries(createdFrom from: Date, to: Date) async throws -> [SaleSummary] {
        let bounds: StatementArguments = [Self.milliseconds(from), Self.milliseconds(to)]
        return try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM sale_state WHERE created_at >= ? AND created_at < ? ORDER BY created_at",
                arguments: bounds
            ).map(Self.summary)
        }
    }

    /// Refunds that went through per sale (out_trade_no and amount), for reconciliation.
    public func refunds(saleID: String) throws -> [RefundOrder] {
        guard let stored = try sale(id: saleID) else { return [] }
        return stored.replay(policy: .standard).refunds
    }

    /// Raw SQL for tests that plant or inspect rows (never used by the pipeline).
    func execute(_ sql: String) throws {
        try pool.writeWithoutTransaction { db in try db.execute(sql: sql) }
    }
}

extension Journal.StoredSale {
    /// The sale's state machine rebuilt from its log.
    public func replay(policy: SalePolicy) -> SaleStateMachine {
        var machine = SaleStateMachine(order: order, createdAt: createdAt, policy: policy)
        for entry in entries { machine.replay(entry) }
        return machine
    }
}

/// PayType from its raw value (kept here so the journal does not depend on QFPay's Codable form).
enum PayTypeCoding {
    static func payType(_ raw: String) -> PayType? { PayType(rawValue: raw) }
}
