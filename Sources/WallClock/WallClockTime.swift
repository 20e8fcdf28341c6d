import Foundation

/// The date and time a clock on the shop's wall shows at an instant: year, month, day, hour,
/// minute and second in a time zone, by the Gregorian calendar.
///
/// Computed with integer arithmetic on days since 1970-01-01 (Howard Hinnant's `days_from_civil`
/// and `civil_from_days`) and the zone's offset from UTC, not with Foundation's `Calendar`: a
/// `Calendar` reads the system's current time zone when it is made, and that loads ICU's time
/// zone database into the daemon for good. With a fixed-offset zone such as
/// ``Foundation/TimeZone/japanStandardTime`` nothing here touches ICU.
public struct WallClockTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// The wall-clock time of `date` in `timeZone` (fractions of a second dropped).
    public init(_ date: Date, in timeZone: TimeZone) {
        let utc = Int(date.timeIntervalSince1970.rounded(.down))
        self.init(secondsSince1970: utc + timeZone.secondsFromGMT(for: date))
    }

    /// `YYYY-MM-DD HH:MM:SS`.
    public var description: String { text(separator: " ", suffix: "") }

    /// `date` in UTC as ISO 8601 in whole seconds (`2026-11-27T00:00:00Z`): what
    /// `date.formatted(.iso8601)` gives, without the `Calendar` behind it.
    public static func iso8601(_ date: Date) -> String {
        WallClockTime(date, in: utc).text(separator: "T", suffix: "Z")
    }

    private static let utc = TimeZone(secondsFromGMT: 0)!

    public static func < (lhs: WallClockTime, rhs: WallClockTime) -> Bool {
        (lhs.year, lhs.month, lhs.day, lhs.hour, lhs.minute, lhs.second)
            < (rhs.year, rhs.month, rhs.day, rhs.hour, rhs.minute, rhs.second)
    }

    /// Whether the fields name a time that exists: a month of 1–12, a day that month has, a time
    /// from 00:00:00 to 23:59:59.
    public var isValid: Bool {
        (1...12).contains(month) && (1...Self.daysIn(month: month, year: year)).contains(day) && (0..<24).contains(hour)
            && (0..<60).contains(minute) && (0..<60).contains(second)
    }

    /// The instant this wall-clock time names in `timeZone`, or nil when it names no time
    /// (2026-02-30, 24:00:00). Where a zone's clocks were set back and a time came twice, the
    /// earlier offset's instant is not guaranteed; zones without such changes (Japan's) are exact.
    public func date(in timeZone: TimeZone) -> Date? {
        guard isValid else { return nil }
        let local = secondsSince1970
        // The offset at the instant the local time would be in UTC, then at the instant it names.
        var utc = local - timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local)))
        utc = local - timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utc)))
        return Date(timeIntervalSince1970: TimeInterval(utc))
    }

    /// The same time of day `days` calendar days later (earlier when negative).
    public func addingDays(_ days: Int) -> WallClockTime {
        WallClockTime(secondsSince1970: secondsSince1970 + days * 86_400)
    }

    /// Seconds since 1970-01-01 00:00:00 of this wall-clock time read as UTC.
    var secondsSince1970: Int {
        Self.daysSince1970(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60 + second
    }

    init(secondsSince1970 seconds: Int) {
        let days = seconds.floorDivided(by: 86_400)
        let time = seconds - days * 86_400
        (year, month, day) = Self.civil(daysSince1970: days)
        hour = time / 3_600
        minute = time % 3_600 / 60
        second = time % 60
    }

    /// Days from 1970-01-01 to the given day of the proleptic Gregorian calendar (`days_from_civil`).
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDivided(by: 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The day `days` after 1970-01-01 (`civil_from_days`).
    static func civil(daysSince1970 days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = z.floorDivided(by: 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private func text(separator: String, suffix: String) -> String {
        Self.pad(year, 4) + "-" + Self.pad(month, 2) + "-" + Self.pad(day, 2) + separator + Self.pad(hour, 2) + ":"
            + Self.pad(minute, 2) + ":" + Self.pad(second, 2) + suffix
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

extension Int {
    /// Division rounding towards minus infinity (Swift's `/` rounds towards zero).
    fileprivate func floorDivided(by divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
