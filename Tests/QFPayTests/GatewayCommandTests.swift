import Foundation
import QFPay
import QFPaySandbox
import TestSupport
import Testing

/// `qfposctl gateway` end to end: the built binary against an in-process sandbox on 127.0.0.1.
@Suite struct GatewayCommandTests {
    struct Run {
        let status: Int32
        let stdout: [UInt8]
        let stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// The `qfposctl` built next to this test bundle.
    static func executable() throws -> URL {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ]
        for directory in candidates {
            let url = directory.appendingPathComponent("qfposctl")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw QFPayError(
            .invalidConfiguration, "qfposctl is not built next to the tests: run swift build --build-tests")
    }

    /// Runs `qfposctl` with `arguments` and waits for it.
    static func run(_ arguments: [String]) async throws -> Run {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exited.continuation.finish() }
        try process.run()
        // Blocking reads run on threads of their own: neither the cooperative pool the sandbox
        // needs nor Dispatch's small global pool, which Foundation's Process watches exits on.
        async let out = readToEnd(output.fileHandleForReading)
        async let err = readToEnd(errors.fileHandleForReading)
        let (stdout, stderr) = await (out, err)
        for await _ in exited.stream {}
        return Run(
            status: process.terminationStatus, stdout: Array(stdout), stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: handle.readDataToEndOfFile()) }.start()
        }
    }

    /// A private directory with the sandbox's key in a file of the given mode.
    final class Workspace {
        let directory: URL
        let keyFile: String

        init(keyMode: Int = 0o600) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("qfposctl-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            keyFile = directory.appendingPathComponent("qfpay.key").path
            try (SandboxTestCredentials.key + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: keyMode], ofItemAtPath: keyFile)
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    static func credentials(_ sandbox: SandboxServer, _ workspace: Workspace) -> [String] {
        [
            "--base-url", sandbox.baseURL.absoluteString, "--app-code", SandboxTestCredentials.appCode, "--mchid",
            SandboxTestCredentials.mchid, "--key-file", workspace.keyFile,
        ]
    }

    @Test func payWithAWeChatCodeSucceedsAndMasksTheCode() async throws {
        let workspace = try Workspace()
        try await withSandbox { sandbox in
            let code = SandboxScenario.success.authCode(wallet: .wechat, serial: 4254)
            let run = try await Self.run(
                ["gateway", "pay", "--amount", "1200", "--auth-code", code] + Self.credentials(sandbox, workspace))
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.text.contains("0000"))
            #expect(run.text.contains("800208"))
            #expect(run.text.contains(AuthCode.mask(code)))
            #expect(!run.text.contains(code))
            #expect(!run.text.contains(SandboxTestCredentials.key) && !run.stderr.contains(SandboxTestCredentials.key))
            #expect(sandbox.ledger.orders().first { $0.authCode == code }?.state == .paid)
        }
    }

    /// QFPay requires goods_name: `--goods-name`, else the config's default_goods_name, else 商品.
    @Test func payAlwaysSendsAGoodsNameAndRefusesOneQFPayWouldRefuse() async throws {
        let workspace = try Workspace()
        try await withSandbox { sandbox in
            let config = workspace.path("gateway.conf")
            try "default_goods_name = お弁当\n".write(toFile: config, atomically: true, encoding: .utf8)
            for (extra, expected) in [
                ([], QFPayConfiguration.standardGoodsName), (["--config", config], "お弁当"),
                (["--config", config, "--goods-name", "Green tea"], "Green tea"),
            ] {
                let code = SandboxScenario.success.authCode(serial: Int.random(in: 0..<99_999_999))
                let run = try await Self.run(
                    ["gateway", "pay", "--amount", "300", "--auth-code", code] + extra
                        + Self.credentials(sandbox, workspace))
                #expect(run.status == 0, "\(run.stderr)")
                #expect(sandbox.ledger.requests(path: "/trade/v1/payment").last?.parameters["goods_name"] == expected)
            }
            let before = sandbox.ledger.requests().count
            let long = try await Self.run(
                [
                    "gateway", "pay", "--amount", "300", "--auth-code", SandboxScenario.success.authCode(serial: 9),
                    "--goods-name", "ミネラルウォーター",
                ] + Self.credentials(sandbox, workspace))
            #expect(long.status != 0)
            #expect(long.stderr.contains("goods_name") || long.text.contains("goods_name"), "\(long.stderr)")
            #expect(sandbox.ledger.requests().count == before, "refused before sending")
        }
    }

    @Test func jsonPrintsTheGatewaysAnswerAsItCame() async throws {
        let workspace = try Workspace()
        try await withSandbox { sandbox in
            let run = try await Self.run(
                ["gateway", "pay", "--json", "--amount", "500", "--auth-code", SandboxScenario.success.authCode()]
                    + Self.credentials(sandbox, workspace))
            #expect(run.status == 0, "\(run.stderr)")
            // The raw Python-style body: ", " separators and \u escapes, as the gateway signed it.
            #expect(run.text.hasPrefix("{\""))
            #expect(run.text.contains(#""respcd": "0000""#))
            #expect(run.text.contains(#"\u4ea4\u6613\u6210\u529f"#))
        }
    }

    @Test func aDeclinedPaymentExitsWithOneAndAnUnknownOutcomeWithTwo() async throws {
        let workspace = try Workspace()
        try await withSandbox { sandbox in
            let declined = try await Self.run(
                [
                    "gateway", "pay", "--amount", "500", "--auth-code",
                    SandboxScenario.declined(.insufficientBalance).authCode(),
                ]
                    + Self.credentials(sandbox, workspace))
            #expect(declined.status == 1)
            #expect(declined.text.contains("2004"))
            #expect(declined.text.contains("残高が不足しています"))
            sandbox.injectFault(.dropAfterProcessing, path: QFPayClient.Path.payment)
            let lost = try await Self.run(
                ["gateway", "pay", "--amount", "500", "--auth-code", SandboxScenario.success.authCode()]
                    + Self.credentials(sandbox, workspace))
            #expect(lost.status == 2)
            #expect(lost.stderr.contains("outcome unknown"))
        }
    }

    @Test func invalidInputAndInsecureKeyFilesAreNotSent() async throws {
        let open = try Workspace(keyMode: 0o644)
        let workspace = try Workspace()
        try await withSandbox { sandbox in
            let insecure = try await Self.run(
                ["gateway", "pay", "--amount", "500", "--auth-code", "134676275354204254"]
                    + Self.credentials(sandbox, open))
            #expect(insecure.status == 3)
            #expect(insecure.stderr.contains("chmod 600"))
            #expect(!insecure.stderr.contains(SandboxTestCredentials.key))
            let product = try await Self.run(
                ["gateway", "pay", "--amount", "500", "--auth-code", "4901234567894"]
                    + Self.credentials(sandbox, workspace))
            #expect(product.status == 3)
            #expect(product.stderr.contains("auth_code"))
            #expect(sandbox.ledger.requests().isEmpty)
        }
        let refused = try await Self.run(
            [
                "gateway", "query", "--out-trade-no", "P1", "--base-url", "http://127.0.0.1:1", "--app-code", "A",
                "--key-file", workspace.keyFile,
            ])
        #expect(refused.status == 3)
    }

    @Test func aQRPaymentPrintsAQRCodeThatDecodesToTheGatewaysURL() async throws {
        let workspace = try Workspace()
        try await withSandbox { sandbox in
            let run = try await Self.run(
                ["gateway", "pay", "--amount", "1200", "--qr", "--wallet", "alipay"]
                    + Self.credentials(sandbox, workspace))
            #expect(run.status == 0, "\(run.stderr)")
            let url = try #require(sandbox.ledger.orders().first?.qrcode)
            #expect(run.text.contains(url))
            // Read the half blocks back into modules, draw them as a PGM image and decode it with zbarimg.
            let candidates = run.text.split(separator: "\n", omittingEmptySubsequences: true).filter { line in
                line.unicodeScalars.allSatisfy { " ▀▄█".unicodeScalars.contains($0) }
            }
            let width = try #require(candidates.map(\.count).max())
            let blockLines = candidates.filter { $0.count == width }
            try #require(blockLines.count > 10)
            var rows: [[Bool]] = []
            for line in blockLines {
                rows.append(line.map { $0 == "▀" || $0 == "█" })
                rows.append(line.map { $0 == "▄" || $0 == "█" })
            }
            let scale = 4
            let imageWidth = (width + 8) * scale
            let imageHeight = (rows.count + 8) * scale
            var pixels = Array("P5\n\(imageWidth) \(imageHeight)\n255\n".utf8)
            for y in 0..<imageHeight {
                let row = y / scale - 4
                for x in 0..<imageWidth {
                    let column = x / scale - 4
                    let dark = row >= 0 && row < rows.count && column >= 0 && column < width && rows[row][column]
                    pixels.append(dark ? 0 : 255)
                }
            }
            let image = workspace.path("qr.pgm")
            try Data(pixels).write(to: URL(fileURLWithPath: image))
            let decoder = Process()
            decoder.executableURL = URL(fileURLWithPath: "/usr/bin/zbarimg")
            decoder.arguments = ["--raw", "-q", image]
            let pipe = Pipe()
            decoder.standardOutput = pipe
            try decoder.run()
            let decoded = await Self.readToEnd(pipe.fileHandleForReading)
            #expect(String(decoding: decoded, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == url)
        }
    }

    @Test func queryRefundCloseAndBillWorkFromAConfigFile() async throws {
        let workspace = try Workspace()
        try await withSandbox { sandbox in
            let config = workspace.path("gateway.conf")
            try """
            # qfposctl gateway credentials
            base_url = \(sandbox.baseURL.absoluteString)
            app_code = \(SandboxTestCredentials.appCode)
            mchid: \(SandboxTestCredentials.mchid)
            key_file = "\(workspace.keyFile)"
            """.write(toFile: config, atomically: true, encoding: .utf8)
            let base = ["--config", config]

            let paid = try await Self.run(
                [
                    "gateway", "pay", "--amount", "1000", "--out-trade-no", "CTL1", "--auth-code",
                    SandboxScenario.success.authCode(),
                ]
                    + base)
            #expect(paid.status == 0, "\(paid.stderr)")
            let syssn = try #require(sandbox.ledger.order(outTradeNo: "CTL1")?.syssn)

            let query = try await Self.run(["gateway", "query", "--out-trade-no", "CTL1"] + base)
            #expect(query.status == 0, "\(query.stderr)")
            #expect(query.text.contains(syssn))

            let refund = try await Self.run(["gateway", "refund", "--syssn", syssn, "--amount", "400"] + base)
            #expect(refund.status == 0, "\(refund.stderr)")
            #expect(sandbox.ledger.order(syssn: syssn)?.chargedAmount == 600)

            let pending = try await Self.run(
                [
                    "gateway", "pay", "--amount", "700", "--out-trade-no", "CTL2", "--auth-code",
                    SandboxScenario.pendingForever.authCode(),
                ]
                    + base)
            #expect(pending.status == 1)
            let close = try await Self.run(["gateway", "close", "--out-trade-no", "CTL2", "--amount", "700"] + base)
            #expect(close.status == 0, "\(close.stderr)")
            #expect(sandbox.ledger.order(outTradeNo: "CTL2")?.state == .closed)

            let today = String(TransactionTime.format(Date(), in: TimeZone(identifier: "Asia/Tokyo")!).prefix(10))
            let zip = workspace.path("bill.zip")
            let bill = try await Self.run(["gateway", "bill", "--date", today, "--output", zip] + base)
            #expect(bill.status == 0, "\(bill.stderr)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: zip))
            #expect(bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]))
            #expect(try await zipText(Array(bytes)).contains(syssn))
        }
    }
}

