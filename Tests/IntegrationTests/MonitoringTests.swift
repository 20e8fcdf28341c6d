import ControlProtocol
import ESCPOS
import Foundation
import Glibc
import QFPaySandbox
import TestSupport
import Testing

/// The built `qfposd` with the status page and the metrics: Debian's chromium loads the page and
/// presses "Test print", prometheus_client parses `/metrics` after scan, QR and refund sales, and
/// a daemon with both off listens on no TCP port. The Python side is scripts/monitoring-check.py.
@Suite(.serialized) struct MonitoringTests {
    static let packageDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test func theStatusPageInChromiumShowsTheLaneAndASaleAndItsTestPrintReachesThePrinter() async throws {
        try await Self.withDaemon(listeners: { port in "status_page:\n  enabled: true\n  listen: 127.0.0.1:\(port)\n" })
        {
            daemon in
            let sale = try await daemon.scanSale(orderID: "PAGE-1", amount: 1200)
            #expect(sale.state == .paid)
            _ = await offPool { daemon.printer.read(atLeast: 64) + daemon.printer.readAvailable() }

            // No CSRF token: refused, nothing printed.
            let forged = try await daemon.http("POST", "/lanes/front/test-print", body: "csrf=0123")
            #expect(forged.status == 403)
            #expect(await offPool { daemon.printer.readAvailable(quietMilliseconds: 300) }.isEmpty)
            // Nothing on the page starts, cancels or refunds a sale.
            for path in ["/sales", "/sale/start", "/sales/PAGE-1/refund", "/lanes/front/refund"] {
                #expect(try await daemon.http("POST", path, body: "").status == 404, "POST \(path)")
            }
            #expect(try await daemon.http("GET", "/metrics").status == 404, "metrics are off")
            let receipt = try await daemon.http("GET", "/lanes/front/receipt.png")
            #expect(receipt.status == 200)
            #expect(receipt.header("Content-Type") == "image/png")
            #expect(receipt.body.starts(with: [0x89, 0x50, 0x4E, 0x47]))

            let screenshot =
                ProcessInfo.processInfo.environment["QFPOS_SCREENSHOT"] ?? daemon.directory.file("status-page.png")
            let seen = try await Self.check([
                "browser", "--url", "http://127.0.0.1:\(daemon.port)/", "--lane", "front", "--screenshot", screenshot,
                "--profile", daemon.directory.file("chromium"),
            ])
            let laneText = seen["lane_text"] as? String ?? ""
            #expect(laneText.contains("Scanner") && laneText.contains(daemon.scanner.devicePath), "lane: \(laneText)")
            #expect(laneText.contains("Printer") && laneText.contains(daemon.printer.devicePath), "lane: \(laneText)")
            #expect(laneText.contains("reading"), "the scanner is open: \(laneText)")
            let sales = seen["sales"] as? [[String: String]] ?? []
            #expect(sales.contains { $0["id"] == "PAGE-1" && $0["state"] == "paid" }, "sales: \(sales)")
            #expect(seen["scripts"] as? Int == 0, "no JavaScript on the page")
            #expect(seen["viewport_meta"] as? Int == 1, "a viewport for phones")
            #expect((seen["notice"] as? String)?.contains("Test page sent to lane front") == true, "\(seen)")

            // The test page's bytes reach the pty printer.
            var printed: [UInt8] = []
            for _ in 0..<50 where !Self.contains(printed, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
                printed += await offPool { daemon.printer.readAvailable(quietMilliseconds: 200) }
            }
            let text = ReceiptPreview(bytes: printed).text
            #expect(text.contains("TEST PAGE"), "printed: \(text)")
            #expect(text.contains("0123456789 !#$%&()*+,-./:;<=>?@"), "printed: \(text)")
            let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "the screenshot is a PNG")

            // "Reprint last receipt" with the page's token: the sale's receipt again, marked as a copy.
            let page = try await daemon.http("GET", "/").text
            let token = try #require(page.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/)?.1)
            let reprint = try await daemon.http("POST", "/lanes/front/reprint", body: "csrf=\(token)")
            #expect(reprint.status == 303)
            #expect(reprint.header("Location") == "/?done=reprint-front")
            var copy: [UInt8] = []
            for _ in 0..<50 where !ReceiptPreview(bytes: copy).text.contains("REPRINT") {
                copy += await offPool { daemon.printer.readAvailable(quietMilliseconds: 200) }
            }
            let copyText = ReceiptPreview(bytes: copy).text
            #expect(copyText.contains("REPRINT") && copyText.contains("1,200"), "reprinted: \(copyText)")
        }
    }

    @Test func metricsScrapedAfterScanQRAndRefundSalesCountThemByStateAndMode() async throws {
        try await Self.withDaemon(listeners: { port in "metrics:\n  enabled: true\n  listen: 127.0.0.1:\(port)\n" }) {
            daemon in
            let code = SandboxScenario.success.authCode(serial: 4242)
            let scanned = try await daemon.scanSale(orderID: "M-SCAN", amount: 1200, code: code)
            #expect(scanned.state == .paid)
            _ = try await daemon.till.call(
                MethodName.saleStart, ["amount": 800, "mode": "qr", "wallet": "wechat", "order_id": "M-QR"])
            let shown = try await daemon.wait("M-QR") { $0.qrcode != nil && $0.outTradeNo != nil }
            _ = try daemon.sandbox.payQRCode(outTradeNo: shown.outTradeNo ?? "")
            #expect(try await daemon.wait("M-QR") { $0.isFinal }.state == .paid)
            _ = try await daemon.till.call(MethodName.saleRefund, ["sale_id": "M-SCAN", "amount": 1200])
            #expect(
                try await daemon.wait("M-SCAN") { $0.state != .refunding && $0.state != .paid }.state == .refunded)

            let scrape = try await Self.check(["scrape", "--url", "http://127.0.0.1:\(daemon.port)/metrics"])
            #expect((scrape["content_type"] as? String)?.hasPrefix("text/plain; version=0.0.4") == true)
            let metrics = Metrics(scrape["families"] as? [[String: Any]] ?? [])
            #expect(metrics.type("qfpos_sales") == "counter")
            #expect(metrics.value("qfpos_sales_total", ["state": "paid", "mode": "scan"]) == 1)
            #expect(metrics.value("qfpos_sales_total", ["state": "paid", "mode": "qr"]) == 1)
            #expect(metrics.value("qfpos_sales_total", ["state": "refunded", "mode": "scan"]) == 1)
            #expect(metrics.sum("qfpos_sales_total") == 3)
            #expect(metrics.value("qfpos_scans_total", ["lane": "front", "kind": "payment_code"]) == 1)
            #expect(metrics.sum("qfpos_qfpay_requests_total", ["endpoint": "payment"]) == 2)
            #expect(
                metrics.value("qfpos_qfpay_requests_total", ["endpoint": "payment", "respcd_class": "success"]) == 2)
            #expect(
                metrics.value("qfpos_qfpay_requests_total", ["endpoint": "refund", "respcd_class": "success"]) == 1)
            #expect(metrics.sum("qfpos_qfpay_unknown_outcomes_total") == 0)
            #expect(metrics.type("qfpos_qfpay_request_duration_seconds") == "histogram")
            #expect(metrics.value("qfpos_qfpay_request_duration_seconds_count", ["endpoint": "payment"]) == 2)
            #expect(metrics.value("qfpos_qfpay_request_duration_seconds_count", ["endpoint": "refund"]) == 1)
            #expect((metrics.value("qfpos_journal_commit_duration_seconds_count", [:]) ?? 0) >= 6)
            #expect(metrics.value("qfpos_qfpay_reachable", [:]) == 1)
            #expect(metrics.value("qfpos_sales_needing_attention", [:]) == 0)
            #expect(metrics.value("qfpos_control_connections", [:]) == 1, "the test's till connection")
            let minute = metrics.value("qfpos_qfpay_budget_remaining_requests", ["window": "minute"]) ?? -1
            #expect(minute > 0 && minute < 400, "budget left this minute: \(minute)")
            #expect(metrics.value("qfpos_printer_queued_jobs", ["lane": "front"]) != nil)
            #expect(metrics.sum("qfpos_printer_status", ["lane": "front"]) == 1, "one status at a time")
            let build = metrics.samples("qfpos_build_info").first
            #expect(build?.value == 1)
            #expect(build?.labels["version"]?.isEmpty == false)
            #expect(build?.labels["openssl_version"]?.contains("OpenSSL") == true, "\(String(describing: build))")
            // Low cardinality: no sale id, order number, code or amount in any label.
            let labelValues = metrics.all.flatMap { $0.labels.values }
            for secret in ["M-SCAN", "M-QR", code, "1200", "800", shown.outTradeNo ?? "?"] {
                #expect(!labelValues.contains { $0.contains(secret) }, "a label carries \(secret)")
            }
            #expect(try await daemon.http("GET", "/").status == 404, "the status page is off")
            // Prometheus' own lint of the exposition (names, units, _total, help) and of the alert rules.
            let raw = try await daemon.http("GET", "/metrics")
            try Data(raw.body).write(to: URL(fileURLWithPath: daemon.directory.file("metrics.txt")))
            let lint = try await runToEnd(
                URL(fileURLWithPath: "/bin/sh"),
                ["-c", "promtool check metrics < '\(daemon.directory.file("metrics.txt"))'"])
            #expect(Self.promtoolProblems(lint.output).isEmpty, "promtool check metrics: \(lint.output)")
            let rules = try await runToEnd(
                URL(fileURLWithPath: "/usr/bin/promtool"),
                ["check", "rules", Self.packageDirectory.appendingPathComponent("docs/alerts.yml").path])
            #expect(rules.status == 0 && rules.output.contains("SUCCESS: 4 rules found"), "\(rules.output)")
            // The one TCP port qfposd listens on is the metrics'.
            #expect(Self.listeningTCPPorts(of: daemon.process.pid) == [daemon.port])
        }
    }

    @Test func withBothOffQfposdListensOnNoTCPPortAndTheAddressRefusesConnections() async throws {
        try await Self.withDaemon(listeners: { _ in "" }) { daemon in
            #expect(Self.listeningTCPPorts(of: daemon.process.pid) == [])
            await #expect(throws: (any Error).self) { _ = try await daemon.http("GET", "/metrics") }
        }
    }

    @Test func offLoopbackThePageRefusesToStartWithoutAPasswordHashAndAsksForItWithOne() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("qfpay-key", SandboxTestCredentials.key)
        let configPath = try Self.writeConfiguration(
            in: directory, baseURL: "http://127.0.0.1:9", scanner: nil, printer: nil,
            listeners: "status_page:\n  enabled: true\n  listen: 0.0.0.0:\(try freeLoopbackPort())\n")
        let check = try await runToEnd(
            URL(fileURLWithPath: DaemonProcess.executablePath), ["--check-config", "--config", configPath])
        #expect(check.status == 78, "\(check.output)")
        #expect(check.output.contains("status_page.listen"), "\(check.output)")
        #expect(check.output.contains("basic_auth_password_hash"), "\(check.output)")
        // A hash made by Python's hashlib, an implementation independent of ours.
        let made = try await runToEnd(
            URL(fileURLWithPath: "/usr/bin/python3"),
            [
                "-c",
                "import hashlib; print('pbkdf2-sha256$1000$00112233445566778899$' + hashlib.pbkdf2_hmac('sha256', b'tech-pass', bytes.fromhex('00112233445566778899'), 1000).hex())",
            ])
        let hash = made.output.trimmingCharacters(in: .whitespacesAndNewlines)
        try await Self.withDaemon(listeners: { port in
            "status_page:\n  enabled: true\n  listen: 0.0.0.0:\(port)\n  basic_auth_user: tech\n  basic_auth_password_hash: \"\(hash)\"\n"
        }) { daemon in
            #expect(try await daemon.http("GET", "/").status == 401)
            let wrong = "Basic " + Data("tech:nope".utf8).base64EncodedString()
            #expect(try await daemon.http("GET", "/", headers: [("Authorization", wrong)]).status == 401)
            let right = "Basic " + Data("tech:tech-pass".utf8).base64EncodedString()
            let page = try await daemon.http("GET", "/", headers: [("Authorization", right)])
            #expect(page.status == 200)
            #expect(page.text.contains("id=\"lane-front\""))
        }
    }

    // MARK: - Harness

    /// A qfposd process on the sandbox with a pty scanner and printer on lane `front`, the
    /// listeners `listeners(port)` asks for on a free port, and a till connection.
    struct RunningDaemon {
        let sandbox: SandboxServer
        let directory: TemporaryDirectory
        let configPath: String
        let scanner: PseudoTerminal
        let printer: PseudoTerminal
        let port: Int
        let process: DaemonProcess
        let till: ControlClient

        func http(_ method: String, _ path: String, body: String = "", headers: [(String, String)] = [])
            async throws -> SandboxHTTPResponse
        {
            try await SandboxHTTPClient.send(
                method: method, url: URL(string: "http://127.0.0.1:\(port)\(path)")!,
                headers: headers + (method == "POST" ? [("Content-Type", "application/x-www-form-urlencoded")] : []),
                body: Array(body.utf8))
        }

        /// Waits (20 s liveness bound) until sale `id` satisfies `predicate`.
        func wait(_ id: String, until predicate: (SaleInfo) -> Bool) async throws -> SaleInfo {
            var sale = try await till.call(MethodName.saleGet, ["sale_id": .string(id)], as: SaleInfo.self)
            for _ in 0..<400 where !predicate(sale) {
                try await Task.sleep(for: .milliseconds(50))
                sale = try await till.call(MethodName.saleGet, ["sale_id": .string(id)], as: SaleInfo.self)
            }
            return sale
        }

        /// A scan sale on lane `front`, paid with `code` read once by the pty scanner.
        func scanSale(orderID: String, amount: Int, code: String? = nil) async throws -> SaleInfo {
            // One read only: the code is written once the daemon holds the scanner open.
            for _ in 0..<200 {
                let list = try await till.call(MethodName.devicesList)
                let open = list["devices"]?.arrayValue?.contains {
                    $0["node"]?.stringValue == scanner.devicePath && $0["open"]?.boolValue == true
                }
                if open == true { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            _ = try await till.call(
                MethodName.saleStart,
                ["amount": .integer(Int64(amount)), "mode": "scan", "lane": "front", "order_id": .string(orderID)])
            try scanner.write((code ?? SandboxScenario.success.authCode(serial: 1234)) + "\r")
            return try await wait(orderID) { $0.isFinal || $0.state == .needsAttention }
        }
    }

    /// Writes qfposd.yaml for lane `front` and `listeners`; returns its path.
    static func writeConfiguration(
        in directory: TemporaryDirectory, baseURL: String, scanner: String?, printer: String?, listeners: String
    ) throws -> String {
        try directory.write(
            "qfposd.yaml",
            DaemonHarness.yaml(
                directory: directory,
                extra: DaemonHarness.sandboxYAML(baseURL: baseURL, scanner: scanner, printer: printer)
                    + "control:\n  socket_path: \(directory.file("run/control.sock"))\n" + listeners,
                baseURL: baseURL))
        return directory.file("qfposd.yaml")
    }

    static func withDaemon(listeners: (Int) -> String, _ body: (RunningDaemon) async throws -> Void) async throws {
        try await withSandbox { sandbox in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let scanner = try PseudoTerminal()
            let printer = try PseudoTerminal()
            let port = try freeLoopbackPort()
            try directory.write("qfpay-key", SandboxTestCredentials.key)
            let configPath = try writeConfiguration(
                in: directory, baseURL: sandbox.baseURL.absoluteString, scanner: scanner.devicePath,
                printer: printer.devicePath, listeners: listeners(port))
            let socketPath = directory.file("run/control.sock")
            let notify = try NotifyListener(path: directory.file("notify"))
            let process = try await DaemonProcess.startReady(
                configPath: configPath, notify: notify, logPath: directory.file("qfposd.log"))
            let till = try await ControlClient.connect(socketPath: socketPath)
            let daemon = RunningDaemon(
                sandbox: sandbox, directory: directory, configPath: configPath, scanner: scanner, printer: printer,
                port: port, process: process, till: till)
            do {
                try await body(daemon)
            } catch {
                await till.close()
                process.signal(SIGTERM)
                _ = await process.wait()
                throw error
            }
            await till.close()
            process.signal(SIGTERM)
            #expect(await process.wait() == 0, "log: \(process.log)")
            #expect(!process.log.contains(SandboxTestCredentials.key), "the key is never logged")
        }
    }

    /// Runs scripts/monitoring-check.py; returns the object on its RESULT line.
    static func check(_ arguments: [String]) async throws -> [String: Any] {
        let script = packageDirectory.appendingPathComponent("scripts/monitoring-check.py").path
        let run = try await runToEnd(URL(fileURLWithPath: "/usr/bin/python3"), [script] + arguments)
        guard run.status == 0,
            let line = run.output.split(separator: "\n").last(where: { $0.hasPrefix("RESULT ") }),
            let object = try JSONSerialization.jsonObject(with: Data(line.dropFirst(7).utf8)) as? [String: Any]
        else { throw TestSupportError("monitoring-check.py \(arguments.first ?? "") failed: \(run.output)") }
        return object
    }

    /// The TCP ports process `pid` listens on with sockets of its own: its socket descriptors'
    /// inodes matched with the LISTEN (0A) rows of /proc/net/tcp and tcp6. Sockets it inherited
    /// from this test process (the sandbox's, through posix_spawn) are left out.
    static func listeningTCPPorts(of pid: pid_t) -> [Int] {
        func socketInodes(_ pid: pid_t) -> Set<String> {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            return Set(
                fds.compactMap { fd -> String? in
                    guard
                        let target = try? FileManager.default.destinationOfSymbolicLink(
                            atPath: "/proc/\(pid)/fd/\(fd)"),
                        target.hasPrefix("socket:[")
                    else { return nil }
                    return String(target.dropFirst(8).dropLast())
                })
        }
        let inodes = socketInodes(pid).subtracting(socketInodes(getpid()))
        var ports: [Int] = []
        for table in ["/proc/\(pid)/net/tcp", "/proc/\(pid)/net/tcp6"] {
            let text = (try? String(contentsOfFile: table, encoding: .utf8)) ?? ""
            for row in text.split(separator: "\n").dropFirst() {
                let fields = row.split(separator: " ")
                guard fields.count > 9, fields[3] == "0A", inodes.contains(String(fields[9])),
                    let port = fields[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) })
                else { continue }
                ports.append(port)
            }
        }
        return ports.sorted()
    }

    /// promtool's findings, less the missing HELP lines: swift-metrics has no help text to give
    /// (docs/monitoring.md describes each metric instead).
    static func promtoolProblems(_ output: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { !$0.contains("no help text") && !$0.isEmpty }
    }

    static func contains(_ bytes: [UInt8], _ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard bytes.count >= needle.count else { return false }
        return (0...(bytes.count - needle.count)).contains { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    /// The families prometheus_client parsed.
    struct Metrics {
        struct Sample {
            var name: String
            var labels: [String: String]
            var value: Double
        }

        let families: [[String: Any]]
        init(_ families: [[String: Any]]) { self.families = families }

        var all: [Sample] {
            families.flatMap { family in
                (family["samples"] as? [[String: Any]] ?? []).map {
                    Sample(
                        name: $0["name"] as? String ?? "", labels: $0["labels"] as? [String: String] ?? [:],
                        value: ($0["value"] as? NSNumber)?.doubleValue ?? .nan)
                }
            }
        }

        func type(_ family: String) -> String? {
            families.first { $0["name"] as? String == family }?["type"] as? String
        }

        func samples(_ name: String) -> [Sample] { all.filter { $0.name == name } }

        /// The sample named `name` whose labels include `labels`; nil when none or several.
        func value(_ name: String, _ labels: [String: String]) -> Double? {
            let matching = samples(name).filter { sample in labels.allSatisfy { sample.labels[$0.key] == $0.value } }
            return matching.count == 1 ? matching[0].value : nil
        }

        func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
            samples(name).filter { sample in labels.allSatisfy { sample.labels[$0.key] == $0.value } }
                .reduce(0) { $0 + $1.value }
        }
    }
}
