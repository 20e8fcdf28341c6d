import Foundation
import WallClock

/// The status page as one server-rendered HTML document: no script, a small style sheet, and
/// cards that stack on a phone's narrow screen. Every value from outside is escaped.
public enum StatusPageRenderer {
    public static func render(_ status: StatusSnapshot, csrfToken: String, notice: String? = nil) -> String {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>qfpos \(escape(status.shopName.isEmpty ? "status" : status.shopName))</title>
            <style>\(style)</style></head><body>
            <header><h1>qfpos <span class="muted">\(escape(status.shopName))</span></h1>
            <p>qfposd \(escape(status.version)) · <span class="\(status.stage == "running" ? "ok" : "warn")">\
            \(escape(status.stage))</span> · \(escape(time(Date()))) JST</p></header>

            """
        if let notice {
            html += "<p class=\"notice\" id=\"notice\">\(escape(noticeText(notice)))</p>\n"
        }
        html += "<section id=\"lanes\"><h2>Lanes</h2>\n"
        if status.lanes.isEmpty { html += "<p class=\"muted\">No lanes configured.</p>\n" }
        for lane in status.lanes { html += laneCard(lane, csrfToken: csrfToken) }
        html += "</section>\n"
        html += salesSection(status.sales)
        html += gatewaySection(status.gateway)
        html += journalSection(status.journal)
        html += "<section id=\"versions\"><h2>Versions</h2><dl>"
        html += "<dt>qfposd</dt><dd>\(escape(status.version))</dd>"
        for library in status.libraries {
            html += "<dt>\(escape(library.name))</dt><dd>\(escape(library.version))</dd>"
        }
        html += "</dl></section>\n"
        html += "<footer class=\"muted\">This page cannot start, cancel or refund a sale.</footer>\n</body></html>\n"
        return html
    }

    private static func laneCard(_ lane: StatusSnapshot.Lane, csrfToken: String) -> String {
        let id = escape(lane.id)
        var html = "<article class=\"card lane\" id=\"lane-\(id)\"><h3>Lane \(id)</h3>\n"
        for (role, device) in [("Scanner", lane.scanner), ("Printer", lane.printer)] {
            html += "<div class=\"device\"><b>\(role)</b> "
            if let device {
                html += "<span class=\"\(device.isHealthy ? "ok" : "bad")\">\(escape(device.status))</span>"
                html += "<br><code>\(escape(device.path))</code><br><small>\(escape(device.reason))</small>"
            } else {
                html += "<span class=\"muted\">none configured</span>"
            }
            html += "</div>\n"
        }
        if lane.printer != nil {
            html += "<p>Queued jobs: <b class=\"queued\">\(lane.queuedJobs)</b></p>\n"
            html += form(lane: lane.id, action: "test-print", label: "Test print", token: csrfToken)
            if lane.hasLastReceipt {
                html += form(lane: lane.id, action: "reprint", label: "Reprint last receipt", token: csrfToken)
                html += "<details><summary>Last receipt</summary><img alt=\"last receipt on lane \(id)\" "
                html += "src=\"/lanes/\(escape(percent(lane.id)))/receipt.png\"></details>\n"
            }
        }
        return html + "</article>\n"
    }

    private static func form(lane: String, action: String, label: String, token: String) -> String {
        """
        <form method="post" action="/lanes/\(escape(percent(lane)))/\(action)">\
        <input type="hidden" name="csrf" value="\(escape(token))">\
        <button type="submit" id="\(action)-\(escape(lane))">\(label)</button></form>

        """
    }

    /// One card a sale: what it is on one line, its steps below (a table would not fit a phone).
    private static func salesSection(_ sales: [StatusSnapshot.Sale]) -> String {
        var html = "<section id=\"sales\"><h2>Last sales (\(sales.count))</h2>\n"
        if sales.isEmpty { return html + "<p class=\"muted\">No sales yet.</p></section>\n" }
        for sale in sales {
            let final = ["paid", "refunded", "partially_refunded", "cancelled", "failed", "expired"]
            let tone = sale.state == "needs_attention" ? "bad" : final.contains(sale.state) ? "ok" : "warn"
            html += "<article class=\"card sale\" data-state=\"\(escape(sale.state))\"><code>\(escape(sale.id))</code> "
            html += "<span class=\"\(tone)\">\(escape(sale.state))</span><br>"
            html +=
                "<small>lane \(escape(sale.lane)) · \(escape(sale.mode))\(sale.wallet.map { " " + escape($0) } ?? "") · "
            html += "\(escape(sale.currency)) \(grouped(sale.amount))"
            if let code = sale.maskedCode { html += " · <code>\(escape(code))</code>" }
            html += "</small><ol class=\"steps\">"
            for step in sale.steps { html += "<li>\(escape(clock(step.at))) \(escape(step.state))</li>" }
            html += "</ol></article>\n"
        }
        return html + "</section>\n"
    }

    /// 1200 → "1,200".
    private static func grouped(_ amount: Int64) -> String {
        let digits = String(amount.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result += "," }
            result.append(digit)
        }
        return (amount < 0 ? "-" : "") + result
    }

    private static func gatewaySection(_ gateway: StatusSnapshot.Gateway) -> String {
        let reach: String =
            switch gateway.reachable {
            case .some(true): "<span class=\"ok\">reachable</span>"
            case .some(false): "<span class=\"bad\">unreachable</span>"
            case .none: "<span class=\"muted\">no request yet</span>"
            }
        return """
            <section id="gateway"><h2>QFPay</h2><dl>
            <dt>Environment</dt><dd>\(escape(gateway.environment)) <code>\(escape(gateway.baseURL))</code></dd>
            <dt>Reachability</dt><dd>\(reach)</dd>
            <dt>Last answer</dt><dd>\(escape(gateway.lastAnswer ?? "–"))\
            \(gateway.lastAnswerAt.map { " at " + escape(time($0)) } ?? "")</dd>
            <dt>Budget left</dt><dd>\(gateway.budgetSecond)/\(gateway.requestsPerSecond) this second, \
            \(gateway.budgetMinute)/\(gateway.requestsPerMinute) this minute</dd>
            </dl></section>

            """
    }

    private static func journalSection(_ journal: StatusSnapshot.Journal?) -> String {
        guard let journal else {
            return "<section id=\"journal\"><h2>Journal</h2><p class=\"muted\">Not open.</p></section>\n"
        }
        return """
            <section id="journal"><h2>Journal</h2><dl>
            <dt>File</dt><dd><code>\(escape(journal.path))</code></dd>
            <dt>Size</dt><dd>\(bytes(journal.databaseBytes)) database, \(bytes(journal.logBytes)) write-ahead log</dd>
            <dt>Last checkpoint</dt><dd>\(journal.lastCheckpoint.map { escape(time($0)) } ?? "–")</dd>
            </dl></section>

            """
    }

    private static func noticeText(_ notice: String) -> String {
        if notice.hasPrefix("test-print-") { return "Test page sent to lane \(notice.dropFirst(11))." }
        if notice.hasPrefix("reprint-") { return "Copy of the last receipt sent to lane \(notice.dropFirst(8))." }
        return "Done."
    }

    private static func time(_ date: Date) -> String { WallClockTime(date, in: .japanStandardTime).description }

    private static func clock(_ date: Date) -> String {
        let time = WallClockTime(date, in: .japanStandardTime)
        return String(format: "%02d:%02d:%02d", time.hour, time.minute, time.second)
    }

    private static func bytes(_ count: Int64) -> String {
        count < 10 * 1024 ? "\(count) B" : count < 10 * 1024 * 1024 ? "\(count / 1024) KiB" : "\(count / 1_048_576) MiB"
    }

    private static func percent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    /// HTML-escapes `&`, `<`, `>`, `"` and `'`.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    private static let style = """
        body{font:16px/1.4 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:.5rem 1rem;color:#222}\
        h1{font-size:1.4rem;margin:.5rem 0}h2{font-size:1.15rem;border-bottom:1px solid #ccc;margin-top:1.5rem}\
        h3{margin:.2rem 0}.muted{color:#777}.ok{color:#15702d;font-weight:600}.warn{color:#9a6a00;font-weight:600}\
        .bad{color:#b3261e;font-weight:600}.card{border:1px solid #ccc;border-radius:.5rem;padding:.6rem;\
        margin:.6rem 0}.device{margin:.4rem 0}code{font-size:.9em;word-break:break-all}form{display:inline}\
        button{font-size:1rem;padding:.5rem .9rem;margin:.3rem .3rem 0 0;border-radius:.4rem;border:1px solid #666;\
        background:#f4f4f4}.notice{background:#e8f4ea;border:1px solid #9c9;padding:.5rem;border-radius:.4rem}\
        .sale code{font-weight:600}.steps{margin:.3rem 0 0;padding-left:1.2rem;font-size:.85rem;color:#444}\
        .steps li{display:inline;margin-right:.8rem}.steps li:after{content:" →"}.steps li:last-child:after{content:""}\
        dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dd{margin:0}\
        img{max-width:100%;border:1px solid #ddd;margin-top:.4rem}@media(min-width:50rem){#lanes{display:grid;\
        grid-template-columns:1fr 1fr;gap:0 1rem}#lanes h2{grid-column:1/-1}}
        """
}
