import CLinuxShims
import Glibc

/// Sockets passed by systemd (`qfposd.socket`), as sd_listen_fds(3) finds them: `LISTEN_PID`
/// must be this process, `LISTEN_FDS` is how many descriptors start at 3, `LISTEN_FDNAMES`
/// names them. The daemon uses the first that is a listening Unix stream socket and falls back
/// to creating its own socket when there is none.
public struct SocketActivation: Sendable {
    /// The first descriptor systemd passes.
    public static let firstDescriptor: Int32 = 3

    /// The passed descriptors with their names (`control` by default in our unit).
    public let descriptors: [(descriptor: Int32, name: String)]

    /// Reads the environment. Descriptors passed to another process (a `LISTEN_PID` that is not
    /// ours) are ignored, as sd_listen_fds does.
    /// - Throws: ``DaemonError`` when the variables are present but malformed.
    public init(environment: [String: String], processID: Int32 = getpid()) throws(DaemonError) {
        guard let pidText = environment["LISTEN_PID"], let countText = environment["LISTEN_FDS"] else {
            descriptors = []
            return
        }
        guard let pid = Int32(pidText), let count = Int32(countText), count >= 0, count < 1024 else {
            throw DaemonError(.socketActivationInvalid, "LISTEN_PID or LISTEN_FDS is not a number")
        }
        guard pid == processID else {
            descriptors = []
            return
        }
        let names =
            environment["LISTEN_FDNAMES"].map { $0.split(separator: ":", omittingEmptySubsequences: false) } ?? []
        descriptors = (0..<count).map { index in
            let name = Int(index) < names.count ? String(names[Int(index)]) : "unknown"
            return (Self.firstDescriptor + index, name)
        }
    }

    /// The descriptor to serve the control protocol on: the one named `control`, else the first
    /// listening Unix stream socket; `nil` when none was passed.
    /// - Throws: ``DaemonError`` when descriptors were passed but none is a listening Unix stream socket.
    public func controlSocket() throws(DaemonError) -> Int32? {
        guard !descriptors.isEmpty else { return nil }
        let ordered = descriptors.filter { $0.name == "control" } + descriptors.filter { $0.name != "control" }
        for (descriptor, _) in ordered where CLinuxShims_is_listening_unix_stream(descriptor) == 1 {
            // Keep it from leaking into anything we spawn.
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            return descriptor
        }
        throw DaemonError(
            .socketActivationInvalid,
            "systemd passed \(descriptors.count) descriptor(s) but none is a listening Unix stream socket")
    }

    /// The environment variables to remove once the sockets are taken, so children do not see them.
    public static let variables = ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]
}
