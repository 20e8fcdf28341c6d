import CLinuxShims
import Glibc

/// Talks to systemd's service manager over `$NOTIFY_SOCKET`, as sd_notify(3) does, without
/// libsystemd: one datagram per message, `READY=1`, `STATUS=...`, `WATCHDOG=1`, `STOPPING=1`,
/// `RELOADING=1`. Without `NOTIFY_SOCKET` (not run by systemd) every call does nothing.
public struct SystemdNotifier: Sendable {
    /// The socket path (`@` for an abstract socket), or `nil` when not under systemd.
    public let socketPath: String?
    /// How often to send `WATCHDOG=1`: half of `$WATCHDOG_USEC`, when the watchdog is on for this process.
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    public init(environment: [String: String]) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        if let microseconds = environment["WATCHDOG_USEC"].flatMap(UInt64.init), microseconds > 0,
            environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true
        {
            watchdogInterval = .microseconds(microseconds / 2)
        } else {
            watchdogInterval = nil
        }
    }

    /// Sends the given `KEY=value` assignments in one datagram.
    /// - Throws: ``DaemonError`` (`notify_failed`) when the socket exists but the send fails.
    public func notify(_ assignments: [String]) throws(DaemonError) {
        guard let socketPath else { return }
        let message = assignments.joined(separator: "\n")
        let result = message.withCString { CLinuxShims_notify_datagram(socketPath, $0, UInt(strlen($0))) }
        guard result == 0 else {
            throw DaemonError(
                .notifyFailed, "cannot notify systemd at \(socketPath): \(String(cString: strerror(errno)))")
        }
    }

    /// `READY=1` with a status line and our pid.
    public func ready(status: String) throws(DaemonError) {
        try notify(["READY=1", "STATUS=\(Self.sanitized(status))", "MAINPID=\(getpid())"])
    }

    /// `STATUS=...`, shown by `systemctl status`.
    public func status(_ status: String) throws(DaemonError) {
        try notify(["STATUS=\(Self.sanitized(status))"])
    }

    /// `WATCHDOG=1`: we are alive.
    public func watchdog() throws(DaemonError) {
        try notify(["WATCHDOG=1"])
    }

    /// `STOPPING=1` at the start of shutdown.
    public func stopping(status: String) throws(DaemonError) {
        try notify(["STOPPING=1", "STATUS=\(Self.sanitized(status))"])
    }

    /// `RELOADING=1` with the monotonic time systemd ≥ 253 wants for `Type=notify-reload`.
    public func reloading() throws(DaemonError) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        try notify(["RELOADING=1", "MONOTONIC_USEC=\(microseconds)"])
    }

    private static func sanitized(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
