/// `qfposd --list-devices [--json]`: enumerates candidate scanners and printers once, without
/// the daemon running, and prints each with its role and why it was given.
public enum DeviceListing {
    /// Prints the listing; returns the process exit code.
    public static func run(configPath: String, environment: [String: String], json: Bool) async -> Int32 {
        print("device listing is not available in this build")
        return 69  // EX_UNAVAILABLE
    }
}
