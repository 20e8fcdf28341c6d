import ESCPOS
import Foundation
import QFPay
import QFPaySandbox
import Synchronization
import TestSupport
import Testing

@testable import Payments

/// Receipts go through the ESC/POS layouts; their bytes decode back to what the sale says.
struct ESCPOSReceiptPrinterTests {
    final class Sink: Sendable {
        let jobs = Mutex<[(String, [UInt8])]>([])
    }

    @Test func aPaidSalePrintsASaleReceiptAndAQRSaleItsQRCode() async throws {
        let sink = Sink()
        let printer = ESCPOSReceiptPrinter(
            renderer: ReceiptRenderer(profile: try #require(PrinterProfile.all.first)), shopName: "テスト商店",
            send: { lane, bytes in sink.jobs.withLock { $0.append((lane, bytes)) } })
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline(printer: printer)
            let id = orderID()
            _ = try await pipeline.startSale(
                SaleRequest(
                    orderID: id, amount: 1234, flow: .barcode, lane: "front",
                    authCode: SandboxScenario.success.authCode()))
            let sale = try await pipeline.settledWithin(id)
            try await eventually("the receipt") { sink.jobs.withLock { $0.count } == 1 }
            let (lane, bytes) = try #require(sink.jobs.withLock { $0.first })
            #expect(lane == "front")
            let text = PreviewDecoder().decode(bytes).compactMap { element -> String? in
                if case .line(let line) = element { return line.text }
                return nil
            }.joined(separator: "\n")
            #expect(text.contains(sale.order.outTradeNo) || text.contains(String(sale.order.outTradeNo.suffix(12))))
            #expect(text.contains("1,234"))
            #expect(!text.contains(SandboxScenario.success.authCode()))

            let qr = orderID()
            _ = try await pipeline.startSale(
                SaleRequest(orderID: qr, amount: 500, flow: .dynamicQR, wallet: .alipay, lane: "front"))
            try await eventually("the QR prompt") { sink.jobs.withLock { $0.count } == 2 }
            let prompt = try #require(sink.jobs.withLock { $0.last?.1 })
            #expect(
                PreviewDecoder().decode(prompt).contains { element in
                    if case .qrCode = element { return true }
                    if case .image = element { return true }
                    return false
                })
            await pipeline.stop()
        }
    }
}
