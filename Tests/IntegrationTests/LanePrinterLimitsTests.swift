import ControlProtocol
import Foundation
import Logging
import Payments
import QFPOSDaemon
import Testing

@Suite struct LanePrinterLimitsTests {
    /// A lane whose printer is a TCP port nobody listens on: never reachable, so every job is held.
    private func unreachablePrinter() async throws -> (LanePrinter, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        try directory.write(
            "qfposd.yaml",
            DaemonHarness.yaml(
                directory: directory, extra: "lanes:\n  ids: [front]\n  front:\n    printer:\n      path: 127.0.0.1:9\n"
            ))
        let (configuration, _) = try await ConfigurationLoader.load(
            path: directory.file("qfposd.yaml"), environment: [:])
        let printer = LanePrinter(
            configuration: configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            publish: { _ in })
        return (printer, directory)
    }

    private func receipt(_ number: Int, reprint: Bool) -> SaleReceipt {
        var receipt = SaleReceipt(
            kind: .payment, saleID: "S\(number)", lane: "front", outTradeNo: "T\(number)", syssn: "SN\(number)",
            amount: 1200, currency: "JPY", payType: .wechatBarcode, maskedCode: "1346••••••••4254", qrcode: nil,
            refundedTotal: 0, at: Date())
        receipt.isReprint = reprint
        return receipt
    }

    @Test func reprintsAreRefusedOnceAnOfflinePrinterHoldsItsShareAndReceiptsStillQueue() async throws {
        let (printer, directory) = try await unreachablePrinter()
        defer {
            printer.close()
            directory.remove()
        }
        let limit = LanePrinter.maximumHeldJobsForReprint
        for number in 0..<(limit - 1) { try await printer.print(receipt(number, reprint: false)) }
        // Under the share, a reprint is queued like any receipt.
        try await printer.print(receipt(0, reprint: true))
        await #expect {
            try await printer.print(receipt(1, reprint: true))
        } throws: { error in
            (error as? RPCError)?.reason == .printerUnavailable
                && (error as? RPCError)?.data?["held"] == .integer(Int64(limit))
        }
        // A sale's own receipt is owed to the customer: it is always queued.
        try await printer.print(receipt(limit, reprint: false))
    }
}
