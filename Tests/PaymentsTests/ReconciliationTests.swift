import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

@testable import Payments

struct ReconciliationTests {
    static func today() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Tokyo")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }

    @Test func reconciliationMatchesCleanSalesAndFindsPlantedMismatches() async throws {
        try await PipelineHarness.run { harness in
            let pipeline = try harness.pipeline()
            var paid: [SaleSnapshot] = []
            for (index, scenario) in [
                SandboxScenario.success, .success, .success, .declined(.codeExpired), .pendingForever,
            ]
            .enumerated() {
                let id = orderID("rec")
                _ = try await pipeline.startSale(
                    SaleRequest(
                        orderID: id, amount: 1000 + index, flow: .barcode, lane: id,
                        authCode: scenario.authCode(serial: index)))
                let sale = try await pipeline.settledWithin(id)
                if sale.status == .paid { paid.append(sale) }
            }
            #expect(paid.count == 3)
            _ = try await pipeline.refund(paid[0].saleID, amount: 400)
            let journal = try harness.files.open()
            let reconciler = Reconciler(journal: journal, gateway: harness.gateway)
            let date = Self.today()

            let clean = try await reconciler.reconcile(date: date)
            #expect(clean.isClean, "\(clean.table())")
            #expect(clean.matched.count == 3)

            // Plant: a payment the journal never saw, an amount the journal has wrong, a local-only sale.
            let stranger = SaleOrder(
                saleID: "stranger", outTradeNo: "PSTRANGER\(UInt32.random(in: 0...UInt32.max))", amount: 777,
                flow: .barcode, payType: nil, lane: "x")
            guard
                case .answered(let answer) = await harness.gateway.pay(
                    stranger, authCode: SandboxScenario.success.authCode(serial: 99), at: Date())
            else {
                Issue.record("the planted payment was not answered")
                return
            }
            #expect(answer.outcome == .success)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try journal.execute(
                """
                INSERT INTO sale_event (sale_id, seq, at, kind, status, respcd, syssn, paid_amount, refunded_amount)
                VALUES ('\(paid[1].saleID)', 99, \(now), 'planted', 'paid', '0000', '\(paid[1].syssn ?? "")', 999, 0);
                INSERT INTO sale (sale_id, out_trade_no, amount, currency, flow, lane, created_at)
                VALUES ('ghost', 'PGHOST\(now)', 500, 'JPY', 'barcode', 'x', \(now));
                INSERT INTO sale_event (sale_id, seq, at, kind, status, respcd, syssn, paid_amount, refunded_amount)
                VALUES ('ghost', 0, \(now), 'planted', 'paid', '0000', 'NOSUCHSYSSN', 500, 0);
                """)
            let report = try await reconciler.reconcile(date: date)
            #expect(report.matched.count == 2)
            #expect(report.amountMismatches.map(\.saleID) == [paid[1].saleID])
            #expect(report.amountMismatches.first?.localAmount == 999)
            #expect(report.amountMismatches.first?.gatewayAmount == paid[1].paidAmount)
            #expect(report.onlyGateway.map(\.outTradeNo) == [stranger.outTradeNo])
            #expect(report.onlyLocal.map(\.saleID) == ["ghost"])
            let csv = report.csv()
            #expect(csv.hasPrefix("category,sale_id,out_trade_no,syssn,local_amount,gateway_amount,status\r\n"))
            #expect(csv.contains("amount-mismatch,\(paid[1].saleID),"))
            #expect(csv.contains("only-gateway,,\(stranger.outTradeNo),"))
            #expect(report.table().contains("2 matched, 1 only local, 1 only gateway, 1 amount mismatches"))
        }
    }

    @Test func aBillOfQuotedCSVInAStoredZipIsRead() throws {
        let csv = Array("syssn,out_trade_no,order_type,txamt,respcd,orig_syssn\r\n1,\"P,1\",payment,100,0000,\r\n".utf8)
        var zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        let size = UInt32(csv.count)
        let sizeBytes = (0..<4).map { UInt8((size >> (8 * $0)) & 0xFF) }
        zip += sizeBytes + sizeBytes + [5, 0, 0, 0] + Array("a.csv".utf8) + csv
        let rows = try TradeBillReader.rows(zip: zip)
        #expect(rows == [BillRow(syssn: "1", outTradeNo: "P,1", amount: 100, orderType: "payment", respcd: "0000")])
        #expect(throws: (any Error).self) { try TradeBillReader.rows(zip: [0x50, 0x4B, 0x03, 0x04, 0, 0]) }
    }
}
