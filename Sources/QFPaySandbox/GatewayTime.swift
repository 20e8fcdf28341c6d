import Foundation

/// Formats and parses QFPay's `YYYY-MM-DD HH:MM:SS` times in the shop's time zone.
struct GatewayTime: Sendable {
    private let calendar: Calendar

    init(timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// `2018-01-12 19:31:16`.
    func format(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return "\(pad(parts.year!, 4))-\(pad(parts.month!))-\(pad(parts.day!)) "
            + "\(pad(parts.hour!)):\(pad(parts.minute!)):\(pad(parts.second!))"
    }

    /// `2018-01-12`.
    func day(_ date: Date) -> String { String(format(date).prefix(10)) }

    /// `20180112`, for order numbers.
    func compactDay(_ date: Date) -> String { day(date).replacingOccurrences(of: "-", with: "") }

    /// The parts of a date, for zip timestamps.
    func components(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return (parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
    }

    /// Parses exactly `YYYY-MM-DD HH:MM:SS` (a real calendar date and time); `nil` otherwise.
    func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: " "), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":")
        else { return nil }
        guard let date = parseDay(String(decoding: bytes[0..<10], as: UTF8.self)),
            let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]), let second = number(bytes[17..<19]),
            hour < 24, minute < 60, second < 60
        else { return nil }
        return date.addingTimeInterval(TimeInterval(hour * 3600 + minute * 60 + second))
    }

    /// Parses exactly `YYYY-MM-DD` (a real calendar date) as the start of that day.
    func parseDay(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = number(bytes[0..<4]), let month = number(bytes[5..<7]), let day = number(bytes[8..<10]),
            (1...12).contains(month), day >= 1
        else { return nil }
        let components = DateComponents(year: year, month: month, day: day)
        guard let date = calendar.date(from: components),
            calendar.component(.day, from: date) == day, calendar.component(.month, from: date) == month
        else { return nil }
        return date
    }

    /// The first instant of the month holding `date`, and the first instant of the next month.
    func month(of date: Date) -> (start: Date, end: Date) {
        let start = calendar.date(from: calendar.dateComponents([.year, .month], from: date))!
        return (start, calendar.date(byAdding: .month, value: 1, to: start)!)
    }

    /// The first instant of the day holding `date`, and of the next day.
    func dayRange(of date: Date) -> (start: Date, end: Date) {
        let start = calendar.startOfDay(for: date)
        return (start, calendar.date(byAdding: .day, value: 1, to: start)!)
    }

    private func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return bytes.reduce(0) { $0 * 10 + Int($1 - 48) }
    }

    private func pad(_ value: Int, _ width: Int = 2) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
