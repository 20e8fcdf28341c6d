import Foundation

extension TimeZone {
    /// Japan Standard Time, UTC+09:00, as a fixed offset: the shop's time zone by default.
    ///
    /// Japan has kept no daylight saving time since 1951, so the offset is the same at every instant
    /// the daemon handles. A fixed offset needs no time zone database: `Asia/Tokyo` would load
    /// ICU's, whose code and tables then stay resident in the daemon.
    public static let japanStandardTime = TimeZone(secondsFromGMT: 9 * 60 * 60)!
}
