import ArgumentParser
import Foundation
import QFPay

/// Prints gateway answers for people (aligned `name  value` lines) or exactly as they came (`--json`).
enum GatewayOutput {
    /// Prints the result and ends with the exit status the gateway commands promise.
    static func finish<R: GatewayResponse>(
        _ result: GatewayResult<R>, json: Bool, describe: (R) -> String
    ) throws {
        switch result {
        case .answered(let response):
            show(response, json: json, describe: describe)
            if !response.respcd.isSuccess { throw GatewayExit.declined }
        case .outcomeUnknown(let unknown):
            printError("outcome unknown (the request may have been processed; query it): \(unknown)")
            throw GatewayExit.outcomeUnknown
        case .notSent(let error):
            throw notSent(error)
        }
    }

    /// Prints why a request was not sent; returns the exit status to end with.
    static func notSent(_ error: QFPayError) -> ExitCode {
        printError("not sent: \(error.message)")
        return GatewayExit.notSent
    }

    /// Prints an answer: its raw body with `--json`, else its description.
    static func show<R: GatewayResponse>(_ response: R, json: Bool, describe: (R) -> String) {
        if json { writeRaw(response.body) } else { print(describe(response)) }
    }

    /// Writes a body exactly as it came, then a newline if it has none.
    static func writeRaw(_ body: [UInt8]) {
        FileHandle.standardOutput.write(Data(body))
        if body.last != UInt8(ascii: "\n") { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }

    /// `respcd`, its meaning and `resperr`.
    static func common(_ response: some GatewayResponse) -> [(String, String)] {
        var lines = [("respcd", meaning(response.respcd))]
        if !response.resperr.isEmpty { lines.append(("resperr", response.resperr)) }
        if !response.respmsg.isEmpty { lines.append(("respmsg", response.respmsg)) }
        return lines
    }

    /// A response code with its meaning in English and Japanese.
    static func meaning(_ code: ResponseCode) -> String {
        "\(code.rawValue)  \(code.englishMessage) / \(code.japaneseMessage)"
    }

    /// A pay type code with its wallet's name.
    static func payTypeText(_ code: String) -> String {
        guard let type = PayType(rawValue: code) else { return code }
        let kind = type.isBarcode ? "barcode" : "dynamic QR"
        return "\(code) (\(type.wallet?.displayName.english ?? "all-in-one") \(kind))"
    }

    /// Aligned `name  value` lines.
    static func table(_ lines: [(String, String)]) -> String {
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0 + String(repeating: " ", count: width - $0.0.count + 2) + $0.1 }.joined(separator: "\n")
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("qfposctl gateway: \(message)\n".utf8))
    }
}
