import Foundation
import StatusPage
import Testing

@Suite struct StatusPageRendererTests {
    static func snapshot(shop: String = "Cafe", lane: String = "front", reason: String = "udev") -> StatusSnapshot {
        StatusSnapshot(
            version: "0.1.0", libraries: [("libcrypto", "OpenSSL 3")], stage: "running", shopName: shop,
            lanes: [
                .init(
                    id: lane, scanner: .init(path: "/dev/ttyACM0", reason: reason, status: "reading", isHealthy: true),
                    printer: .init(path: "/dev/usb/lp0", reason: "usblp", status: "paper-out", isHealthy: false),
                    queuedJobs: 2, hasLastReceipt: true)
            ],
            sales: [
                .init(
                    id: "S-1", lane: lane, mode: "scan", wallet: "wechat", amount: 1_234_567, currency: "JPY",
                    state: "paid", maskedCode: "1300••••••••4254",
                    steps: [.init(state: "awaiting_scan", at: Date(timeIntervalSince1970: 0))])
            ],
            gateway: .init(
                environment: "test", baseURL: "https://openapi-test.qfpay.com", lastAnswer: "query: success 0000",
                lastAnswerAt: nil, reachable: false, budgetSecond: 99, budgetMinute: 398, requestsPerSecond: 100,
                requestsPerMinute: 400),
            journal: nil)
    }

    @Test func thePageHasNoScriptAViewportAndFormsWithTheTokenOnly() {
        let html = StatusPageRenderer.render(Self.snapshot(), csrfToken: "tok123")
        #expect(!html.contains("<script"))
        #expect(html.contains("name=\"viewport\""))
        let forms = html.components(separatedBy: "<form ").dropFirst()
        #expect(forms.count == 2)
        for form in forms {
            #expect(
                form.hasPrefix("method=\"post\" action=\"/lanes/front/test-print\"")
                    || form.hasPrefix("method=\"post\" action=\"/lanes/front/reprint\""))
            #expect(form.contains("name=\"csrf\" value=\"tok123\""))
        }
        #expect(html.contains("JPY 1,234,567"))
        #expect(html.contains("1300••••••••4254"))
        #expect(html.contains("unreachable"))
        #expect(html.contains("Queued jobs: <b class=\"queued\">2</b>"))
        #expect(html.contains("09:00:00 awaiting_scan"), "step times in JST")
    }

    @Test func valuesFromOutsideAreEscaped() {
        let html = StatusPageRenderer.render(
            Self.snapshot(shop: "<script>alert(1)</script>", reason: "a\"><img src=x onerror=alert(1)>"),
            csrfToken: "t", notice: "<b>")
        #expect(!html.contains("<script>alert"))
        #expect(!html.contains("<img src=x"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }
}
