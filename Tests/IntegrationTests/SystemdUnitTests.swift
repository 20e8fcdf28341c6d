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
        // --man=no: the units' man: pages are installed by the package (make deb-test verifies them there).
        let result = try await run([
            "verify", "--man=no", directory.file("qfposd.service"), directory.file("qfposd.socket"),
        ])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.isEmpty, "\(result.output)")
    }

    @Test func theSocketIsNotWorldAccessibleAndTheServiceIsHardened() async throws {
        let socket = try String(
            contentsOf: Self.unitsDirectory.appendingPathComponent("qfposd.socket"), encoding: .utf8)
        #expect(socket.contains("SocketMode=0660"))
        let directory = try installedCopy()
        defer { directory.remove() }
        let result = try await run(["security", "--offline=yes", "--no-pager", directory.file("qfposd.service")])
        let line = result.output.split(separator: "\n").first { $0.contains("Overall exposure level") } ?? ""
        let figure = line.split(separator: " ").compactMap { Double($0) }.first
        // 1.5 before the groups were split (issue 13): it must not get worse.
        #expect(figure.map { $0 <= 1.5 } == true, "exposure: \(line)")
    }

    @Test func theTillReachesTheSocketThroughAGroupOfItsOwnAndTheDaemonNoOtherGroup() async throws {
        let service = try Self.settings(of: "qfposd.service")
        let socket = try Self.settings(of: "qfposd.socket")
        #expect(service["User"] == ["qfpos"])
        #expect(service["Group"] == ["qfpos"])
        // The rules give the nodes to group qfpos: dialout, input and lp would give every one.
        #expect(service["SupplementaryGroups"] == nil)
        #expect(socket["SocketGroup"] == ["qfpos-till"])
        #expect(socket["SocketUser"] == ["qfpos"])
        // Both units agree on the directory the till's user must reach.
        #expect(socket["DirectoryMode"] == ["0755"])
        #expect(service["RuntimeDirectoryMode"] == ["0755"])
        #expect(
            service["DeviceAllow"]
                == [
                    "char-ttyACM rw", "char-ttyUSB rw", "char-ttyS rw", "char-input r", "char-hidraw r", "char-usb rw",
                ])
        let directory = try installedCopy()
        defer { directory.remove() }
        let result = try await run([
            "security", "--offline=yes", "--no-pager", "--json=short", directory.file("qfposd.service"),
        ])
        let items = try #require(
            try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]], "\(result.output)")
        let groups = try #require(items.first { $0["name"] as? String == "SupplementaryGroups=" })
        #expect(groups["set"] as? Bool == true)
    }

    @Test func configurationErrorsStopRestartsAndTheKeyNeverReachesACoreDump() throws {
        let service = try Self.settings(of: "qfposd.service")
        // qfposd exits 78 (EX_CONFIG) for a configuration or key problem (StartFailureTests).
        #expect(service["RestartPreventExitStatus"] == ["78"])
        #expect(service["Restart"] == ["on-failure"])
        #expect(service["LimitCORE"] == ["0"])
        #expect(service["MemoryMax"]?.count == 1)
        #expect(service["LimitNOFILE"]?.count == 1)
        // systemd-udev-settle is deprecated: qfposd follows devices as udev reports them.
        #expect(!(service["After"] ?? []).joined().contains("udev-settle"))
        #expect(!(service["Wants"] ?? []).joined().contains("udev-settle"))
    }

    /// A unit file's `Key=value` lines, by key, in order.
    static func settings(of name: String) throws -> [String: [String]] {
        let text = try String(contentsOf: unitsDirectory.appendingPathComponent(name), encoding: .utf8)
        var settings: [String: [String]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("[") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            settings[String(line[..<equals]), default: []].append(String(line[line.index(after: equals)...]))
        }
        return settings
    }
}
