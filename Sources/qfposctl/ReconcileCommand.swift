import ArgumentParser
import Foundation
import Payments
import QFPay

/// `qfposctl reconcile --date YYYY-MM-DD --journal PATH`: downloads the day's trade_bill and
/// matches it against the journal (matched, only local, only gateway, amount mismatches).
///
/// Exit status: 0 when both sides agree, 1 when the report lists differences, 3 when no bill
/// could be had or the journal could not be read.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Match a day's QFPay trade_bill against the payment journal.")

    @Option(name: .long, help: "The day, YYYY-MM-DD in the shop's time zone.")
    var date: String

    @Option(name: .long, help: "The journal's SQLite file (qfposd's journal path).")
    var journal: String

    @Flag(name: .long, help: "Print CSV instead of a table.")
    var csv = false

    @OptionGroup var credentials: GatewayCredentialOptions

    func run() async throws {
        let configuration = try credentials.loadConfiguration()
        let report: ReconciliationReport
        do {
            let journal = try Journal(path: journal)
            let gateway = QFPayGateway(client: QFPayClient(configuration: configuration))
            report = try await Reconciler(journal: journal, gateway: gateway, timeZone: configuration.timeZone)
                .reconcile(date: date)
        } catch {
            FileHandle.standardError.write(Data("qfposctl reconcile: \(error)\n".utf8))
            throw ExitCode(3)
        }
        print(csv ? report.csv() : report.table(), terminator: "")
        if !report.isClean { throw ExitCode(1) }
    }
}
