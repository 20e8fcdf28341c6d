/// `POST /trade/v1/query`: the state of transactions by QFPay order numbers, merchant order
/// numbers, or a time range. Lists are sent comma-separated; unset fields are left out.
public struct QueryRequest: Sendable, Hashable {
    /// `syssn`: QFPay order numbers.
    public var syssns: [String]
    /// `out_trade_no`: the merchant's order numbers.
    public var outTradeNos: [String]
    /// `pay_type` filter.
    public var payType: PayType?
    /// `respcd` filter.
    public var respcd: String?
    /// `start_time`, shop local time; with `endTime` within one calendar month.
    public var startTime: TransactionTime?
    /// `end_time`, shop local time.
    public var endTime: TransactionTime?
    /// `page`, from 1.
    public var page: Int?
    /// `page_size`, 1 to 100 (QFPay's default is 10).
    public var pageSize: Int?

    public init(
        syssns: [String] = [],
        outTradeNos: [String] = [],
        payType: PayType? = nil,
        respcd: String? = nil,
        startTime: TransactionTime? = nil,
        endTime: TransactionTime? = nil,
        page: Int? = nil,
        pageSize: Int? = nil
    ) {
        self.syssns = syssns
        self.outTradeNos = outTradeNos
        self.payType = payType
        self.respcd = respcd
        self.startTime = startTime
        self.endTime = endTime
        self.page = page
        self.pageSize = pageSize
    }

    /// The query of one order by the merchant's order number.
    public static func order(_ outTradeNo: String) -> QueryRequest { QueryRequest(outTradeNos: [outTradeNo]) }

    /// The query of one order by QFPay's order number.
    public static func transaction(syssn: String) -> QueryRequest { QueryRequest(syssns: [syssn]) }

    /// The validated parameters, exactly as signed and sent.
    public func parameters(for configuration: QFPayConfiguration) throws(QFPayError) -> [String: String] {
        var parameters: [String: String] = [:]
        if !syssns.isEmpty {
            for syssn in syssns { try FieldValidation.syssn(syssn) }
            parameters["syssn"] = syssns.joined(separator: ",")
        }
        if !outTradeNos.isEmpty {
            for number in outTradeNos { try FieldValidation.outTradeNo(number) }
            parameters["out_trade_no"] = outTradeNos.joined(separator: ",")
        }
        if let payType { parameters["pay_type"] = payType.rawValue }
        if let respcd, !respcd.isEmpty {
            guard respcd.utf8.count == 4, respcd.utf8.allSatisfy({ (48...57).contains($0) }) else {
                throw QFPayError(
                    .invalidField, "respcd must be four digits, got \(respcd.debugDescription)", field: "respcd")
            }
            parameters["respcd"] = respcd
        }
        let start = startTime?.text(in: configuration.timeZone)
        let end = endTime?.text(in: configuration.timeZone)
        if let start {
            try FieldValidation.time(start, field: "start_time")
            parameters["start_time"] = start
        }
        if let end {
            try FieldValidation.time(end, field: "end_time")
            parameters["end_time"] = end
        }
        if let start, let end {
            guard start <= end else {
                throw QFPayError(.invalidField, "end_time \(end) is before start_time \(start)", field: "end_time")
            }
            guard start.prefix(7) == end.prefix(7) else {
                throw QFPayError(
                    .invalidField, "start_time and end_time must lie in one calendar month (\(start) to \(end))",
                    field: "end_time")
            }
        }
        if let page {
            guard page >= 1 else {
                throw QFPayError(.invalidField, "page must be 1 or more, got \(page)", field: "page")
            }
            parameters["page"] = String(page)
        }
        if let pageSize {
            guard (1...100).contains(pageSize) else {
                throw QFPayError(.invalidField, "page_size must be 1 to 100, got \(pageSize)", field: "page_size")
            }
            parameters["page_size"] = String(pageSize)
        }
        if let merchantID = configuration.merchantID, !merchantID.isEmpty { parameters["mchid"] = merchantID }
        return parameters
    }
}
