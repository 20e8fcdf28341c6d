import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

@Suite("Barcode and QR payments over HTTP")
struct SandboxPaymentTests {
    @Test func aBarcodePaymentIsPaidAndAnsweredSigned() async throws {
        try await withSandbox { sandbox in
            let client = SandboxTestClient(sandbox)
            let outTradeNo = uniqueOutTradeNo()
            let params = SandboxTestClient.barcodePayment(
                amount: 1200, authCode: "134676275354204254", outTradeNo: outTradeNo)
            let response = try await client.post("/trade/v1/payment", params)
            #expect(response.status == 200)
            #expect(client.verifies(response))
            let json = try SandboxTestClient.json(response)
            #expect(json["respcd"] as? String == "0000")
            #expect(json["txamt"] as? String == "1200")
            #expect(json["out_trade_no"] as? String == outTradeNo)
            let syssn = try #require(json["syssn"] as? String)
            let order = try #require(sandbox.ledger.order(syssn: syssn))
            #expect(order.state == .paid)
            #expect(order.chargedAmount == 1200)
        }
    }
}
