import ArgumentParser
import Foundation
import QFPay

/// `qfposctl gateway pay`: a barcode payment (`--auth-code`, wallet detected) or a dynamic QR
/// payment (`--qr --wallet`), whose QR is printed in the terminal.
struct GatewayPay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pay", abstract: "Make a barcode payment or create a dynamic QR payment.")

    @OptionGroup var credentials: GatewayCredentialOptions

    @Option(help: "Amount in the currency's minimum unit (yen).")
    var amount: Int

    @Option(help: "The customer's payment code (barcode payment).")
    var authCode: String?

    @Flag(help: "Create a dynamic QR payment instead (needs --wallet).")
    var qr = false

    @Option(help: "wechat or alipay, for --qr.")
    var wallet: String?

    @Option(help: "Override the pay type (800208, 800108, 800008, 800201, 800101).")
    var payType: String?

    @Option(help: "Currency (default JPY).")
    var currency: String?

    @Option(help: "The merchant order number (default: a new one).")
    var outTradeNo: String?

    @Option(help: "goods_name, at most 20 characters.")
    var goodsName: String?

    @Option(help: "udid, the device, at most 40 characters.")
    var udid: String?

    @Flag(help: "limit_pay=no_credit: no credit cards.")
    var noCredit = false

    @Option(help: "Minutes the QR code stays payable, 5 to 120.")
    var expires: Int?

    func run() async throws {
        let configuration = try credentials.loadConfiguration()
        let number = outTradeNo ?? OrderNumberGenerator(timeZone: configuration.timeZone).paymentNumber()
        let request: PaymentRequest
        if qr {
            guard authCode == nil else { throw ValidationError("--qr and --auth-code exclude each other") }
            guard let walletName = wallet, let wallet = Wallet(rawValue: walletName.lowercased()) else {
                throw ValidationError("--qr needs --wallet wechat or --wallet alipay")
            }
            request = .dynamicQR(
                outTradeNo: number, amount: amount, wallet: wallet,
                currency: currency.map(Currency.init(stringLiteral:)),
                goodsName: goodsName, udid: udid, noCredit: noCredit, expiresInMinutes: expires)
        } else {
            guard let authCode else { throw ValidationError("give --auth-code CODE, or --qr --wallet NAME") }
            request = .barcode(
                outTradeNo: number, amount: amount, authCode: AuthCode(authCode), payType: nil,
                currency: currency.map(Currency.init(stringLiteral:)), goodsName: goodsName, udid: udid,
                noCredit: noCredit)
        }
        var final = request
        if let payType {
            guard let type = PayType(rawValue: payType) else { throw ValidationError("unknown --pay-type \(payType)") }
            final.payType = type
        }
        let client = QFPayClient(configuration: configuration)
        let result = await client.pay(final)
        try GatewayOutput.finish(result, json: credentials.json) { response in
            var lines = GatewayOutput.common(response)
            lines.append(("out_trade_no", response.outTradeNo ?? final.outTradeNo))
            lines.append(("syssn", response.syssn ?? "-"))
            lines.append(("amount", "\(response.amount.map(String.init) ?? "-") \(response.currency?.rawValue ?? "")"))
            lines.append(("pay_type", GatewayOutput.payTypeText(response.payTypeCode ?? final.payType.rawValue)))
            if !final.payType.isBarcode || final.authCode != nil {
                if let code = final.authCode { lines.append(("auth_code", code.masked)) }
            }
            if let qrcode = response.qrcode { lines.append(("qrcode", qrcode)) }
            var text = GatewayOutput.table(lines)
            if let qrcode = response.qrcode { text += "\n" + TerminalQRCode.render(qrcode) }
            return text
        }
    }
}

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
        var type: PayType?
        if let payType {
            guard let value = PayType(rawValue: payType) else { throw ValidationError("unknown --pay-type \(payType)") }
            type = value
        }
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
        var type: PayType?
        if let payType {
            guard let value = PayType(rawValue: payType) else { throw ValidationError("unknown --pay-type \(payType)") }
            type = value
        }
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

/// `qfposctl gateway bill`.
struct GatewayBill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bill", abstract: "Download the reconciliation file (trade_bill) of a day.")

    @OptionGroup var credentials: GatewayCredentialOptions

    @Option(help: "The day, YYYY-MM-DD.")
    var date: String

    @Option(help: "Where to write the zip (default trade_bill-DATE.zip).")
    var output: String?

    func run() async throws {
        let configuration = try credentials.loadConfiguration()
        let result = await QFPayClient(configuration: configuration).tradeBill(date: date)
        switch result {
        case .answered(let bill) where bill.isZip:
            let path = output ?? "trade_bill-\(date).zip"
            guard FileManager.default.createFile(atPath: path, contents: Data(bill.body)) else {
                throw ValidationError("cannot write \(path)")
            }
            if credentials.json {
                print(#"{"file": "\#(path)", "bytes": \#(bill.body.count)}"#)
            } else {
                print(
                    GatewayOutput.table([
                        ("file", path), ("bytes", String(bill.body.count)),
                        ("signed", bill.signatureVerified ? "yes" : "no"),
                    ]))
            }
        case .answered(let bill):
            if credentials.json {
                FileHandle.standardOutput.write(Data(bill.body))
            } else {
                let code = bill.respcd ?? ""
                print(
                    GatewayOutput.table([
                        ("respcd", "\(code.rawValue)  \(code.englishMessage) / \(code.japaneseMessage)"),
                        ("resperr", bill.resperr ?? ""),
                    ]))
            }
            throw GatewayExit.declined
        case .outcomeUnknown(let unknown):
            GatewayOutput.printError("outcome unknown: \(unknown)")
            throw GatewayExit.outcomeUnknown
        case .notSent(let error):
            GatewayOutput.printError("not sent: \(error.message)")
            throw GatewayExit.notSent
        }
    }
}
