import ControlProtocol
import Devices
import Foundation

/// `qfposd --list-devices [--json]`: enumerates candidate scanners and printers once, without
/// the daemon running, and prints each with its role and why it was given, its lane or why it
/// has none, and, when a qfposd answers on the configured control socket, how that daemon holds
/// it (open, exclusive, grabbed, or why it could not open it).
public enum DeviceListing {
    /// Prints the listing; returns the process exit code.
    public static func run(configPath: String, environment: [String: String], json: Bool) async -> Int32 {
        do {
            print(try await report(configPath: configPath, environment: environment, json: json), terminator: "")
            return 0
        } catch {
            print("cannot enumerate devices: \(error)")
            return 69  // EX_UNAVAILABLE
        }
    }

    /// The listing's text (or JSON).
    public static func report(configPath: String, environment: [String: String], json: Bool) async throws -> String {
        var devicesConfiguration = DevicesConfiguration()
        var socketPath = DaemonConfiguration.defaultSocketPath
        var note: String?
        do {
            let (configuration, _) = try await ConfigurationLoader.load(
                path: configPath, environment: environment, allowMissingFile: true)
            devicesConfiguration = LaneDevices.devicesConfiguration(for: configuration)
            socketPath = configuration.control.socketPath
        } catch {
            note = "note: \(error); listing with the built-in rules only"
        }
        let daemon = await daemonReaders(socketPath: socketPath)
        let header = [note, daemon.note].compactMap { $0 }.joined(separator: "\n")
        return try await DeviceReport.listDevices(
            configuration: devicesConfiguration, readers: daemon.readers, daemonNote: header.isEmpty ? nil : header,
            format: json ? .json : .text)
    }

    /// What the running daemon said about its readers.
    struct DaemonReaders {
        /// By device id; nil when no daemon answered.
        var readers: [String: ReaderStatus]?
        /// Which daemon answered, or why none did.
        var note: String
    }

    /// How the qfposd listening on `socketPath` holds each device (`devices.list`), and a line
    /// saying which daemon answered or why none did.
    static func daemonReaders(socketPath: String) async -> DaemonReaders {
        let client: ControlClient
        do {
            client = try await ControlClient.connect(socketPath: socketPath)
        } catch {
            let why = access(socketPath, F_OK) == 0 ? "cannot connect (\(error))" : "not running"
            return DaemonReaders(readers: nil, note: "qfposd at \(socketPath): \(why); reader states unknown")
        }
        let answer: DaemonReaders
        do {
            let status = try await client.call(MethodName.daemonStatus)
            let list = try await client.call(MethodName.devicesList)
            let pid = status["pid"]?.integerValue.map(String.init) ?? "?"
            answer = DaemonReaders(
                readers: LaneDevices.readerStatus(inDeviceList: list["devices"] ?? .array([])),
                note: "qfposd at \(socketPath) (pid \(pid)): reader states are that daemon's")
        } catch {
            answer = DaemonReaders(
                readers: nil,
                note: "qfposd at \(socketPath) did not answer devices.list (\(error)); reader states unknown")
        }
        await client.close()
        return answer
    }
}
