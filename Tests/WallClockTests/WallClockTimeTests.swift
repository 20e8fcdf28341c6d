import Foundation
import Testing
import WallClock

@Suite struct WallClockTimeTests {
    /// Foundation's calendar, the reference the arithmetic is checked against.
    private func reference(_ date: Date, _ zone: TimeZone) -> WallClockTime {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return WallClockTime(
            year: c.year!, month: c.month!, day: c.day!, hour: c.hour!, minute: c.minute!, second: c.second!)
    }

    private let zones = [
        TimeZone.japanStandardTime, TimeZone(identifier: "Asia/Tokyo")!, TimeZone(identifier: "UTC")!,
        TimeZone(secondsFromGMT: -(3 * 3600 + 1800))!, TimeZone(identifier: "America/New_York")!,
    ]

    @Test func agreesWithFoundationsCalendarOverFourCenturies() {
        var random = SystemRandomNumberGenerator()
        // 1600 to 2400: leap centuries (2000), common ones (1700, 2100), dates before 1970.
        for _ in 0..<20_000 {
            let seconds = Double(Int.random(in: -11_676_096_000...13_569_465_600, using: &random))
            let date = Date(timeIntervalSince1970: seconds)
            for zone in zones {
                #expect(WallClockTime(date, in: zone) == reference(date, zone), "\(date) in \(zone.identifier)")
            }
        }
    }

    @Test func japanStandardTimeIsNineHoursAheadOfUTC() {
        let date = Date(timeIntervalSince1970: 1_795_737_600)  // 2026-11-27 00:00:00 UTC
        #expect(WallClockTime(date, in: .japanStandardTime).description == "2026-11-27 09:00:00")
        #expect(
            WallClockTime(Date(timeIntervalSince1970: 1_795_737_600 - 32_401), in: .japanStandardTime)
                .description == "2026-11-26 23:59:59")
        #expect(TimeZone.japanStandardTime.secondsFromGMT(for: date) == 32_400)
    }

    @Test func fractionsOfASecondAreDroppedEvenBefore1970() {
        #expect(WallClockTime(Date(timeIntervalSince1970: 0.999), in: .gmt).description == "1970-01-01 00:00:00")
        #expect(WallClockTime(Date(timeIntervalSince1970: -0.5), in: .gmt).description == "1969-12-31 23:59:59")
    }

    @Test func readsBackTheInstantItWasMadeFrom() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            // From 1952 on: Tokyo kept summer time from 1948 to 1951, and the hour its clocks were
            // set back came twice (the one case `date(in:)` documents as not guaranteed).
            let date = Date(
                timeIntervalSince1970: Double(Int.random(in: -567_993_600...4_000_000_000, using: &random)))
            for zone in [TimeZone.japanStandardTime, TimeZone(identifier: "Asia/Tokyo")!, .gmt] {
                #expect(WallClockTime(date, in: zone).date(in: zone) == date)
            }
        }
    }

    @Test func timesThatDoNotExistNameNoInstant() {
        #expect(WallClockTime(year: 2026, month: 2, day: 29).date(in: .japanStandardTime) == nil)
        #expect(WallClockTime(year: 2028, month: 2, day: 29).date(in: .japanStandardTime) != nil)
        #expect(WallClockTime(year: 2100, month: 2, day: 29).isValid == false)
        #expect(WallClockTime(year: 2000, month: 2, day: 29).isValid)
        #expect(WallClockTime(year: 2026, month: 4, day: 31).isValid == false)
        #expect(WallClockTime(year: 2026, month: 13, day: 1).isValid == false)
        #expect(WallClockTime(year: 2026, month: 0, day: 1).isValid == false)
        #expect(WallClockTime(year: 2026, month: 1, day: 1, hour: 24).isValid == false)
        #expect(WallClockTime(year: 2026, month: 1, day: 1, minute: 60).isValid == false)
    }

    @Test func addingDaysCrossesMonthsYearsAndLeapDays() {
        #expect(
            WallClockTime(year: 2028, month: 2, day: 28, hour: 23).addingDays(1).description == "2028-02-29 23:00:00")
        #expect(WallClockTime(year: 2026, month: 2, day: 28).addingDays(1).description == "2026-03-01 00:00:00")
        #expect(WallClockTime(year: 2026, month: 12, day: 31).addingDays(1).description == "2027-01-01 00:00:00")
        #expect(WallClockTime(year: 2026, month: 1, day: 1).addingDays(-1).description == "2025-12-31 00:00:00")
        #expect(WallClockTime(year: 2026, month: 11, day: 27).addingDays(365).description == "2027-11-27 00:00:00")
    }

    @Test func iso8601IsWhatFoundationsFormatStyleGives() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let date = Date(timeIntervalSince1970: Double(Int.random(in: 0...4_000_000_000, using: &random)) + 0.75)
            #expect(WallClockTime.iso8601(date) == date.formatted(.iso8601))
        }
        #expect(WallClockTime.iso8601(Date(timeIntervalSince1970: 1_795_737_600)) == "2026-11-27T00:00:00Z")
    }
}
