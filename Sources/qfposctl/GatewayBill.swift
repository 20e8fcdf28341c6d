import ArgumentParser
import Foundation
import QFPay

/// `qfposctl gateway bill`.
struct GatewayBill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bill", abstract: "Download the reconciliation file (trade_bill) of a day.")

    @OptionGroup var credentials: GatewayCredentialOptions

    @Option(help: "The day, YYYY-MM-DD.")
    var date: String

    @Option(help: "Where to write the zip (default trade_bill-DATE.zip).")
    var output: String?

    func run() async throws {
        let configuration = try credentials.loadConfiguration()
        let result = await QFPayClient(configuration: configuration).tradeBill(date: date)
        switch result {
        case .answered(let bill) where bill.isZip:
            let path = output ?? "trade_bill-\(date).zip"
            guard FileManager.default.createFile(atPath: path, contents: Data(bill.body)) else {
                throw ValidationError("cannot write \(path)")
            }
            if credentials.json {
                print(#"{"file": "\#(path)", "bytes": \#(bill.body.count)}"#)
            } else {
                print(
                    GatewayOutput.table([
                        ("file", path), ("bytes", String(bill.body.count)),
                        ("signed", bill.signatureVerified ? "yes" : "no"),
                    ]))
            }
        case .answered(let bill):
            if credentials.json {
                FileHandle.standardOutput.write(Data(bill.body))
            } else {
                print(
                    GatewayOutput.table([
                        ("respcd", GatewayOutput.meaning(bill.respcd ?? "")),
                        ("resperr", bill.resperr ?? ""),
                    ]))
            }
            throw GatewayExit.declined
        case .outcomeUnknown(let unknown):
            GatewayOutput.printError("outcome unknown: \(unknown)")
            throw GatewayExit.outcomeUnknown
        case .notSent(let error):
            throw GatewayOutput.notSent(error)
        }
    }
}
