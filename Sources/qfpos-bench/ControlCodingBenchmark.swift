import ControlProtocol
import Foundation
import Payments
import QFPay

/// `QFPOS_BENCH=control-coding`: the control protocol's JSON on the hot path of a sale, per call:
/// parsing a `sale.start` line, turning a sale into an event's params, encoding the event's line,
/// and a `daemon.status` request and answer.
func runControlCodingBenchmark() async throws {
    let sale = SaleInfo(
        saleID: "S1765000000000-123456", orderID: "S1765000000000-123456", outTradeNo: "20261207153000123456789",
        lane: "lane-1", mode: .scan, amount: 1200, currency: "JPY", state: .paid, isFinal: true, wallet: .wechat,
        respcd: "0000", respcdMeaning: "Success", syssn: "20261207000300020099887766",
        authCodeMasked: "1345********1234",
        refundedAmount: 0, createdAt: "2026-12-07T15:30:00.123+09:00", updatedAt: "2026-12-07T15:30:00.456+09:00")
    let start = Array(
        #"{"jsonrpc":"2.0","id":17,"method":"sale.start","params":{"amount":1200,"mode":"scan","order_id":"T-000017","auth_code":"134567890123456789","lane":"lane-1"}}"#
            .utf8)
    let status = Array(#"{"jsonrpc":"2.0","id":18,"method":"daemon.status"}"#.utf8)
    let params = try JSONValue(encoding: sale)
    let event = EventNotification(method: EventName.saleUpdated, params: params)
    print("== control-coding (µs a call, median of 5 rounds of 2,000)")
    func measure(_ name: String, _ body: () throws -> Void) rethrows {
        var rounds: [Double] = []
        for _ in 0..<5 {
            let began = ContinuousClock.now
            for _ in 0..<2000 { try body() }
            rounds.append(Double((ContinuousClock.now - began) / .nanoseconds(1)) / 2000 / 1000)
        }
        print("  \(name): \(String(format: "%.1f", rounds.sorted()[2])) µs")
    }
    try measure("sale.start line parsed") { _ = InboundLine.parse(start) }
    try measure("daemon.status line parsed") { _ = InboundLine.parse(status) }
    try measure("sale -> event params (JSONValue)") { _ = try JSONValue(encoding: sale) }
    measure("event line encoded") { _ = event.encodedLine() }
    let scanned = SaleEvent.scanned(
        maskedCode: "1345********1234", codeHash: String(repeating: "ab", count: 32), payType: .wechatBarcode)
    let encoder = JSONEncoder()
    try measure("journal payload of a scan (JSONEncoder)") { _ = try encoder.encode(scanned) }
}
