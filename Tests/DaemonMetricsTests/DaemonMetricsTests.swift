import DaemonMetrics
import QFPay
import Testing

@Suite struct DaemonMetricsTests {
    static func lines(_ metrics: DaemonMetrics) -> [String] {
        String(decoding: metrics.exposition(), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test func aSaleCountsOncePerFinalStateItReachesAndItsRecoveryOnce() {
        let metrics = DaemonMetrics()
        for state in ["awaiting_scan", "submitting", "pending", "pending", "needs_attention", "paid", "paid"] {
            metrics.saleChanged(id: "S-1", state: state, mode: "scan", isFinal: state == "paid")
        }
        metrics.saleChanged(id: "S-1", state: "refunded", mode: "scan", isFinal: true)
        let lines = Self.lines(metrics)
        #expect(lines.contains(#"qfpos_sales_total{state="paid",mode="scan"} 1"#), "\(lines)")
        #expect(lines.contains(#"qfpos_sales_total{state="refunded",mode="scan"} 1"#), "\(lines)")
        #expect(lines.contains(#"qfpos_sales_outcome_unknown_total{mode="scan"} 1"#), "\(lines)")
        #expect(lines.contains(#"qfpos_sales_recovered_total{state="paid"} 1"#), "\(lines)")
        #expect(lines.contains("# TYPE qfpos_sales_total counter"))
    }

    @Test func gatewayExchangesAreCountedByEndpointAndClassWithTheirLatency() {
        let metrics = DaemonMetrics()
        metrics.gatewayExchanged(
            GatewayExchange(
                endpoint: "payment", outcome: .answered(respcd: "1143", classification: .pending),
                duration: .milliseconds(30)))
        metrics.gatewayExchanged(
            GatewayExchange(endpoint: "query", outcome: .unknown(.timedOut), duration: .seconds(15)))
        metrics.gatewayExchanged(
            GatewayExchange(
                endpoint: "refund", outcome: .answered(respcd: "1265", classification: .retryLater),
                duration: .milliseconds(40)))
        let lines = Self.lines(metrics)
        #expect(lines.contains(#"qfpos_qfpay_requests_total{endpoint="payment",respcd_class="pending"} 1"#))
        #expect(lines.contains(#"qfpos_qfpay_requests_total{endpoint="query",respcd_class="no_answer"} 1"#))
        #expect(lines.contains(#"qfpos_qfpay_requests_total{endpoint="refund",respcd_class="retry_later"} 1"#))
        #expect(lines.contains(#"qfpos_qfpay_unknown_outcomes_total{endpoint="query",reason="timed_out"} 1"#))
        #expect(lines.contains(#"qfpos_qfpay_request_duration_seconds_bucket{endpoint="payment",le="0.05"} 1"#))
        #expect(lines.contains(#"qfpos_qfpay_request_duration_seconds_count{endpoint="query"} 1"#))
        #expect(lines.contains("qfpos_qfpay_reachable 1.0"), "the refund's answer came after the timeout")
    }

    @Test func thePrinterStatusIsOneSeriesAtOneAndTheOthersAtZero() {
        let metrics = DaemonMetrics()
        metrics.setPrinters([.init(lane: "front", state: "paper-out", queuedJobs: 3)])
        let lines = Self.lines(metrics)
        #expect(lines.contains(#"qfpos_printer_online{lane="front"} 0.0"#), "\(lines)")
        #expect(lines.contains(#"qfpos_printer_queued_jobs{lane="front"} 3.0"#), "\(lines)")
        let status = lines.filter { $0.hasPrefix("qfpos_printer_status{") }
        #expect(status.count == DaemonMetrics.printerStates.count)
        #expect(status.filter { $0.hasSuffix(" 1.0") }.count == 1, "\(status)")
        #expect(status.contains { $0.contains(#"status="paper-out""#) && $0.hasSuffix(" 1.0") }, "\(status)")
    }
}
