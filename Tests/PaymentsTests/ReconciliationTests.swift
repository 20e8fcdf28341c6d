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
                        orderID: id, amount: 1000 + index, flow: .barcode, lane: id, goodsName: "test",
                        authCode: scenario.authCode(serial: index)))
                let sale = try await pipeline.settledWithin(id)
                if sale.status == .paid { paid.append(sale) }
            }
            try #require(paid.count == 3)
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
                flow: .barcode, payType: nil, lane: "x", goodsName: "test")
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

    @Test func aBillOfQuotedCSVInAStoredZipIsRead() async throws {
        let csv = "syssn,out_trade_no,order_type,txamt,respcd,orig_syssn\r\n1,\"P,1\",payment,100,0000,\r\n"
        let zip = try await TradeBillReaderTests.pythonZip(
            [.init(name: "a.csv", text: csv, encoding: "utf-8", deflate: false)])
        let rows = try TradeBillReader.rows(zip: zip)
        #expect(rows == [BillRow(syssn: "1", outTradeNo: "P,1", amount: 100, orderType: "payment", respcd: "0000")])
        // A local header without its central directory is a truncated archive.
        #expect(throws: (any Error).self) { try TradeBillReader.rows(zip: Array(zip.prefix(60))) }
    }

    /// A QFPay gateway (the real client over HTTP) for `baseURL` with the test credentials.
    static func gateway(_ baseURL: URL) -> QFPayGateway {
        let configuration = QFPayConfiguration(
            environment: .custom(baseURL), appCode: SandboxTestCredentials.appCode,
            key: Secret(SandboxTestCredentials.key), merchantID: SandboxTestCredentials.mchid,
            connectTimeout: .seconds(2), requestTimeout: .seconds(10))
        return QFPayGateway(client: QFPayClient(configuration: configuration))
    }

    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("qfpos-bills-\(UUID().uuidString)").path
    }

    @Test(arguments: TradeBillFormat.Language.allCases)
    func theStrictSandboxsBillIsReadAndItsRawFileKept(language: TradeBillFormat.Language) async throws {
        try await withSandbox(configure: { $0.rules.tradeBill.language = language }) { sandbox in
            let gateway = Self.gateway(sandbox.baseURL)
            var syssns: [String] = []
            for (index, amount) in [1200, 500].enumerated() {
                let order = SaleOrder(
                    saleID: "bill\(index)", outTradeNo: uniqueOutTradeNo("PB"), amount: amount, flow: .barcode,
                    payType: nil, lane: "x", goodsName: "test")
                guard
                    case .answered(let answer) = await gateway.pay(
                        order, authCode: SandboxScenario.success.authCode(serial: index), at: Date()),
                    let syssn = answer.syssn
                else {
                    Issue.record("the payment was not answered")
                    return
                }
                syssns.append(syssn)
                if index == 0 {
                    _ = await gateway.refund(
                        RefundOrder(outTradeNo: order.outTradeNo + "R1", amount: 200), of: order, syssn: syssn,
                        at: Date())
                } else {
                    _ = await gateway.close(order, syssn: syssn, at: Date())
                }
            }
            #expect(sandbox.ledger.totalCharged() == 1000)
            let files = try TemporaryJournal()
            let directory = Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let reconciler = Reconciler(journal: try files.open(), gateway: gateway, billDirectory: directory)
            let report = try await reconciler.reconcile(date: Self.today())
            // The journal knows nothing of these payments: the bill's side alone, net of refund and reversal.
            #expect(report.onlyGateway.map(\.syssn) == syssns)
            #expect(report.onlyGateway.map(\.gatewayAmount) == [1000, 0])
            let kept = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/trade_bill_\(Self.today()).zip"))
            #expect(kept.starts(with: [0x50, 0x4B, 0x03, 0x04]))
            #expect(try TradeBillReader.rows(zip: Array(kept)).count == 4)
        }
    }

    /// Serves `body` to every request on 127.0.0.1 (Python's http.server), signed with the test key
    /// when `signed`; runs `work` with its base URL.
    static func serving<R>(_ body: [UInt8], signed: Bool, contentType: String, _ work: (URL) async throws -> R)
        async throws -> R
    {
        let script = """
            import hashlib, http.server, sys
            body = open(sys.argv[1], 'rb').read()
            key, signed, kind = sys.argv[2], sys.argv[3] == 'signed', sys.argv[4]
            class Handler(http.server.BaseHTTPRequestHandler):
                def answer(self):
                    self.rfile.read(int(self.headers.get('Content-Length') or 0))
                    self.send_response(200)
                    self.send_header('Content-Type', kind)
                    self.send_header('Content-Length', str(len(body)))
                    if signed:
                        self.send_header('X-QF-SIGN', hashlib.md5(body + key.encode()).hexdigest().upper())
                    self.end_headers()
                    self.wfile.write(body)
                do_GET = do_POST = answer
                def log_message(self, *args): pass
            server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
            print(server.server_port, flush=True)
            server.serve_forever()
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("served-\(UUID().uuidString)").path
        try Data(body).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c", script, file, SandboxTestCredentials.key, signed ? "signed" : "unsigned", contentType,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            // SIGKILL: the test process's threads may block SIGTERM, and the child inherits the mask.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let line = try await offPool { () -> String in
            var bytes: [UInt8] = []
            while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != 10 {
                bytes.append(byte)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let port = try #require(Int(line), "the server said \(line)")
        return try await work(URL(string: "http://127.0.0.1:\(port)")!)
    }

    @Test(arguments: [true, false])
    func anUnreadableBillIsKeptAndTheErrorNamesTheFileAndWhatIsWrong(withDirectory: Bool) async throws {
        let text = TradeBillReaderTests.japanese.replacingOccurrences(of: "\"1,200\"", with: "\"1,200.50\"")
        let zip = try await TradeBillReaderTests.pythonZip([.init(name: "bill.csv", text: text)])
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Self.serving(zip, signed: false, contentType: "application/zip") { url in
            let files = try TemporaryJournal()
            let reconciler = Reconciler(
                journal: try files.open(), gateway: Self.gateway(url), billDirectory: withDirectory ? directory : nil)
            let error = await #expect(throws: PaymentsError.self) { try await reconciler.reconcile(date: "2026-04-01") }
            #expect(error?.code == .reconciliationFailed)
            let message = error?.message ?? ""
            #expect(message.contains("JPY has no minor unit"), "\(message)")
            let path = try #require(message.firstMatch(of: /kept at (\S+\.zip)/).map { String($0.1) }, "\(message)")
            if withDirectory { #expect(path == "\(directory)/trade_bill_2026-04-01.zip") }
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == zip)
            if !withDirectory { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    @Test func aSignedAnswerThatIsNeitherZipNorJSONIsKeptAsBin() async throws {
        let body = Array("<html>maintenance</html>".utf8)
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Self.serving(body, signed: true, contentType: "text/html") { url in
            let files = try TemporaryJournal()
            let reconciler = Reconciler(journal: try files.open(), gateway: Self.gateway(url), billDirectory: directory)
            let error = await #expect(throws: PaymentsError.self) { try await reconciler.reconcile(date: "2026-04-01") }
            let path = "\(directory)/trade_bill_2026-04-01.bin"
            #expect(error?.message.contains("neither a zip nor QFPay's JSON") == true, "\(String(describing: error))")
            #expect(error?.message.contains(path) == true)
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == body)
        }
    }
}
