import Foundation
import WallClock

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
        WallClockTime(date, in: timeZone).description
    }

    /// The instant `text` (`YYYY-MM-DD HH:MM:SS`) names in `timeZone`, or nil if it is not such a time
    /// (days that do not exist, such as 2026-02-30, included).
    public static func parse(_ text: String, in timeZone: TimeZone) -> Date? {
        wallClockTime(of: text)?.date(in: timeZone)
    }

    /// The time a well-formed `YYYY-MM-DD HH:MM:SS` names, or nil if the text is not one or names
    /// no time (a 13th month, 2026-02-30, 24:00:00).
    static func wallClockTime(of text: String) -> WallClockTime? {
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
        let time = WallClockTime(
            year: number(0, 4), month: number(5, 2), day: number(8, 2), hour: number(11, 2), minute: number(14, 2),
            second: number(17, 2))
        return time.isValid ? time : nil
    }
}
