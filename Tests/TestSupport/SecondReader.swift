import Foundation

/// Another program opening a serial port as a second reader would (`O_RDWR | O_NOCTTY`), in a
/// child process without CAP_SYS_ADMIN (dropped by `setpriv`: the tests run as root, and root
/// opens an exclusive port anyway).
public enum SecondReader {
    /// What the open gave: nil when it succeeded, else the system's message ("Device or
    /// resource busy").
    /// - Parameter inTestbed: the child sees the process's umockdev testbed (`path` is an
    ///   emulated node); otherwise it runs without umockdev's preload library (`path` is a pty).
    public static func open(_ path: String, inTestbed: Bool = false) async throws -> String? {
        let script = """
            import os, sys
            try:
                os.close(os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK))
                print("opened")
            except OSError as error:
                print(error.strerror)
            """
        let result = try await runToEnd(
            URL(fileURLWithPath: "/usr/bin/setpriv"),
            ["--bounding-set=-sys_admin", "--inh-caps=-sys_admin", "--", "/usr/bin/python3", "-c", script, path],
            environment: inTestbed
                ? nil
                : ProcessInfo.processInfo.environment.filter { $0.key != "LD_PRELOAD" && $0.key != "UMOCKDEV_DIR" })
        let output = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0 else { throw TestSupportError("the second reader did not run: \(result.output)") }
        return output == "opened" ? nil : output
    }
}
