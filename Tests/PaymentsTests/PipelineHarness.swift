import Foundation
import Logging
import QFPay
import QFPaySandbox
import Synchronization
import TestSupport

@testable import Payments

/// A pipeline over a fresh journal and an in-process sandbox on 127.0.0.1, with the production
/// schedule sped up `speed` times.
struct PipelineHarness: Sendable {
    /// The production schedule's shape at test speed: polls every 10–30 ms, a 3 s window, no
    /// close before 300 ms, no scan after 1 s, QR codes expiring after 1.5 s. Tests whose
    /// outcome must not depend on a window (a starved test process could outlive a short one)
    /// use `patient`.
    static var testPolicy: SalePolicy {
        SalePolicy(
            scanTimeout: .seconds(1), pollSchedule: [.milliseconds(10), .milliseconds(20), .milliseconds(30)],
            pendingWindow: .seconds(3), minimumAgeBeforeClose: .milliseconds(300), qrExpiry: .milliseconds(1500),
            unknownRetryDelay: .milliseconds(10), unknownBackoffLimit: .milliseconds(100))
    }

    /// The test schedule with windows (pending, QR, scan) of a minute: nothing closes on its own.
    static var patient: SalePolicy {
        var policy = testPolicy
        policy.pendingWindow = .seconds(60)
        policy.qrExpiry = .seconds(60)
        policy.scanTimeout = .seconds(60)
        return policy
    }

    let server: SandboxServer
    let files: TemporaryJournal
    let gateway: QFPayGateway
    let policy: SalePolicy

    init(
        server: SandboxServer, policy: SalePolicy = PipelineHarness.testPolicy,
        requestTimeout: Duration = .seconds(10)
    ) throws {
        self.server = server
        self.files = try TemporaryJournal()
        self.policy = policy
        let configuration = QFPayConfiguration(
            environment: .custom(server.baseURL), appCode: SandboxTestCredentials.appCode,
            key: Secret(SandboxTestCredentials.key), merchantID: SandboxTestCredentials.mchid,
            connectTimeout: .seconds(2), requestTimeout: requestTimeout)
        // The sandbox is not QFPay: lift the 400/min budget so tests and the benchmark are not paced by it.
        let budget = RequestBudget(requestsPerSecond: 1_000_000, requestsPerMinute: 60_000_000)
        gateway = QFPayGateway(client: QFPayClient(configuration: configuration, budget: budget))
    }

    /// A new pipeline on the harness's journal (a restart when one ran before).
    func pipeline(
        printer: (any ReceiptPrinter)? = nil,
        policy: SalePolicy? = nil,
        crashPoint: (@Sendable (PaymentPipeline.CrashPoint) -> Bool)? = nil
    ) throws -> PaymentPipeline {
        let configuration = PaymentPipeline.Configuration(
            policy: policy ?? self.policy, printer: printer,
            logger: Self.logger,
            crashPoint: crashPoint)
        return PaymentPipeline(journal: try files.open(), gateway: gateway, configuration: configuration)
    }

    /// Silent, unless QFPOS_TEST_LOG names a level (`debug`, `notice`...): then to stderr, for diagnosis.
    static var logger: Logger {
        guard let level = ProcessInfo.processInfo.environment["QFPOS_TEST_LOG"].flatMap({ Logger.Level(rawValue: $0) })
        else {
            return Logger(label: "test.payments", factory: { _ in SwiftLogNoOpLogHandler() })
        }
        var logger = Logger(label: "test.payments", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = level
        return logger
    }

    /// Runs `body` with a harness over a new sandbox.
    static func run<R>(
        configure: (inout SandboxConfiguration) -> Void = { _ in },
        policy: SalePolicy = PipelineHarness.testPolicy,
        requestTimeout: Duration = .seconds(10),
        _ body: (PipelineHarness) async throws -> R
    ) async throws -> R {
        try await withSandbox(configure: configure) { server in
            try await body(try PipelineHarness(server: server, policy: policy, requestTimeout: requestTimeout))
        }
    }
}

/// A unique till order id.
func orderID(_ prefix: String = "o") -> String { "\(prefix)-\(UUID().uuidString.prefix(13))" }

/// Waits for a condition with a generous liveness bound (never a timing assertion).
func eventually(
    _ what: String, within seconds: Double = 30, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    throw HarnessTimeout(what: what)
}

struct HarnessTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "not reached within the liveness bound: \(what)" }
}

extension PaymentPipeline {
    /// Waits until the sale is settled (or flagged), bounded for liveness.
    func settledWithin(_ saleID: String, seconds: Double = 30) async throws -> SaleSnapshot {
        try await waitWithin(saleID, seconds: seconds) { $0.status.isSettled || $0.status == .needsAttention }
    }

    /// Waits until the sale satisfies `condition`, bounded for liveness.
    func waitWithin(
        _ saleID: String, seconds: Double = 30, _ condition: @escaping @Sendable (SaleSnapshot) -> Bool
    ) async throws -> SaleSnapshot {
        let result = try await withThrowingTaskGroup(of: SaleSnapshot?.self) { group in
            group.addTask { await self.waitFor(saleID, condition) }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw HarnessTimeout(what: "sale \(saleID) settled")
            }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
        guard let result else { throw HarnessTimeout(what: "sale \(saleID) settled (pipeline stopped)") }
        return result
    }
}

/// A printer that keeps what it was asked to print, or fails every time.
final class CollectingPrinter: ReceiptPrinter {
    let printed = Mutex<[SaleReceipt]>([])
    let fails: Bool

    init(fails: Bool = false) { self.fails = fails }

    func print(_ content: SaleReceipt) async throws {
        if fails { throw PaymentsError(.invalidState, "printer out of paper") }
        printed.withLock { $0.append(content) }
    }

    var kinds: [ReceiptKind] { printed.withLock { $0.map(\.kind) } }
}
