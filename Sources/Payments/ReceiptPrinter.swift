/// Prints receipts for the pipeline. Errors are logged and reported; they never change a sale.
public protocol ReceiptPrinter: Sendable {
    /// Prints one receipt on the printer of `content.lane`.
    func print(_ content: SaleReceipt) async throws
}
