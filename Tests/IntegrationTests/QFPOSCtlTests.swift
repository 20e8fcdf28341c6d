import ControlProtocol
import Foundation
import QFPaySandbox
import TestSupport
import Testing

/// The built `qfposctl` against a running daemon, as a technician runs it.
@Suite struct QFPOSCtlTests {
    private func qfposctl(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let executable = URL(fileURLWithPath: DaemonProcess.executablePath)
            .deletingLastPathComponent().appendingPathComponent("qfposctl")
        return try await runToEnd(executable, arguments)
    }

    @Test func saleWaitFollowsTheSaleToPaidAndStatusAndListShowIt() async throws {
        try await withSandbox { sandbox in
            let harness = try await DaemonHarness(sandbox: sandbox)
            let code = SandboxScenario.pendingThenPaid(queries: 2).authCode(serial: 5150)
            let sale = try await qfposctl([
                "sale", "1200", "--wait", "--auth-code", code, "--order-id", "CTL-1", "--socket", harness.socketPath,
            ])
            #expect(sale.status == 0, "\(sale.output)")
            #expect(sale.output.contains("CTL-1 ¥1200 paid"), "\(sale.output)")
            #expect(sale.output.contains("pending"), "the live status line showed the pending step: \(sale.output)")
            #expect(!sale.output.contains(code), "the code is masked")
            let status = try await qfposctl(["status", "--json", "--socket", harness.socketPath])
            #expect(status.status == 0)
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(status.output.utf8))
            #expect(value["state"] == "running")
            let list = try await qfposctl(["list", "--socket", harness.socketPath])
            #expect(list.output.contains("CTL-1 ¥1200 paid"), "\(list.output)")
            let refund = try await qfposctl(["refund", "CTL-1", "5000", "--socket", harness.socketPath])
            #expect(refund.status == 1)
            #expect(refund.output.contains("refund_exceeds_paid"), "\(refund.output)")
            try await harness.stop()
        }
    }

    @Test func withoutADaemonItSaysWhatToCheck() async throws {
        let result = try await qfposctl(["status", "--socket", "/nonexistent/control.sock"])
        #expect(result.status == 1)
        #expect(result.output.contains("is it running"), "\(result.output)")
    }
}
