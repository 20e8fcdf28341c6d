import Foundation

/// Everything the status page shows, gathered by the daemon at each load.
public struct StatusSnapshot: Sendable {
    /// A scanner or printer of a lane.
    public struct Device: Sendable {
        /// The node or `host:port`.
        public var path: String
        /// Why it has this role and lane, as udev or the configuration gave it.
        public var reason: String
        /// `open`, `grabbed`, `ready`, `paper-out`, `not found`, ...
        public var status: String
        public var isHealthy: Bool

        public init(path: String, reason: String, status: String, isHealthy: Bool) {
            self.path = path
            self.reason = reason
            self.status = status
            self.isHealthy = isHealthy
        }
    }

    public struct Lane: Sendable {
        public var id: String
        public var scanner: Device?
        public var printer: Device?
        public var queuedJobs: Int
        /// Whether a receipt was printed on this lane since the daemon started (preview, reprint).
        public var hasLastReceipt: Bool

        public init(id: String, scanner: Device?, printer: Device?, queuedJobs: Int, hasLastReceipt: Bool) {
            self.id = id
            self.scanner = scanner
            self.printer = printer
            self.queuedJobs = queuedJobs
            self.hasLastReceipt = hasLastReceipt
        }
    }

    /// One step of a sale's journal: its state and when it was reached.
    public struct Step: Sendable {
        public var state: String
        public var at: Date

        public init(state: String, at: Date) {
            self.state = state
            self.at = at
        }
    }

    public struct Sale: Sendable {
        public var id: String
        public var lane: String
        public var mode: String
        public var wallet: String?
        /// In the currency's minimal unit.
        public var amount: Int64
        public var currency: String
        public var state: String
        /// The customer's code, masked (`1346••••••••4254`).
        public var maskedCode: String?
        public var steps: [Step]

        public init(
            id: String, lane: String, mode: String, wallet: String?, amount: Int64, currency: String, state: String,
            maskedCode: String?, steps: [Step]
        ) {
            self.id = id
            self.lane = lane
            self.mode = mode
            self.wallet = wallet
            self.amount = amount
            self.currency = currency
            self.state = state
            self.maskedCode = maskedCode
            self.steps = steps
        }
    }

    public struct Gateway: Sendable {
        /// `production`, `test` or `sandbox`, and its base URL.
        public var environment: String
        public var baseURL: String
        /// The last request's endpoint and how it ended (`query: success 0000`), and when.
        public var lastAnswer: String?
        public var lastAnswerAt: Date?
        /// Whether the last request got an answer (nil before the first).
        public var reachable: Bool?
        public var budgetSecond: Int
        public var budgetMinute: Int
        public var requestsPerSecond: Int
        public var requestsPerMinute: Int

        public init(
            environment: String, baseURL: String, lastAnswer: String?, lastAnswerAt: Date?, reachable: Bool?,
            budgetSecond: Int, budgetMinute: Int, requestsPerSecond: Int, requestsPerMinute: Int
        ) {
            self.environment = environment
            self.baseURL = baseURL
            self.lastAnswer = lastAnswer
            self.lastAnswerAt = lastAnswerAt
            self.reachable = reachable
            self.budgetSecond = budgetSecond
            self.budgetMinute = budgetMinute
            self.requestsPerSecond = requestsPerSecond
            self.requestsPerMinute = requestsPerMinute
        }
    }

    public struct Journal: Sendable {
        public var path: String
        public var databaseBytes: Int64
        public var logBytes: Int64
        public var lastCheckpoint: Date?

        public init(path: String, databaseBytes: Int64, logBytes: Int64, lastCheckpoint: Date?) {
            self.path = path
            self.databaseBytes = databaseBytes
            self.logBytes = logBytes
            self.lastCheckpoint = lastCheckpoint
        }
    }

    public var version: String
    /// Name and version of each C library the daemon runs with.
    public var libraries: [(name: String, version: String)]
    public var stage: String
    public var shopName: String
    public var lanes: [Lane]
    public var sales: [Sale]
    public var gateway: Gateway
    public var journal: Journal?

    public init(
        version: String, libraries: [(name: String, version: String)], stage: String, shopName: String,
        lanes: [Lane], sales: [Sale], gateway: Gateway, journal: Journal?
    ) {
        self.version = version
        self.libraries = libraries
        self.stage = stage
        self.shopName = shopName
        self.lanes = lanes
        self.sales = sales
        self.gateway = gateway
        self.journal = journal
    }
}

/// What the status page reads and the two things it can do. Nothing here starts, cancels or
/// refunds a sale: the page has no way to.
public protocol StatusSource: Sendable {
    func snapshot() async -> StatusSnapshot
    /// A PNG preview of the last receipt printed on `lane`, nil when none was.
    func receiptPreview(lane: String) async -> [UInt8]?
    /// Prints the test page on `lane`'s printer.
    func testPrint(lane: String) async throws
    /// Prints a copy of the last receipt printed on `lane`.
    func reprintLastReceipt(lane: String) async throws
}
