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

    @Test func versionsComeFromTheBuildAndStatusNamesTheLoadedLibraries() async throws {
        let version = try await qfposctl(["--version"])
        let daemonVersion = try await runToEnd(URL(fileURLWithPath: DaemonProcess.executablePath), ["--version"])
        #expect(version.status == 0)
        // git describe of this checkout, in Debian's version syntax (scripts/version.sh).
        #expect(version.output.wholeMatch(of: /(\d[0-9A-Za-z.+~]*|unknown)\n/) != nil, "\(version.output)")
        #expect(daemonVersion.output == version.output)
        try await withSandbox { sandbox in
            let harness = try await DaemonHarness(sandbox: sandbox)
            let status = try await qfposctl(["status", "--json", "--socket", harness.socketPath])
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(status.output.utf8))
            let libraries = try #require(value["libraries"])
            #expect(libraries["openssl"]?.stringValue?.hasPrefix("OpenSSL 3.") == true, "\(libraries)")
            #expect(libraries["sqlite"]?.stringValue?.wholeMatch(of: /3\.\d+\.\d+/) != nil, "\(libraries)")
            #expect(libraries["libudev"]?.stringValue?.wholeMatch(of: /1\.\d+\.\d+/) != nil, "\(libraries)")
            #expect(libraries["libqrencode"]?.stringValue?.wholeMatch(of: /4\.\d+\.\d+/) != nil, "\(libraries)")
            let doctor = try await qfposctl(["doctor", "--socket", harness.socketPath, "--config", "/nonexistent.yaml"])
            #expect(doctor.output.contains("qfposd's libraries: openssl OpenSSL 3."), "\(doctor.output)")
            try await harness.stop()
        }
    }

    @Test func withoutADaemonItSaysWhatToCheck() async throws {
        let result = try await qfposctl(["status", "--socket", "/nonexistent/control.sock"])
        #expect(result.status == 1)
        #expect(result.output.contains("is it running"), "\(result.output)")
    }
}
