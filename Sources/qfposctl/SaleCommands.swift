import ArgumentParser
import ControlProtocol
import Foundation
import Glibc

/// `qfposctl sale 1200 [--qr] [--wait]`: starts a sale, optionally following it to the end
/// with a live status line (waiting for scan, pending 12 s, paid).
struct SaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sale", abstract: "Start a sale (and with --wait, follow it to the end).")

    @OptionGroup var options: SocketOptions

    @Argument(help: "Amount in yen (the currency's minimal unit).")
    var amount: Int64

    @Flag(name: .long, help: "Dynamic QR: the customer scans a code printed (and shown by the till).")
    var qr = false

    @Option(name: .long, help: "The wallet (required with --qr).")
    var wallet: SaleInfo.Wallet?

    @Option(name: .long, help: "The lane (default: the first configured).")
    var lane: String?

    @Option(name: .long, help: "The till's order id (a retry with the same id returns the same sale).")
    var orderID: String?

    @Option(name: .long, help: "What is sold, for the gateway (goods_name).")
    var goods: String?

    @Option(name: .long, help: "The customer's code when the till read it itself (instead of the lane's scanner).")
    var authCode: String?

    @Flag(name: .long, help: "Follow the sale with a live status line until it ends.")
    var wait = false

    func run() async throws {
        try await explainingErrors {
            let client = try await options.connect()
            if wait { _ = try await client.call(MethodName.eventsSubscribe, ["events": ["sale.updated"]]) }
            let mode: SaleInfo.Mode = qr ? .qr : .scan
            var params: [String: JSONValue] = ["amount": .integer(amount), "mode": .string(mode.rawValue)]
            if let wallet { params["wallet"] = .string(wallet.rawValue) }
            if let lane { params["lane"] = .string(lane) }
            if let orderID { params["order_id"] = .string(orderID) }
            if let goods { params["goods_name"] = .string(goods) }
            if let authCode { params["auth_code"] = .string(authCode) }
            let result = try await client.call(MethodName.saleStart, .object(params))
            let sale = try result.decode(SaleInfo.self)
            if options.json { options.printJSON(result) }
            if let qrcode = sale.qrcode, !options.json { print("QR code for the customer: \(qrcode)") }
            guard wait else {
                if !options.json { print(SaleText.line(sale)) }
                await client.close()
                return
            }
            let final = try await follow(sale, client: client)
            await client.close()
            if !final.isFinal || final.state.isUnsuccessful {
                throw ExitCode(2)
            }
        }
    }

    /// Redraws the status line on every update and every second, until the sale is final.
    private func follow(_ first: SaleInfo, client: ControlClient) async throws -> SaleInfo {
        let isTerminal = isatty(STDOUT_FILENO) == 1 && !options.json
        var current = first
        let started = ContinuousClock.now
        var lastLine = ""
        var shownQRCode = first.qrcode
        func show(_ sale: SaleInfo) {
            let elapsed = Int(started.duration(to: .now).components.seconds)
            if options.json { return }
            if let qrcode = sale.qrcode, shownQRCode == nil {
                shownQRCode = qrcode
                print((isTerminal ? "\r\u{1B}[K" : "") + "QR code for the customer: \(qrcode)")
            }
            let line = SaleText.line(sale, elapsed: elapsed)
            guard line != lastLine else { return }
            lastLine = line
            if isTerminal {
                print("\r\u{1B}[K" + line, terminator: "")
                fflush(nil)
            } else {
                print(line)
            }
        }
        show(current)
        let (ticks, tick) = AsyncStream<SaleInfo?>.makeStream()
        let events = client.events
        let saleID = first.saleID
        let forwarder = Task {
            for await event in events where event.method == EventName.saleUpdated {
                if let sale = try? event.params.decode(SaleInfo.self), sale.saleID == saleID { tick.yield(sale) }
            }
            tick.finish()
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                tick.yield(nil)
            }
        }
        defer {
            forwarder.cancel()
            ticker.cancel()
        }
        if current.isFinal {
            if isTerminal { print("") }
            return current
        }
        for await update in ticks {
            if let update {
                current = update
                if options.json { options.printJSON(try JSONValue(encoding: update)) }
            }
            if isTerminal || update != nil { show(current) }
            if current.isFinal { break }
        }
        if isTerminal { print("") }
        return current
    }
}

/// `qfposctl get SALE`: one sale.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show one sale.")
    @OptionGroup var options: SocketOptions
    @Argument(help: "The sale id.") var saleID: String

    func run() async throws {
        try await explainingErrors {
            try options.printSale(try await options.call(MethodName.saleGet, ["sale_id": .string(saleID)]))
        }
    }
}

/// `qfposctl cancel SALE`: cancels a sale not paid yet.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a sale not paid yet.")
    @OptionGroup var options: SocketOptions
    @Argument(help: "The sale id.") var saleID: String

    func run() async throws {
        try await explainingErrors {
            try options.printSale(try await options.call(MethodName.saleCancel, ["sale_id": .string(saleID)]))
        }
    }
}

/// `qfposctl refund SALE AMOUNT`: refunds part or all of a paid sale.
struct RefundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refund", abstract: "Refund part or all of a paid sale.")
    @OptionGroup var options: SocketOptions
    @Argument(help: "The sale id.") var saleID: String
    @Argument(help: "Amount to refund, in yen.") var amount: Int64

    func run() async throws {
        try await explainingErrors {
            let result = try await options.call(
                MethodName.saleRefund, ["sale_id": .string(saleID), "amount": .integer(amount)])
            try options.printSale(result)
        }
    }
}

/// `qfposctl list`: recent sales, newest first.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List recent sales.")
    @OptionGroup var options: SocketOptions
    @Option(name: .long, help: "How many sales (default 20).") var limit: Int64 = 20

    func run() async throws {
        try await explainingErrors {
            let result = try await options.call(MethodName.saleList, ["limit": .integer(limit)])
            if options.json {
                options.printJSON(result)
            } else {
                for value in result["sales"]?.arrayValue ?? [] {
                    print(SaleText.line(try value.decode(SaleInfo.self)))
                }
            }
        }
    }
}

/// `qfposctl reprint SALE` (also `qfposctl receipt reprint`): prints a sale's receipt again.
struct ReceiptReprintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reprint", abstract: "Print a sale's last receipt again on its lane's printer.")
    @OptionGroup var options: SocketOptions
    @Argument(help: "The sale id.") var saleID: String

    func run() async throws {
        try await explainingErrors {
            let result = try await options.call(MethodName.receiptReprint, ["sale_id": .string(saleID)])
            options.json ? options.printJSON(result) : print("reprinted the receipt of \(saleID)")
        }
    }
}

/// `--wallet wechat|alipay`: the protocol's own wallets, so that the choices and the help cannot drift.
extension SaleInfo.Wallet: ExpressibleByArgument {}
