/// The names of the daemon's methods and events, in one place for the daemon, `qfposctl` and
/// docs/protocol.md.
public enum MethodName {
    public static let saleStart = "sale.start"
    public static let saleGet = "sale.get"
    public static let saleList = "sale.list"
    public static let saleCancel = "sale.cancel"
    public static let saleRefund = "sale.refund"
    public static let receiptReprint = "receipt.reprint"
    public static let devicesList = "devices.list"
    public static let reconcileRun = "reconcile.run"
    public static let daemonStatus = "daemon.status"
    public static let eventsSubscribe = "events.subscribe"
    public static let eventsUnsubscribe = "events.unsubscribe"
    /// A technician's test of a lane: the code is handled as if the lane's scanner had read it.
    public static let scanSimulate = "scan.simulate"
}

/// The names of the events the daemon pushes to subscribers, as JSON-RPC notifications.
public enum EventName {
    /// A sale changed state; params is the sale (``SaleInfo``).
    public static let saleUpdated = "sale.updated"
    /// A scanner read a code; params has `lane`, `device`, `kind` and the code masked.
    public static let scan = "scan"
    /// A device appeared.
    public static let deviceAdded = "device.added"
    /// A device went away.
    public static let deviceRemoved = "device.removed"
    /// A printer's state changed (ready, offline, paper out).
    public static let printerStatus = "printer.status"
    /// The daemon's own state changed (ready, draining, reloaded).
    public static let daemonStatus = "daemon.status"

    /// Every event name, the default subscription.
    public static let all: [String] = [saleUpdated, scan, deviceAdded, deviceRemoved, printerStatus, daemonStatus]
}
