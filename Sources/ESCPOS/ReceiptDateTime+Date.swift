import Foundation
import WallClock

extension ReceiptDateTime {
    /// The wall-clock fields of `date` in `timeZone` (the shop's: Japan Standard Time in Japan).
    public init(_ date: Date, timeZone: TimeZone) {
        let time = WallClockTime(date, in: timeZone)
        self.init(
            year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute,
            second: time.second)
    }
}
