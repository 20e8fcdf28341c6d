import ArgumentParser
import Foundation
import QFPay

/// `qfposctl gateway refund`.
struct GatewayRefund: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "refund", abstract: "Refund a paid transaction.")

    @OptionGroup var credentials: GatewayCredentialOptions

    @Option(help: "QFPay order number (syssn) of the payment to refund.")
    var syssn: String

    @Option(help: "Amount to refund in minimum units.")
    var amount: Int

    @Option(help: "The refund's own merchant order number (default: a new one).")
    var outTradeNo: String?

    @Option(help: "udid, the device.")
    var udid: String?

    func run() async throws {
        let configuration = try credentials.loadConfiguration()
        let number = outTradeNo ?? OrderNumberGenerator(timeZone: configuration.timeZone).refundNumber()
        let request = RefundRequest(outTradeNo: number, originalSyssn: syssn, amount: amount, udid: udid)
        let result = await QFPayClient(configuration: configuration).refund(request)
        try GatewayOutput.finish(result, json: credentials.json) { response in
            GatewayOutput.table(
                GatewayOutput.common(response) + [
                    ("out_trade_no", response.outTradeNo ?? number), ("syssn", response.syssn ?? "-"),
                    ("orig_syssn", response.origSyssn ?? syssn),
                    ("amount", "\(response.amount.map(String.init) ?? "-") \(response.currency?.rawValue ?? "")"),
                ])
        }
    }
}
