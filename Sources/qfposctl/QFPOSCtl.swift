import ArgumentParser

/// `qfposctl`: the technicians' and till developers' tool. Subcommands are added per component.
@main
struct QFPOSCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qfposctl",
        abstract: "Control and diagnose qfposd, the QFPay point-of-sale daemon.",
        subcommands: [GatewayCommand.self, ReceiptCommand.self, ReconcileCommand.self]
    )
}
