import ArgumentParser
import ControlProtocol
import Foundation
import QFPOSDaemon

/// `--socket PATH` (default `$QFPOS_SOCKET` or the daemon's default) and `--json`, shared by
/// every subcommand that talks to the running daemon.
struct SocketOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's control socket (default: $QFPOS_SOCKET or /run/qfpos/control.sock).")
    var socket: String?

    @Flag(name: .long, help: "Print the daemon's JSON answers as they are, one per line.")
    var json = false

    var socketPath: String {
        socket ?? ProcessInfo.processInfo.environment["QFPOS_SOCKET"] ?? DaemonConfiguration.defaultSocketPath
    }

    /// Connects, explaining the usual reasons of failure.
    func connect() async throws -> ControlClient {
        do {
            return try await ControlClient.connect(socketPath: socketPath)
        } catch {
            throw CtlFailure(
                "cannot reach qfposd at \(socketPath): is it running (systemctl status qfposd), "
                    + "and is your user in the qfpos group?")
        }
    }

    /// Connects, makes one call and closes the connection; returns the answer.
    func call(_ method: String, _ params: JSONValue? = nil) async throws -> JSONValue {
        let client = try await connect()
        do {
            let result = try await client.call(method, params)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }

    /// Prints an answer that is a sale: as one JSON line with `--json`, else as its status line.
    func printSale(_ result: JSONValue) throws {
        json ? printJSON(result) : print(SaleText.line(try result.decode(SaleInfo.self)))
    }

    /// Prints `value` as one JSON line.
    func printJSON(_ value: JSONValue) {
        print(String(decoding: value.encodedLine().dropLast(), as: UTF8.self))
    }
}

/// A failure `qfposctl` explains and exits 1 for.
struct CtlFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`, turning the daemon's errors into a one-line explanation and exit code 1.
func explainingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as RPCError {
        FileHandle.standardError.write(
            Data("qfposctl: \(error.message) [\(error.reason?.rawValue ?? "\(error.code)")]\n".utf8))
        throw ExitCode.failure
    } catch let error as CtlFailure {
        FileHandle.standardError.write(Data("qfposctl: \(error.description)\n".utf8))
        throw ExitCode.failure
    } catch let error as ControlProtocolError {
        FileHandle.standardError.write(Data("qfposctl: \(error.description)\n".utf8))
        throw ExitCode.failure
    }
}

/// How a sale reads on one line for the cashier or technician.
enum SaleText {
    static func line(_ sale: SaleInfo, elapsed: Int? = nil) -> String {
        let amount = "¥\(sale.amount)"
        var words: [String]
        switch sale.state {
        case .awaitingScan: words = ["waiting for scan"]
        case .submitting: words = ["sending"]
        case .pending: words = ["pending" + (elapsed.map { " \($0) s" } ?? "")]
        case .partiallyRefunded: words = ["partially refunded (¥\(sale.refundedAmount))"]
        case .needsAttention: words = ["NEEDS ATTENTION"]
        case .paid, .failed, .cancelling, .cancelled, .refunding, .refunded, .expired: words = [sale.state.rawValue]
        }
        if let wallet = sale.wallet { words.append(wallet.rawValue) }
        if let code = sale.authCodeMasked { words.append(code) }
        if let respcd = sale.respcd, respcd != "0000" {
            words.append("[\(respcd)\(sale.respcdMeaning.map { " \($0)" } ?? "")]")
        }
        return "\(sale.saleID) \(amount) \(words.joined(separator: " "))"
    }
}
