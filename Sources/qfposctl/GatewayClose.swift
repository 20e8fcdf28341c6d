import ArgumentParser
import Foundation
import QFPay

/// `qfposctl gateway close`.
struct GatewayClose: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close", abstract: "Cancel (close) an order: an unpaid one is closed, a paid one reversed.")

    @OptionGroup var credentials: GatewayCredentialOptions

    @Option(help: "QFPay order number of the order.")
    var syssn: String?

    @Option(help: "Merchant order number of the order.")
    var outTradeNo: String?

    @Option(help: "The order's amount in minimum units.")
    var amount: Int

    @Option(help: "txdtm, YYYY-MM-DD HH:MM:SS (default: now).")
    var txdtm: String?

    @Option(help: "The order's pay type, to pick the cancel endpoint configured for it.")
    var payType: String?

    func run() async throws {
        let configuration = try credentials.loadConfiguration()
        let type = try PayType.option(payType)
        let request = CloseRequest(
            syssn: syssn, outTradeNo: outTradeNo, amount: amount,
            transactionTime: txdtm.map(TransactionTime.init(text:)) ?? .now)
        let result = await QFPayClient(configuration: configuration).close(request, payType: type)
        try GatewayOutput.finish(result, json: credentials.json) { response in
            var lines = GatewayOutput.common(response)
            lines += [
                ("syssn", response.syssn ?? "-"), ("orig_syssn", response.origSyssn ?? "-"),
                ("amount", response.amount.map(String.init) ?? "-"),
            ]
            if response.isCancelUnsupported {
                lines.append(("note", "this transaction cannot be cancelled: refund it if it was paid"))
            }
            return GatewayOutput.table(lines)
        }
    }
}
