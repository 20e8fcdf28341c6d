import ArgumentParser
import Foundation
import Logging
import QFPay
import QFPaySandbox

#if canImport(Glibc)
    import Glibc
#endif

/// `qfpay-sandbox`: a local QFPay gateway for scripts, demos and integrators.
@main
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qfpay-sandbox",
        abstract: "A local QFPay gateway on 127.0.0.1 (see docs/sandbox.md).",
        discussion: """
            The first line on standard output is `listening on http://127.0.0.1:PORT`. \
            Scenario auth codes, faults and endpoints are described in docs/sandbox.md.
            """
    )

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port: Int = 0

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "The app code clients send in X-QF-APPCODE.")
    var appCode: String = "6D5A2E9F0B1C4D3E8F7A6B5C4D3E2F1A"

    @Option(help: "The signing key (prefer --key-file; the default is the specification's example key).")
    var key: String?

    @Option(help: "A file holding the signing key.")
    var keyFile: String?

    @Option(help: "The merchant id requests must carry.")
    var mchid: String = "BvDtmKJA5mx7GpN0"

    @Option(help: "The shop's time zone.")
    var timeZone: String = "Asia/Tokyo"

    @Option(help: "Sandbox seconds per real second (QR expiry, delayed QR payment, notification retries).")
    var timeScale: Double = 1

    @Option(help: "URL (http://) to POST notifications to.")
    var notifyURL: String?

    @Option(help: "Pay dynamic-QR orders this many sandbox seconds after they are placed.")
    var qrPayAfter: Double?

    @Option(
        help: ArgumentHelp(
            "Pay type whose paid orders cannot be cancelled, as TYPE or TYPE=1297|no-syssn (repeatable).",
            valueName: "pay-type"))
    var cancelUnsupported: [String] = []

    @Flag(
        help: """
            Answer as the sandbox did before it was strict: by-number queries over all time, goods_name \
            optional (20 characters), every answer signed, paid orders cancellable at any time, refunds \
            at any hour, a stored zip with English headers, no rate limits, pending barcode orders \
            waiting forever. The options below still apply on top.
            """)
    var lenient = false

    @Option(help: "Minutes after which a paid order can no longer be cancelled (0: any time; strict: 15).")
    var revokeWindow: Double?

    @Option(help: "Minutes after which a pending barcode order closes itself (0: never; strict: 5).")
    var barcodeLifetime: Double?

    @Option(help: "The trade bill's header language: zh, ja or en (strict: zh).")
    var billLanguage: String?

    @Option(help: "The trade bill's encoding: utf-8-bom, utf-8, gb18030 or shift_jis (strict: utf-8-bom).")
    var billEncoding: String?

    @Option(help: "The trade bill's zip method: deflate or stored (strict: deflate).")
    var billCompression: String?

    @Option(help: "Seed of the fault draws.")
    var faultSeed: UInt64 = 0

    @Option(help: "Probability of an added delay.")
    var latencyProbability: Double = 0

    @Option(help: "The added delay in milliseconds.")
    var latencyMs: Int = 200

    @Option(help: "Probability of HTTP 5xx before processing.")
    var errorBeforeProbability: Double = 0

    @Option(help: "Probability of HTTP 5xx after processing.")
    var errorAfterProbability: Double = 0

    @Option(help: "Probability of a dropped connection after processing.")
    var dropProbability: Double = 0

    @Option(help: "Probability of a wrong response signature.")
    var wrongSignatureProbability: Double = 0

    @Option(help: "Probability of HTTP 429.")
    var rateLimitProbability: Double = 0

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    mutating func run() async throws {
        let configuration = try makeConfiguration()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let server = try await SandboxServer.start(configuration, logger: Logger(label: "qfpay-sandbox"))
        FileHandle.standardOutput.write(Data("listening on http://\(host):\(server.port)\n".utf8))
        await Self.waitForTerminationSignal()
    }

    private func makeConfiguration() throws -> SandboxConfiguration {
        var configuration = SandboxConfiguration(appCode: appCode, key: try resolvedKey(), mchid: mchid)
        configuration.host = host
        configuration.port = port
        guard let zone = TimeZone(identifier: timeZone) else { throw ValidationError("unknown time zone \(timeZone)") }
        configuration.timeZone = zone
        guard timeScale > 0 else { throw ValidationError("--time-scale must be positive") }
        configuration.timeScale = timeScale
        if let notifyURL {
            guard let url = URL(string: notifyURL), url.scheme == "http" else {
                throw ValidationError("--notify-url must be an http:// URL")
            }
            configuration.notifyURL = url
        }
        configuration.qrAutoPayDelay = qrPayAfter.map { .milliseconds(Int64($0 * 1000)) }
        for item in cancelUnsupported {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard let payType = PayType(rawValue: parts.first ?? "") else {
                throw ValidationError("unknown pay type in --cancel-unsupported \(item)")
            }
            let refusal = parts.count > 1 ? SandboxConfiguration.CancelRefusal(rawValue: parts[1]) : .code1297
            guard let refusal else { throw ValidationError("the cancel refusal must be 1297 or no-syssn") }
            configuration.cancelRefusals[payType] = refusal
        }
        configuration.rules = try makeRules()
        configuration.faults = SandboxFaults(
            seed: faultSeed, latencyProbability: latencyProbability, latency: .milliseconds(latencyMs),
            serverErrorBeforeProcessing: errorBeforeProbability, serverErrorAfterProcessing: errorAfterProbability,
            dropAfterProcessing: dropProbability, wrongSignature: wrongSignatureProbability,
            tooManyRequests: rateLimitProbability)
        return configuration
    }

    private func makeRules() throws -> SandboxRules {
        var rules: SandboxRules = lenient ? .lenient : .strict
        if let revokeWindow {
            guard revokeWindow >= 0 else { throw ValidationError("--revoke-window must not be negative") }
            rules.revokeWindow = revokeWindow == 0 ? nil : .milliseconds(Int64(revokeWindow * 60_000))
        }
        if let barcodeLifetime {
            guard barcodeLifetime >= 0 else { throw ValidationError("--barcode-lifetime must not be negative") }
            rules.barcodeLifetime = barcodeLifetime == 0 ? nil : .milliseconds(Int64(barcodeLifetime * 60_000))
        }
        if let billLanguage {
            guard let language = TradeBillFormat.Language(rawValue: billLanguage) else {
                throw ValidationError("--bill-language must be zh, ja or en")
            }
            rules.tradeBill.language = language
        }
        if let billEncoding {
            guard let encoding = TradeBillFormat.Encoding(rawValue: billEncoding) else {
                throw ValidationError("--bill-encoding must be utf-8-bom, utf-8, gb18030 or shift_jis")
            }
            rules.tradeBill.encoding = encoding
        }
        if let billCompression {
            guard let compression = TradeBillFormat.Compression(rawValue: billCompression) else {
                throw ValidationError("--bill-compression must be deflate or stored")
            }
            rules.tradeBill.compression = compression
        }
        return rules
    }

    private func resolvedKey() throws -> String {
        if let keyFile {
            let text = try String(contentsOfFile: keyFile, encoding: .utf8)
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return key ?? "615ED178BA524459976CE40FAB78000F"
    }

    /// Returns never: SIGINT or SIGTERM end the process at once with status 0. The sandbox keeps
    /// nothing on disk, so there is nothing to flush.
    private static func waitForTerminationSignal() async {
        signal(SIGINT) { _ in _exit(0) }
        signal(SIGTERM) { _ in _exit(0) }
        while true { try? await Task.sleep(for: .seconds(3600)) }
    }
}
