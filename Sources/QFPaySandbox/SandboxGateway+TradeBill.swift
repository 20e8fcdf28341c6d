import Foundation

extension SandboxGateway {
    /// The CSV columns of the reconciliation bill.
    static let billColumns = [
        "syssn", "orig_syssn", "out_trade_no", "order_type", "pay_type", "txcurrcd", "txamt", "txdtm", "sysdtm",
        "paydtm", "respcd", "cancel",
    ]

    /// `GET|POST /download/v1/trade_bill?trade_date=YYYY-MM-DD`: a zip holding one CSV of the day's
    /// transactions that moved money (paid payments, refunds, reversals, by `sysdtm`), or a JSON error.
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
        var lines = [Self.billColumns.joined(separator: ",")]
        var rows: [QueryRow] = []
        for order in state.orders { rows += queryRows(order) }
        for row in rows.sorted(by: { ($0.time, $0.syssn) < ($1.time, $1.syssn) })
        where range.start <= row.time && row.time < range.end && row.respcd == "0000" && row.movedMoney {
            lines.append(
                Self.billColumns.map { column in
                    if case .string(let value)? = row.json[column] { return Self.csvField(value) }
                    return ""
                }.joined(separator: ","))
        }
        let csv = Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
        var zip = StoredZip(modified: time.components(now))
        zip.add(name: "trade_bill_\(time.compactDay(day)).csv", contents: csv)
        return GatewayResponse(
            status: 200, contentType: "application/zip", body: zip.bytes(), respcd: "0000",
            extraHeaders: [
                ("Content-Disposition", "attachment; filename=\"trade_bill_\(time.compactDay(day)).zip\"")
            ])
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
