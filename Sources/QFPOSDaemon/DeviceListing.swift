import Devices

/// `qfposd --list-devices [--json]`: enumerates candidate scanners and printers once, without
/// the daemon running, and prints each with its role and why it was given.
public enum DeviceListing {
    /// Prints the listing; returns the process exit code.
    public static func run(configPath: String, environment: [String: String], json: Bool) async -> Int32 {
        var devicesConfiguration = DevicesConfiguration()
        do {
            let (configuration, _) = try await ConfigurationLoader.load(
                path: configPath, environment: environment, allowMissingFile: true)
            devicesConfiguration = LaneDevices.devicesConfiguration(for: configuration)
        } catch {
            print("note: \(error); listing with the built-in rules only")
        }
        do {
            print(try await DeviceReport.listDevices(configuration: devicesConfiguration, format: json ? .json : .text))
            return 0
        } catch {
            print("cannot enumerate devices: \(error)")
            return 69  // EX_UNAVAILABLE
        }
    }
}
