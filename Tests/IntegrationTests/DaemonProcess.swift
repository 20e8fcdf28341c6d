import Foundation
import Glibc
import TestSupport

/// The built `qfposd` run as a child process, as systemd would run it: optionally with a
/// listening socket passed as descriptor 3 and `LISTEN_FDS`/`LISTEN_PID` set (the child's pid is
/// only known after fork, so a shell sets `LISTEN_PID=$$` and then `exec`s the daemon, keeping
/// its pid).
final class DaemonProcess: @unchecked Sendable {
    let pid: pid_t
    let logPath: String

    /// The `qfposd` executable built next to the test binary.
    static var executablePath: String {
        let test =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: test).deletingLastPathComponent()
        // The test binary may sit inside a bundle directory (…/qfposPackageTests.xctest).
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("qfposd").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("qfposd").path
    }

    init(
        arguments: [String], environment: [String: String], inheritedSocket: Int32? = nil, logPath: String
    ) throws {
        self.logPath = logPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var argv: [String]
        var environment = environment
        if let inheritedSocket {
            posix_spawn_file_actions_adddup2(&actions, inheritedSocket, 3)
            environment["LISTEN_FDS"] = "1"
            environment["LISTEN_FDNAMES"] = "control"
            argv = ["/bin/sh", "-c", "LISTEN_PID=$$ exec \"$0\" \"$@\"", Self.executablePath] + arguments
        } else {
            argv = [Self.executablePath] + arguments
        }
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with no signal blocked and default dispositions, as under systemd,
        // whatever this thread blocks.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signalNumber in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signalNumber) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let status = posix_spawn(&child, argv[0], &actions, &attributes, cArguments, cEnvironment)
        guard status == 0 else { throw TestSupportError("posix_spawn failed: \(status)") }
        pid = child
    }

    /// Sends `signal` to the child.
    func signal(_ number: Int32) { kill(pid, number) }

    /// Waits for the child to exit (10 s liveness bound, then it is killed); returns its status.
    func wait() async -> Int32? {
        for _ in 0..<1000 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return status }
            try? await Task.sleep(for: .milliseconds(10))
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return nil
    }

    /// What the child wrote to stderr.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// A Unix datagram socket standing in for systemd's `NOTIFY_SOCKET`.
final class NotifyListener: @unchecked Sendable {
    let path: String
    private let descriptor: Int32

    init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw TestSupportError("bind of notify socket failed: errno \(errno)") }
    }

    deinit { close(descriptor) }

    /// Receives messages until one contains `assignment` (10 s liveness bound); returns all seen.
    func waitFor(_ assignment: String) -> [String] {
        var seen: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 10_000) > 0 else { return seen }
            let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return seen }
            let message = String(decoding: buffer[0..<n], as: UTF8.self)
            seen.append(message)
            if message.split(separator: "\n").contains(Substring(assignment)) { return seen }
        }
    }
}
