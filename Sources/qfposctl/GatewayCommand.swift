import ArgumentParser
import Foundation
import QFPay

/// `qfposctl gateway`: calls the QFPay API directly with the configured credentials, like the
/// specification's sample script, for technicians checking a merchant setup.
///
/// Exit status: 0 when the gateway answered `respcd` 0000 (for `bill`: a zip came), 1 when it
/// answered another code, 2 when the outcome is unknown (timeout, dropped connection, bad
/// signature), 3 when nothing was sent (invalid input, connection refused).
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Call the QFPay API directly: pay, query, refund, close, bill.",
        subcommands: [GatewayPay.self, GatewayQuery.self, GatewayRefund.self, GatewayClose.self, GatewayBill.self]
    )
}

extension PayType {
    /// The pay type a `--pay-type` option names (nil when the option is not given); an unknown
    /// code is a usage error.
    static func option(_ code: String?) throws -> PayType? {
        guard let code else { return nil }
        guard let type = PayType(rawValue: code) else { throw ValidationError("unknown --pay-type \(code)") }
        return type
    }
}

/// The exit statuses of the gateway commands.
enum GatewayExit {
    static let declined = ExitCode(1)
    static let outcomeUnknown = ExitCode(2)
    static let notSent = ExitCode(3)
}
