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

    /// - Parameter wrapper: a command that runs the daemon (`nsenter … --`), exec'ing it in place.
    init(
        arguments: [String], environment: [String: String], inheritedSocket: Int32? = nil, logPath: String,
        wrapper: [String] = []
    ) throws {
        self.logPath = logPath
        var argv = wrapper + [Self.executablePath] + arguments
        var environment = environment
        if inheritedSocket != nil {
            environment["LISTEN_FDS"] = "1"
            environment["LISTEN_FDNAMES"] = "control"
            argv = ["/bin/sh", "-c", "LISTEN_PID=$$ exec \"$0\" \"$@\""] + argv
        }
        pid = try spawnDaemon(
            argv, environment: environment.map { "\($0.key)=\($0.value)" }, stderrPath: logPath,
            dup2: inheritedSocket.map { [($0, Int32(3))] } ?? [])
    }

    /// Starts qfposd on `configPath` as systemd would (`NOTIFY_SOCKET` set) and waits until it
    /// reports READY=1 (10 s liveness bound).
    static func startReady(
        configPath: String, notify: NotifyListener, logPath: String, wrapper: [String] = []
    ) async throws -> DaemonProcess {
        let process = try DaemonProcess(
            arguments: ["--config", configPath], environment: ["NOTIFY_SOCKET": notify.path, "PATH": "/usr/bin:/bin"],
            logPath: logPath, wrapper: wrapper)
        let messages = await offPool { notify.waitFor("READY=1") }
        guard messages.last?.contains("READY=1") == true else {
            throw TestSupportError("qfposd did not get ready: \(process.log)")
        }
        return process
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
        let bound = UnixSocketAddress.bind(descriptor, to: path)
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
