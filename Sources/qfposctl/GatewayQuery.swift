import ArgumentParser
import Foundation
import QFPay

/// `qfposctl gateway query`.
struct GatewayQuery: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "query", abstract: "Query transactions.")

    @OptionGroup var credentials: GatewayCredentialOptions

    @Option(help: "A merchant order number (repeatable).")
    var outTradeNo: [String] = []

    @Option(help: "A QFPay order number (repeatable).")
    var syssn: [String] = []

    @Option(help: "Filter by pay type.")
    var payType: String?

    @Option(help: "Filter by respcd.")
    var respcd: String?

    @Option(help: "Start time, YYYY-MM-DD HH:MM:SS shop time.")
    var start: String?

    @Option(help: "End time, YYYY-MM-DD HH:MM:SS shop time.")
    var end: String?

    @Option(help: "Page number, from 1.")
    var page: Int?

    @Option(help: "Rows per page, 1 to 100.")
    var pageSize: Int?

    func run() async throws {
        let configuration = try credentials.loadConfiguration()
        let type = try PayType.option(payType)
        let request = QueryRequest(
            syssns: syssn, outTradeNos: outTradeNo, payType: type, respcd: respcd,
            startTime: start.map(TransactionTime.init(text:)), endTime: end.map(TransactionTime.init(text:)),
            page: page,
            pageSize: pageSize)
        let result = await QFPayClient(configuration: configuration).query(request, priority: .followUp)
        try GatewayOutput.finish(result, json: credentials.json) { response in
            var text = GatewayOutput.table(
                GatewayOutput.common(response) + [
                    ("page", response.page.map(String.init) ?? "-"), ("rows", String(response.records.count)),
                ])
            for record in response.records {
                text += "\n"
                text += GatewayOutput.table([
                    ("order_type", record.orderType.rawValue),
                    ("out_trade_no", record.outTradeNo ?? "-"),
                    ("syssn", record.syssn ?? "-"),
                    (
                        "state",
                        "\(record.respcd.rawValue) \(record.classification.rawValue): \(record.respcd.englishMessage)"
                    ),
                    ("errmsg", record.errmsg),
                    ("amount", "\(record.amount.map(String.init) ?? "-") \(record.currency?.rawValue ?? "")"),
                    ("pay_type", GatewayOutput.payTypeText(record.payTypeCode ?? "-")),
                    ("cancel", record.cancel.map(String.init(describing:)) ?? "-"),
                    ("txdtm", record.txdtm ?? "-"), ("paydtm", record.paydtm ?? "-"),
                ])
            }
            return text
        }
    }
}