extension GatewayCommandTests {
    @Test func payWithWaitQueriesAPendingPaymentUntilItIsPaid() async throws {
        let workspace = try Workspace()
        try await withSandbox { sandbox in
            let code = SandboxScenario.pendingThenPaid(queries: 1).authCode()
            let run = try await Self.run(
                ["gateway", "pay", "--amount", "800", "--auth-code", code, "--wait", "30", "--poll-interval", "0.1"]
                    + Self.credentials(sandbox, workspace))
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.text.contains("1145"))
            #expect(run.text.contains("result"))
            #expect(sandbox.ledger.requests(path: QFPayClient.Path.query).count == 2)
            #expect(sandbox.ledger.orders().first { $0.authCode == code }?.state == .paid)

            let never = try await Self.run(
                [
                    "gateway", "pay", "--amount", "800", "--auth-code", SandboxScenario.pendingForever.authCode(),
                    "--wait",
                    "1", "--poll-interval", "0.2",
                ] + Self.credentials(sandbox, workspace))
            #expect(never.status == 2)
            #expect(never.stderr.contains("still pending"))
        }
    }
}

extension GatewayCommandTests {
    @Test func aConfigFileHoldingTheKeyMustBePrivate() async throws {
        let workspace = try Workspace()
        try await withSandbox { sandbox in
            let config = workspace.path("inline.conf")
            try """
            base_url = \(sandbox.baseURL.absoluteString)
            app_code = \(SandboxTestCredentials.appCode)
            mchid = \(SandboxTestCredentials.mchid)
            key = \(SandboxTestCredentials.key)
            """.write(toFile: config, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: config)
            let exposed = try await Self.run(["gateway", "query", "--config", config, "--out-trade-no", "P1"])
            #expect(exposed.status == 3)
            #expect(exposed.stderr.contains("chmod 600"))
            #expect(!exposed.stderr.contains(SandboxTestCredentials.key))
            #expect(sandbox.ledger.requests().isEmpty)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: config)
            let private_ = try await Self.run(["gateway", "query", "--config", config, "--out-trade-no", "P1"])
            #expect(private_.status == 0, "\(private_.stderr)")
        }
        let missing = try await Self.run(["gateway", "query", "--app-code", "A", "--key-file", workspace.keyFile])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("--base-url"))
    }
}
