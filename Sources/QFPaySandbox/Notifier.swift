import Foundation
import Logging
import QFPay
import Synchronization

/// Sends the merchant's notifications: a signed JSON POST per event, retried on the configured
/// schedule (scaled by the sandbox clock) until the receiver answers `SUCCESS`.
final class Notifier: Sendable {
    private let url: URL?
    private let schedule: [Duration]
    private let clock: SandboxClock
    private let signer: Signer
    private let ledger: SandboxLedger
    private let time: GatewayTime
    private let logger: Logger
    private let tasks = Mutex<(stopped: Bool, running: [Int: Task<Void, Never>])>((false, [:]))

    init(configuration: SandboxConfiguration, clock: SandboxClock, ledger: SandboxLedger, logger: Logger) {
        self.url = configuration.notifyURL
        self.schedule = configuration.notifyRetrySchedule
        self.clock = clock
        self.signer = Signer(key: configuration.key, algorithm: .md5)
        self.ledger = ledger
        self.time = GatewayTime(timeZone: configuration.timeZone)
        self.logger = logger
    }

    /// Queues a notification per event (nothing when no URL is configured).
    func send(_ events: [LedgerEvent]) {
        guard let url else { return }
        for event in events {
            let (type, syssn, body) = notification(for: event)
            let index = ledger.state.withLock { state in
                state.notifications.append(
                    SandboxNotification(notifyType: type, syssn: syssn, body: body, attempts: 0, delivered: false))
                return state.notifications.count - 1
            }
            tasks.withLock { tasks in
                guard !tasks.stopped else { return }
                tasks.running[index] = Task { [self] in
                    await deliver(index: index, body: Array(body.utf8), to: url)
                    _ = self.tasks.withLock { $0.running.removeValue(forKey: index) }
                }
            }
        }
    }

    /// Cancels every pending delivery.
    func stop() {
        let running = tasks.withLock { tasks in
            tasks.stopped = true
            defer { tasks.running = [:] }
            return Array(tasks.running.values)
        }
        for task in running { task.cancel() }
    }

    private func deliver(index: Int, body: [UInt8], to url: URL) async {
        let headers = [("Content-Type", "application/json; charset=UTF-8"), ("X-QF-SIGN", signer.bodySignature(body))]
        for attempt in 0...schedule.count {
            if attempt > 0 {
                do { try await Task.sleep(for: clock.realDuration(of: schedule[attempt - 1])) } catch { return }
            }
            var delivered = false
            do {
                let answer = try await SandboxHTTPClient.send(url: url, headers: headers, body: body)
                delivered = answer.text.trimmingCharacters(in: .whitespacesAndNewlines) == "SUCCESS"
            } catch {
                logger.debug("notification attempt failed", metadata: ["notify.attempt": "\(attempt + 1)"])
            }
            ledger.state.withLock { state in
                state.notifications[index].attempts += 1
                state.notifications[index].delivered = delivered
            }
            if delivered || Task.isCancelled { return }
        }
        logger.notice("notification abandoned after every retry", metadata: ["notify.index": "\(index)"])
    }

    /// The notification's type, syssn and body in the specification's field order.
    private func notification(for event: LedgerEvent) -> (String, String, String) {
        let order: SandboxOrder
        var syssn: String
        var outTradeNo: String
        var amount: Int
        var cancel = "0"
        var type = "payment"
        var extra: [(String, PythonJSON)] = []
        var sysdtm: Date
        switch event {
        case .paid(let paid):
            order = paid
            syssn = paid.syssn
            outTradeNo = paid.outTradeNo
            amount = paid.amount
            sysdtm = paid.createdAt
        case .refunded(let refunded, let refund):
            order = refunded
            syssn = refund.syssn
            outTradeNo = refund.outTradeNo
            amount = refund.amount
            cancel = "3"
            type = "refund"
            sysdtm = refund.time
            extra = [("orig_syssn", .string(refunded.syssn)), ("orig_out_trade_no", .string(refunded.outTradeNo))]
        case .closed(let closed):
            order = closed
            syssn = closed.close?.syssn ?? closed.syssn
            outTradeNo = closed.outTradeNo
            amount = closed.amount
            cancel = "2"
            type = "close"
            sysdtm = closed.close?.time ?? closed.createdAt
            extra = [("orig_syssn", .string(closed.syssn))]
        }
        let body: PythonJSON = .object(
            [
                ("status", .string("1")),
                ("sysdtm", .string(time.format(sysdtm))),
                ("paydtm", .string(order.paidAt.map(time.format) ?? "")),
                ("goods_name", .string(order.goodsName ?? "")),
                ("txcurrcd", .string(order.currency)),
                ("mchid", .string(order.mchid)),
                ("cancel", .string(cancel)),
                ("pay_type", .string(order.payType.rawValue)),
                ("cardcd", .string(order.cardcd)),
                ("txdtm", .string(order.requestTime)),
                ("txamt", .string(String(amount))),
                ("out_trade_no", .string(outTradeNo)),
                ("syssn", .string(syssn)),
                ("respcd", .string("0000")),
                ("goods_info", .string("")),
                ("notify_type", .string(type)),
            ] + extra)
        return (type, syssn, body.serialized())
    }
}
