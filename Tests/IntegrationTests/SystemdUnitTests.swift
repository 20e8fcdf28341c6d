import Foundation
import TestSupport
import Testing

/// Runs systemd's own checker on the shipped units (`systemd-analyze verify`), with ExecStart
/// pointed at the qfposd just built (verify requires the binary to exist), as `make install`
/// points it at the install prefix.
@Suite struct SystemdUnitTests {
    private static let unitsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("systemd")

    private func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await runToEnd(URL(fileURLWithPath: "/usr/bin/systemd-analyze"), arguments)
    }

    private func installedCopy() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        for name in ["qfposd.service", "qfposd.socket"] {
            let text = try String(contentsOf: Self.unitsDirectory.appendingPathComponent(name), encoding: .utf8)
            try directory.write(
                name, text.replacingOccurrences(of: "/usr/local/bin/qfposd", with: DaemonProcess.executablePath),
                mode: 0o644)
        }
        return directory
    }

    @Test func theUnitsPassSystemdAnalyzeVerify() async throws {
        let directory = try installedCopy()
        defer { directory.remove() }
        let result = try await run(["verify", directory.file("qfposd.service"), directory.file("qfposd.socket")])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.isEmpty, "\(result.output)")
    }

    @Test func theSocketIsNotWorldAccessibleAndTheServiceIsHardened() async throws {
        let socket = try String(
            contentsOf: Self.unitsDirectory.appendingPathComponent("qfposd.socket"), encoding: .utf8)
        #expect(socket.contains("SocketMode=0660"))
        #expect(socket.contains("DirectoryMode=0750"))
        let directory = try installedCopy()
        defer { directory.remove() }
        let result = try await run(["security", "--offline=yes", "--no-pager", directory.file("qfposd.service")])
        let line = result.output.split(separator: "\n").first { $0.contains("Overall exposure level") } ?? ""
        let figure = line.split(separator: " ").compactMap { Double($0) }.first
        #expect(figure.map { $0 <= 2.5 } == true, "exposure: \(line)")
    }
}
