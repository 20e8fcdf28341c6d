import Foundation
import Glibc
import Testing

/// What systemd sees when qfposd cannot start: a configuration or key problem exits 78
/// (EX_CONFIG), which the unit's `RestartPreventExitStatus=78` does not retry, and the message
/// names what to fix without the key.
@Suite struct StartFailureTests {
    private func exitStatus(configPath: String, directory: TemporaryDirectory) async throws -> (Int32?, String) {
        let process = try DaemonProcess(
            arguments: ["--config", configPath], environment: ["PATH": "/usr/bin:/bin"],
            logPath: directory.file("qfposd.log"))
        let status = await process.wait()
        return (status.map { ($0 >> 8) & 0xff }, process.log)
    }

    private func configuration(in directory: TemporaryDirectory, keyFile: String) -> String {
        """
        gateway:
          environment: test
          app_code: APP
          key_file: \(keyFile)
        shop:
          name: Shop
        journal:
          path: \(directory.file("journal.sqlite"))
        control:
          socket_path: \(directory.file("control.sock"))
        lanes:
          ids: [front]
          front:
            printer:
              path: 192.0.2.7:9100
        """
    }

    @Test func aMissingKeyExitsWithEXCONFIGNamingTheFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("qfposd.yaml", configuration(in: directory, keyFile: directory.file("no-such-key")))
        let (status, log) = try await exitStatus(configPath: directory.file("qfposd.yaml"), directory: directory)
        #expect(status == 78, "\(log)")
        #expect(log.contains("no-such-key"), "\(log)")
    }

    @Test func aKeyReadableByOthersExitsWithEXCONFIGAndNeverShowsTheKey() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("key", "secret-key-value", mode: 0o644)
        try directory.write("qfposd.yaml", configuration(in: directory, keyFile: directory.file("key")))
        let (status, log) = try await exitStatus(configPath: directory.file("qfposd.yaml"), directory: directory)
        #expect(status == 78, "\(log)")
        #expect(!log.contains("secret-key-value"))
    }

    @Test func aMissingConfigurationFileExitsWithEXCONFIG() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (status, log) = try await exitStatus(configPath: directory.file("absent.yaml"), directory: directory)
        #expect(status == 78, "\(log)")
        #expect(log.contains("absent.yaml"), "\(log)")
    }
}
