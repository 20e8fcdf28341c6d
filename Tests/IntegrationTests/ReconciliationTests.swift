import ControlProtocol
import Foundation
import QFPOSDaemon
import QFPaySandbox
import TestSupport
import Testing

/// `reconcile.run` through the socket: the day's QFPay bill from the sandbox against the journal.
@Suite struct ReconciliationTests {
    @Test func aPaidSaleIsMatchedInTheDaysReconciliation() async throws {
        try await withSandbox { sandbox in
            let harness = try await DaemonHarness(sandbox: sandbox)
            let till = try await harness.connect()
            let code = SandboxScenario.success.authCode(serial: 4_242)
            _ = try await till.call(
                MethodName.saleStart, ["amount": 1500, "auth_code": .string(code), "order_id": "REC-1"])
            var sale = try await till.call(MethodName.saleGet, ["sale_id": "REC-1"], as: SaleInfo.self)
            let deadline = ContinuousClock.now + .seconds(10)
            while sale.state != .paid, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                sale = try await till.call(MethodName.saleGet, ["sale_id": "REC-1"], as: SaleInfo.self)
            }
            #expect(sale.state == .paid)
            let outTradeNo = try #require(sale.outTradeNo)
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd"
            formatter.timeZone = TimeZone(identifier: "Asia/Tokyo")
            let today = formatter.string(from: Date())
            let report = try await till.call(MethodName.reconcileRun, ["date": .string(today)])
            #expect(report["clean"] == .bool(true), "report: \(report)")
            let matched = report["matched"]
            #expect(matched == .array([matchedLine(sale, outTradeNo)]), "report: \(report)")
            #expect(report["csv"]?.stringValue?.contains("matched,REC-1,\(outTradeNo)") == true)
            await #expect(throws: RPCError.self) {
                _ = try await till.call(MethodName.reconcileRun, ["date": "27/11/2026"])
            }
            await till.close()
            try await harness.stop()
        }
    }

    private func matchedLine(_ sale: SaleInfo, _ outTradeNo: String) -> JSONValue {
        var line: [String: JSONValue] = [
            "out_trade_no": .string(outTradeNo), "sale_id": "REC-1", "local_amount": 1500,
            "gateway_amount": 1500, "status": "paid",
        ]
        if let syssn = sale.syssn { line["syssn"] = .string(syssn) }
        return .object(line)
    }
}
