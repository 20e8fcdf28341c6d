import Foundation
import QFPay

extension SandboxGateway {
    /// The columns of the English (lenient) bill: the API's own field names.
    static let billColumns = [
        "syssn", "orig_syssn", "out_trade_no", "order_type", "pay_type", "txcurrcd", "txamt", "txdtm", "sysdtm",
        "paydtm", "respcd", "cancel",
    ]

    /// `GET|POST /download/v1/trade_bill?trade_date=YYYY-MM-DD`: a zip holding one CSV of the day's
    /// transactions that moved money (paid payments, refunds, reversals, by system time), laid out
    /// as `rules.tradeBill` says, or a JSON error.
    func tradeBill(_ fields: RequestFields, _ state: LedgerState, now: Date) throws -> GatewayResponse {
        _ = try fields.merchant(required: false)
        let text = try fields.required("trade_date")
        guard let day = time.parseDay(text) ?? Self.compactDay(text).flatMap(time.parseDay) else {
            throw GatewayRejection(respcd: "1103", message: "trade_date must be YYYY-MM-DD, got \(text)")
        }
        guard day <= now else {
            throw GatewayRejection(respcd: "1104", message: "trade_date \(text): the bill is not ready yet")
        }
        let range = time.dayRange(of: day)
        var rows: [QueryRow] = []
        for order in state.orders { rows += queryRows(order) }
        rows = rows.sorted(by: { ($0.time, $0.syssn) < ($1.time, $1.syssn) }).filter {
            range.start <= $0.time && $0.time < range.end && $0.respcd == "0000" && $0.movedMoney
        }
        let format = configuration.rules.tradeBill
        let csv = billText(rows, format: format, day: day, now: now)
        let contents: [UInt8]
        do {
            contents = try BillTextEncoder.encode(csv, as: format.encoding)
        } catch {
            throw GatewayRejection(respcd: "1104", message: "the sandbox cannot write its bill: \(error)")
        }
        var zip = ZipWriter(modified: time.components(now))
        do {
            try zip.add(
                name: "trade_bill_\(time.compactDay(day)).csv", contents: contents, compression: format.compression)
        } catch {
            throw GatewayRejection(respcd: "1104", message: "the sandbox cannot compress its bill: \(error)")
        }
        return GatewayResponse(
            status: 200, contentType: "application/zip", body: zip.bytes(), respcd: "0000",
            extraHeaders: [
                ("Content-Disposition", "attachment; filename=\"trade_bill_\(time.compactDay(day)).zip\"")
            ])
    }

    /// The bill's CSV text (CRLF line ends) in `format.language`.
    func billText(_ rows: [QueryRow], format: TradeBillFormat, day: Date, now: Date) -> String {
        var lines: [[String]] = []
        switch format.language {
        case .english:
            lines.append(Self.billColumns)
            for row in rows {
                let json = row.json
                lines.append(
                    Self.billColumns.map { column in
                        if case .string(let value)? = json[column] { return value }
                        return ""
                    })
            }
        case .chinese, .japanese:
            let chinese = format.language == .chinese
            // Title lines first, as Chinese payment bills have them (Alipay's start with `#`).
            if chinese {
                lines += [["#钱方好近交易明细对账单"], ["#商户号：\(configuration.mchid)"], ["#账单日期：\(time.day(day))"]]
                lines.append(["交易时间", "系统时间", "交易流水号", "商户订单号", "原交易流水号", "交易类型", "支付方式", "币种", "交易金额", "交易状态"])
            } else {
                lines += [["#QFPay取引明細"], ["#加盟店ID：\(configuration.mchid)"], ["#対象日：\(time.day(day))"]]
                lines.append(["取引日時", "システム日時", "取引番号", "加盟店注文番号", "元取引番号", "取引種別", "決済方法", "通貨", "取引金額", "取引状態"])
            }
            var net = 0
            for row in rows {
                let json = row.json
                func field(_ name: String) -> String {
                    if case .string(let value)? = json[name] { return value }
                    return ""
                }
                let type = field("order_type")
                let amount = Int(field("txamt")) ?? 0
                let signed = type == "payment" ? amount : -amount
                net += signed
                let currency = field("txcurrcd")
                // Long numbers carry a leading backtick, as WeChat's bills write them, so that
                // spreadsheet programs keep every digit.
                func number(_ text: String) -> String { chinese && !text.isEmpty ? "`" + text : text }
                lines.append([
                    field("txdtm"), field("sysdtm"), number(field("syssn")), number(field("out_trade_no")),
                    number(field("orig_syssn")), Self.billType(type, chinese: chinese),
                    Self.billPayMethod(row.payType, chinese: chinese), currency,
                    Self.billAmount(signed, currency: currency, chinese: chinese), "成功",
                ])
            }
            let currency =
                rows.first.map { row -> String in
                    if case .string(let value)? = row.json["txcurrcd"] { return value }
                    return "JPY"
                } ?? "JPY"
            var total = Array(repeating: "", count: 10)
            total[0] = chinese ? "合计" : "合計"
            total[1] = chinese ? "共\(rows.count)笔" : "\(rows.count)件"
            total[8] = Self.billAmount(net, currency: currency, chinese: chinese)
            lines.append(total)
            lines.append([chinese ? "#导出时间：\(time.format(now))" : "#出力日時：\(time.format(now))"])
        }
        return lines.map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    private static func billType(_ orderType: String, chinese: Bool) -> String {
        switch orderType {
        case "payment": chinese ? "付款" : "支払"
        case "refund": chinese ? "退款" : "返金"
        default: chinese ? "撤销" : "取消"
        }
    }

    private static func billPayMethod(_ payType: PayType, chinese: Bool) -> String {
        switch payType {
        case .wechatBarcode: chinese ? "微信刷卡" : "WeChat Pay バーコード"
        case .wechatQR: chinese ? "微信扫码" : "WeChat Pay QRコード"
        case .alipayBarcode: chinese ? "支付宝刷卡" : "Alipay バーコード"
        case .alipayQR: chinese ? "支付宝扫码" : "Alipay QRコード"
        default: chinese ? "聚合刷卡" : "バーコード"
        }
    }

    /// An amount in the currency's major unit with thousands separators: `1,200` yen (Japanese),
    /// `1,200.00` (Chinese bills write two decimals for every currency), `-12.50` dollars.
    static func billAmount(_ minimal: Int, currency: String, chinese: Bool) -> String {
        let zeroDecimal: Set<String> = ["JPY", "KRW"]
        let decimals = zeroDecimal.contains(currency) ? 0 : 2
        let magnitude = abs(minimal)
        let unit = decimals == 0 ? 1 : 100
        var major = String(magnitude / unit)
        var grouped = ""
        while major.count > 3 {
            grouped = "," + String(major.suffix(3)) + grouped
            major = String(major.dropLast(3))
        }
        grouped = major + grouped
        var text = (minimal < 0 ? "-" : "") + grouped
        if decimals == 2 {
            let cents = magnitude % 100
            text += "." + (cents < 10 ? "0" : "") + String(cents)
        } else if chinese {
            text += ".00"
        }
        return text
    }

    private static func compactDay(_ text: String) -> String? {
        guard text.utf8.count == 8, text.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        let digits = Array(text)
        return "\(String(digits[0..<4]))-\(String(digits[4..<6]))-\(String(digits[6..<8]))"
    }

    private static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
