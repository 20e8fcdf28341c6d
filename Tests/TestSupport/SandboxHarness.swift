import Foundation
import Logging
import QFPay
import QFPaySandbox

/// Credentials every test sandbox accepts. The key is the specification's own example key, so its
/// response-signature example verifies with it.
public enum SandboxTestCredentials {
    public static let appCode = "6D5A2E9F0B1C4D3E8F7A6B5C4D3E2F1A"
    public static let key = "615ED178BA524459976CE40FAB78000F"
    public static let mchid = "BvDtmKJA5mx7GpN0"
}

extension SandboxConfiguration {
    /// A configuration with the test credentials, port 0 and the given time scale.
    public static func testing(timeScale: Double = 1) -> SandboxConfiguration {
        var configuration = SandboxConfiguration(
            appCode: SandboxTestCredentials.appCode, key: SandboxTestCredentials.key,
            mchid: SandboxTestCredentials.mchid)
        configuration.timeScale = timeScale
        return configuration
    }
}

/// Instants in Japan for tests that pin the sandbox clock.
public enum SandboxTestTime {
    /// Asia/Tokyo, the sandbox's default shop time zone.
    public static let japan = TimeZone(identifier: "Asia/Tokyo")!

    /// The instant of a wall-clock time in Japan.
    public static func japan(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = japan
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        return calendar.date(from: components)!
    }

    /// Today's date in Japan (by the real clock) at `hour:minute:second` JST.
    public static func todayInJapan(hour: Int = 12, minute: Int = 0, second: Int = 0, now: Date = Date()) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = japan
        let day = calendar.dateComponents([.year, .month, .day], from: now)
        return japan(year: day.year!, month: day.month!, day: day.day!, hour: hour, minute: minute, second: second)
    }

    /// `YYYY-MM-DD HH:MM:SS` of `date` in Japan: a `txdtm`, `start_time` or `end_time`.
    public static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = japan
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}

extension SandboxClock {
    /// The clock `withSandbox` uses unless given one: today's date in Japan at 12:00 JST, running
    /// `scale` times real time from there. Ordinary tests thus never meet the 23:30–00:30 refund
    /// pause or a day or month boundary, whatever the hour they run at; tests of those rules pass
    /// a clock of their own (`SandboxClock.testing(at:)`).
    public static func testing(scale: Double = 1) -> SandboxClock {
        SandboxClock(scale: scale, start: SandboxTestTime.todayInJapan(hour: 12))
    }

    /// A clock starting at `start` (see `SandboxTestTime.japan(year:month:day:hour:minute:second:)`).
    public static func testing(scale: Double = 1, at start: Date) -> SandboxClock {
        SandboxClock(scale: scale, start: start)
    }
}

/// Runs `body` with an in-process sandbox listening on 127.0.0.1 (a free port) with the test
/// credentials, and stops it afterwards, also when `body` throws. The sandbox is strict
/// (`SandboxRules.strict`) unless `configure` relaxes it; its clock is `clock`, or
/// `SandboxClock.testing(scale:)` (12:00 JST today, at the configuration's time scale).
public func withSandbox<Result>(
    configure: (inout SandboxConfiguration) -> Void = { _ in },
    clock: SandboxClock? = nil,
    _ body: (SandboxServer) async throws -> Result
) async throws -> Result {
    var configuration = SandboxConfiguration.testing()
    configure(&configuration)
    let logger = Logger(label: "test.sandbox", factory: { _ in SwiftLogNoOpLogHandler() })
    let server = try await SandboxServer.start(
        configuration, clock: clock ?? .testing(scale: configuration.timeScale), logger: logger)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A merchant order number no other test uses: letters, time and randomness.
public func uniqueOutTradeNo(_ prefix: String = "T") -> String {
    let millis = Int(Date().timeIntervalSince1970 * 1000)
    return "\(prefix)\(millis)\(UInt32.random(in: 0...UInt32.max))"
}
