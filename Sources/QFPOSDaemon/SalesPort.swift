import ControlProtocol

/// A sale requested by the till (`sale.start`), validated.
public struct SaleStartRequest: Sendable, Hashable {
    public var amount: Int64
    public var currency: String
    public var goodsName: String?
    public var mode: SaleInfo.Mode
    /// Required for `qr`; for `scan` found from the code.
    public var wallet: SaleInfo.Wallet?
    /// A code the till read itself (its own scanner), instead of waiting for the lane's scanner.
    public var authCode: String?
    /// The till's idempotency key: the same order id returns the same sale.
    public var orderID: String?
    public var lane: String?

    public init(
        amount: Int64, currency: String = "JPY", goodsName: String? = nil, mode: SaleInfo.Mode = .scan,
        wallet: SaleInfo.Wallet? = nil, authCode: String? = nil, orderID: String? = nil, lane: String? = nil
    ) {
        self.amount = amount
        self.currency = currency
        self.goodsName = goodsName
        self.mode = mode
        self.wallet = wallet
        self.authCode = authCode
        self.orderID = orderID
        self.lane = lane
    }
}

/// The seam between the daemon and the payment pipeline: everything the control methods need.
/// The adapter over `Payments` implements it; errors meant for the till are thrown as
/// ``RPCError`` with a stable reason.
public protocol SalesPort: Sendable {
    func startSale(_ request: SaleStartRequest) async throws -> SaleInfo
    func sale(id: String) async throws -> SaleInfo?
    func sales(limit: Int) async throws -> [SaleInfo]
    func cancelSale(id: String) async throws -> SaleInfo
    func refundSale(id: String, amount: Int64) async throws -> SaleInfo
    func reprintReceipt(saleID: String) async throws
    func reconcile(date: String) async throws -> JSONValue
    /// A code from a lane's scanner (or `scan.simulate`): given to the sale awaiting it.
    func provideScan(lane: String, code: String) async throws -> SaleInfo?
    /// Calls `observer` with every sale change from now on, in order, as it happens (on the
    /// payment pipeline's queue: it must not block).
    func observeSales(_ observer: @escaping @Sendable (SaleInfo) -> Void) async
    /// Sales not yet final.
    func pendingCount() async -> Int
    /// Stops taking new sales and waits until in-flight steps are journaled.
    func drain() async
    /// After ``drain()``, when the daemon exits: closes the journal cleanly.
    func close() async throws
    /// Applies a re-read configuration's lanes (SIGHUP): the default lane and the lanes' printers.
    func reload(_ configuration: DaemonConfiguration) async throws
}

/// The seam between the daemon and device discovery: the device list and device events.
public protocol DevicesPort: Sendable {
    /// Every device found, as `devices.list` shows it.
    func deviceList() async -> JSONValue
    /// Calls `observer` with every device event as a notification (`device.added`,
    /// `device.removed`, `printer.status`, `scan` with the code masked), those made before the
    /// call first, then each as it happens, in order, on the queue that made it: it must not block.
    func observeEvents(_ observer: @escaping @Sendable (EventNotification) -> Void) async
    /// Re-reads lanes and devices (SIGHUP).
    func reload(_ configuration: DaemonConfiguration) async throws
    /// Closes every device and stops following udev (the daemon stopped); returns once closed.
    func close() async
}
