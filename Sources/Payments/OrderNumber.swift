import Foundation

/// Merchant order numbers (`out_trade_no`): the shop's local time to the millisecond and eight
/// random digits; letters and digits only, as QFPay asks, unique per merchant.
enum OrderNumber {
    static func make(at date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Tokyo") ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        let millis = (c.nanosecond ?? 0) / 1_000_000
        let stamp = String(
            format: "%04d%02d%02d%02d%02d%02d%03d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0,
            c.second ?? 0, millis)
        return stamp + String(format: "%08d", Int.random(in: 0..<100_000_000))
    }
}
