import ArgumentParser
import BuildVersion

/// `qfposctl`: the technicians' and till developers' tool. Subcommands are added per component.
@main
struct QFPOSCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qfposctl",
        abstract: "Control and diagnose qfposd, the QFPay point-of-sale daemon.",
        version: BuildVersion.version,
        subcommands: [
            SaleCommand.self, GetCommand.self, CancelCommand.self, RefundCommand.self, ListCommand.self,
            StatusCommand.self, DevicesCommand.self, EventsCommand.self, ReceiptReprintCommand.self,
            ReconcileCommand.self, SimulateScanCommand.self, DoctorCommand.self,
            GatewayCommand.self,
            ReceiptCommand.self,
        ]
    )
}
