import Foundation
import WallClock

/// Makes unique merchant order numbers (`out_trade_no`) as the specification recommends: the
/// shop's local time plus randomness. Payments start with `P`, refunds with `R`, so that a refund
/// never reuses a payment's number. Example: `P20261127093512K7Q2ZX8M4B1D` (27 characters of
/// `[A-Za-z0-9]`, well within 128 bytes).
public struct OrderNumberGenerator: Sendable {
    /// Optional fixed text after the kind letter, such as a lane or till number (`[A-Za-z0-9]`).
    public var terminal: String
    /// The time zone of the time part.
    public var timeZone: TimeZone
    /// Random characters after the time, from 62 letters and digits (12 give 71 bits).
    public var randomLength: Int

    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    public init(
        terminal: String = "", timeZone: TimeZone = .japanStandardTime, randomLength: Int = 12
    ) {
        self.terminal = String(terminal.filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.prefix(16))
        self.timeZone = timeZone
        self.randomLength = max(8, min(randomLength, 64))
    }

    /// A new payment order number.
    public func paymentNumber(at date: Date = Date()) -> String { make("P", date) }

    /// A new refund order number.
    public func refundNumber(at date: Date = Date()) -> String { make("R", date) }

    private func make(_ kind: String, _ date: Date) -> String {
        let time = TransactionTime.format(date, in: timeZone).filter(\.isNumber)
        var generator = SystemRandomNumberGenerator()
        let random = String((0..<randomLength).map { _ in Self.alphabet.randomElement(using: &generator)! })
        return kind + terminal + time + random
    }
}
