import Foundation

/// A `txdtm`, `start_time` or `end_time` value: `YYYY-MM-DD HH:MM:SS` in the shop's local time.
///
/// Made from an instant (formatted in the configuration's time zone when the request is encoded)
/// or from text that is sent as is after its format is checked (for example the original
/// payment's `txdtm` when closing it).
public struct TransactionTime: Sendable, Hashable, CustomStringConvertible {
    enum Storage: Sendable, Hashable {
        case instant(Date)
        case text(String)
    }

    let storage: Storage

    /// The local time of `date` in the shop's time zone.
    public init(_ date: Date) { storage = .instant(date) }

    /// Text in the form `YYYY-MM-DD HH:MM:SS`, checked when the request is validated.
    public init(text: String) { storage = .text(text) }

    /// The current time.
    public static var now: TransactionTime { TransactionTime(Date()) }

    public var description: String {
        switch storage {
        case .instant(let date): "\(date)"
        case .text(let text): text
        }
    }

    /// The text sent to QFPay for this time in `timeZone`.
    public func text(in timeZone: TimeZone) -> String {
        switch storage {
        case .instant(let date): Self.format(date, in: timeZone)
        case .text(let text): text
        }
    }

    /// `date` as `YYYY-MM-DD HH:MM:SS` in `timeZone`.
    public static func format(_ date: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return pad(c.year!, 4) + "-" + pad(c.month!, 2) + "-" + pad(c.day!, 2) + " " + pad(c.hour!, 2) + ":"
            + pad(c.minute!, 2) + ":" + pad(c.second!, 2)
    }

    /// The instant `text` (`YYYY-MM-DD HH:MM:SS`) names in `timeZone`, or nil if it is not such a time.
    public static func parse(_ text: String, in timeZone: TimeZone) -> Date? {
        guard let fields = fields(of: text) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = DateComponents(
            year: fields[0], month: fields[1], day: fields[2], hour: fields[3], minute: fields[4], second: fields[5])
        guard let date = calendar.date(from: components) else { return nil }
        // Reject days that do not exist (2026-02-30 would roll over to March).
        return format(date, in: timeZone) == text ? date : nil
    }

    /// Year, month, day, hour, minute, second of a well-formed `YYYY-MM-DD HH:MM:SS`, ranges checked.
    static func fields(of text: String) -> [Int]? {
        let bytes = Array(text.utf8)
        guard bytes.count == 19 else { return nil }
        let separators: [Int: UInt8] = [4: 45, 7: 45, 10: 32, 13: 58, 16: 58]
        for (index, byte) in bytes.enumerated() {
            if let separator = separators[index] {
                guard byte == separator else { return nil }
            } else if !(48...57).contains(byte) {
                return nil
            }
        }
        let number = { (from: Int, count: Int) in bytes[from..<from + count].reduce(0) { $0 * 10 + Int($1 - 48) } }
        let values = [number(0, 4), number(5, 2), number(8, 2), number(11, 2), number(14, 2), number(17, 2)]
        guard (1...12).contains(values[1]), (1...31).contains(values[2]), values[3] < 24, values[4] < 60,
            values[5] < 60
        else { return nil }
        return values
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
