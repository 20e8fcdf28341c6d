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

    @Option(
        help:
            "goods_name (QFPay requires one): at most 20 bytes of UTF-8, no special characters. Default: the config's default_goods_name, else 商品."
    )
    var goodsName: String?

    @Option(help: "udid, the device, at most 40 characters.")
    var udid: String?

    @Flag(help: "limit_pay=no_credit: no credit cards.")
    var noCredit = false

    @Option(help: "Minutes the QR code stays payable, 5 to 120.")
    var expires: Int?

    @Option(help: "Seconds to keep querying a pending payment or an unpaid QR code until it settles (0: do not wait).")
    var wait: Int = 0

    @Option(help: "Seconds between those queries.")
    var pollInterval: Double = 2

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
        if let type = try PayType.option(payType) { final.payType = type }
        let client = QFPayClient(configuration: configuration)
        let result = await client.pay(final)
        let describe = { (response: PaymentResponse) -> String in
            var lines = GatewayOutput.common(response)
            lines.append(("out_trade_no", response.outTradeNo ?? final.outTradeNo))
            lines.append(("syssn", response.syssn ?? "-"))
            lines.append(("amount", "\(response.amount.map(String.init) ?? "-") \(response.currency?.rawValue ?? "")"))
            lines.append(("pay_type", GatewayOutput.payTypeText(response.payTypeCode ?? final.payType.rawValue)))
            if let code = final.authCode { lines.append(("auth_code", code.masked)) }
            if let qrcode = response.qrcode { lines.append(("qrcode", qrcode)) }
            var text = GatewayOutput.table(lines)
            if let qrcode = response.qrcode { text += "\n" + TerminalQRCode.render(qrcode) }
            return text
        }
        if wait > 0, case .answered(let response) = result,
            response.respcd.classification == .pending || (!final.payType.isBarcode && response.respcd.isSuccess)
        {
            GatewayOutput.show(response, json: credentials.json, describe: describe)
            try await waitForSettlement(client, outTradeNo: final.outTradeNo)
            return
        }
        try GatewayOutput.finish(result, json: credentials.json, describe: describe)
    }

    /// Queries the order every `pollInterval` seconds until it is paid or failed, or `wait`
    /// seconds have passed (then it is still pending: exit status 2, close it).
    private func waitForSettlement(_ client: QFPayClient, outTradeNo: String) async throws {
        let deadline = ContinuousClock.now + .seconds(wait)
        let interval = Duration.milliseconds(Int((max(pollInterval, 0.1) * 1000).rounded()))
        while ContinuousClock.now + interval <= deadline {
            try await Task.sleep(for: interval)
            let result = await client.query(.order(outTradeNo))
            guard case .answered(let answer) = result else {
                GatewayOutput.printError("query failed, trying again: \(result)")
                continue
            }
            guard let record = answer.payment(outTradeNo: outTradeNo) else { continue }
            if record.classification == .pending {
                if !credentials.json {
                    print("waiting       \(record.respcd.rawValue) \(record.respcd.englishMessage)")
                }
                continue
            }
            if credentials.json {
                GatewayOutput.writeRaw(answer.body)
            } else {
                print(
                    GatewayOutput.table([
                        ("result", GatewayOutput.meaning(record.respcd)),
                        ("syssn", record.syssn ?? "-"), ("paydtm", record.paydtm ?? "-"),
                    ]))
            }
            if record.respcd.isSuccess { return }
            throw GatewayExit.declined
        }
        GatewayOutput.printError(
            "still pending after \(wait) s: close it with `qfposctl gateway close --out-trade-no \(outTradeNo) --amount \(amount)`"
        )
        throw GatewayExit.outcomeUnknown
    }
}
