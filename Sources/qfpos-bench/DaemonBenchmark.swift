import ControlProtocol
import Foundation
import Glibc
import Logging
import QFPaySandbox
import TestSupport

/// The daemon's figures: time from start to READY, resident memory idle and after 10,000 sales,
/// and the round trip of `daemon.status` over the socket. Runs the `qfposd` built next to this
/// benchmark as a child process, against an in-process sandbox. With `monitoring`, the metrics
/// and the status page are on (one listener) and `/metrics` is scraped after the sales.
func runDaemonBenchmark(monitoring: Bool = false) async throws {
    report(
        "== daemon (qfposd as a child process, sandbox on 127.0.0.1, 16 lanes\(monitoring ? ", metrics and status page on" : ""))"
    )
    let logger = Logger(label: "bench.sandbox", factory: { _ in SwiftLogNoOpLogHandler() })
    let sandbox = try await SandboxServer.start(.benchmark, logger: logger)
    defer { Task { await sandbox.stop() } }
    let port = monitoring ? try freeLoopbackPort() : nil
    let bench = try DaemonBench(
        baseURL: sandbox.baseURL.absoluteString,
        extraYAML: port.map {
            "metrics:\n  enabled: true\n  listen: 127.0.0.1:\($0)\nstatus_page:\n  enabled: true\n  listen: 127.0.0.1:\($0)\n"
        } ?? "")
    defer { bench.remove() }

    var readyTimes: [Double] = []
    for _ in 0..<10 {
        let started = ContinuousClock.now
        let daemon = try bench.spawn()
        guard bench.waitForReady() else { throw TestSupportError("qfposd did not get ready") }
        readyTimes.append(started.duration(to: .now).milliseconds)
        kill(daemon, SIGTERM)
        bench.reap(daemon)
    }
    readyTimes.sort()
    report(
        String(
            format: "start to READY: median %.1f ms, min %.1f ms, max %.1f ms (10 starts)", readyTimes[5],
            readyTimes[0], readyTimes[9]))

    let daemon = try bench.spawn()
    guard bench.waitForReady() else { throw TestSupportError("qfposd did not get ready") }
    defer {
        kill(daemon, SIGTERM)
        bench.reap(daemon)
    }
    try await Task.sleep(for: .seconds(1))
    report("RSS idle: \(DaemonBench.residentSummary(of: daemon))")

    let client = try await ControlClient.connect(socketPath: bench.socketPath)
    var roundTrips: [Double] = []
    roundTrips.reserveCapacity(10_000)
    for _ in 0..<10_000 {
        let started = ContinuousClock.now
        _ = try await client.call(MethodName.daemonStatus)
        roundTrips.append(started.duration(to: .now).microseconds)
    }
    roundTrips.sort()
    report(
        String(
            format: "daemon.status round trip: p50 %.0f µs, p99 %.0f µs, max %.0f µs (10,000 calls)",
            roundTrips[5_000], roundTrips[9_900], roundTrips[9_999]))

    let started = ContinuousClock.now
    var settling = Duration.zero  // the waits before reading RSS, left out of the throughput
    for half in 0..<2 {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<16 {
                group.addTask {
                    let connection = try await ControlClient.connect(socketPath: bench.socketPath)
                    for index in stride(from: lane, to: 5_000, by: 16) {
                        let serial = half * 5_000 + index
                        let code = SandboxScenario.success.authCode(serial: 10_000_000 + serial)
                        _ = try await connection.call(
                            MethodName.saleStart,
                            [
                                "amount": 100, "auth_code": .string(code), "order_id": .string("BENCH-\(serial)"),
                                "lane": .string("l\(lane)"),
                            ])
                    }
                    await connection.close()
                }
            }
            try await group.waitForAll()
        }
        for _ in 0..<1200 {
            if try await client.call(MethodName.daemonStatus)["sales_pending"]?.integerValue ?? 0 == 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        // As a till sees it a moment later: qfposd gives freed memory back once it has been quiet
        // for 20 ms (`MemoryTrimmer`).
        try await Task.sleep(for: .milliseconds(100))
        settling += .milliseconds(100)
        let sales = (half + 1) * 5_000
        report("RSS after \(sales) sales: \(DaemonBench.residentSummary(of: daemon))")
    }
    let seconds = (started.duration(to: .now) - settling).milliseconds / 1000
    report(
        String(
            format: "10,000 sales through the socket in %.1f s (%.0f sales/s, 16 connections)", seconds,
            10_000 / seconds))
    if let port {
        for (path, name) in [("/metrics", "/metrics scrape"), ("/", "status page")] {
            var times: [Double] = []
            var size = 0
            for _ in 0..<20 {
                let begun = ContinuousClock.now
                let answer = try await SandboxHTTPClient.send(
                    method: "GET", url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
                times.append(begun.duration(to: .now).milliseconds)
                size = answer.body.count
            }
            times.sort()
            report(
                String(format: "%@: median %.1f ms, max %.1f ms, %d bytes (20 loads)", name, times[10], times[19], size)
            )
        }
        report("RSS after the scrapes: \(DaemonBench.residentSummary(of: daemon))")
    }
    await client.close()
}

/// The files and child process of the daemon benchmark.
struct DaemonBench: Sendable {
    let directory: String
    let socketPath: String
    let notifyPath: String
    private let notifyDescriptor: Int32

    /// - Parameters:
    ///   - lanes: the `lanes:` section (16 lanes without devices by default).
    ///   - logLevel: the daemon's `log.level`.
    ///   - extraYAML: more sections (the monitoring benchmark's `metrics:` and `status_page:`).
    init(baseURL: String, lanes: String? = nil, logLevel: String = "warning", extraYAML: String = "") throws {
        var template = Array("/tmp/qfpos-bench-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestSupportError("mkdtemp failed") }
        directory = String(cString: made)
        socketPath = directory + "/control.sock"
        notifyPath = directory + "/notify"
        try SandboxTestCredentials.key.write(toFile: directory + "/key", atomically: false, encoding: .utf8)
        chmod(directory + "/key", 0o600)
        let yaml = """
            gateway:
              environment: sandbox
              base_url: \(baseURL)
              app_code: \(SandboxTestCredentials.appCode)
              mchid: \(SandboxTestCredentials.mchid)
              key_file: \(directory)/key
              # The benchmark's sandbox has no rate limit: 10,000 sales, not QFPay's 400 a minute.
              requests_per_second: 1000000
              requests_per_minute: 60000000
            shop:
              name: Bench
            \(lanes ?? "lanes:\n  ids: [\((0..<16).map { "l\($0)" }.joined(separator: ", "))]")
            payments:
              poll_interval_seconds: "0.05-0.1"
            journal:
              path: \(directory)/journal.sqlite
            control:
              socket_path: \(socketPath)
            log:
              level: \(logLevel)
            \(extraYAML)
            """
        try yaml.write(toFile: directory + "/qfposd.yaml", atomically: false, encoding: .utf8)
        notifyDescriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        _ = UnixSocketAddress.bind(notifyDescriptor, to: notifyPath)
    }

    /// Starts the `qfposd` next to this executable, with `environment` added to its own.
    func spawn(environment: [String] = []) throws -> pid_t {
        let executable =
            URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "")
            .deletingLastPathComponent().appendingPathComponent("qfposd").path
        return try spawnDaemon(
            [executable, "--config", directory + "/qfposd.yaml"],
            environment: ["NOTIFY_SOCKET=\(notifyPath)", "PATH=/usr/bin:/bin"] + environment,
            stderrPath: directory + "/qfposd.log",
            keepStandardOutput: true)
    }

    /// Waits (10 s at most) for READY=1 on the notify socket.
    func waitForReady() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var poller = pollfd(fd: notifyDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 10_000) > 0 else { return false }
            let count = buffer.withUnsafeMutableBytes { recv(notifyDescriptor, $0.baseAddress, $0.count, 0) }
            if count > 0, String(decoding: buffer[0..<count], as: UTF8.self).contains("READY=1") { return true }
        }
    }

    func reap(_ pid: pid_t) {
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    func remove() {
        close(notifyDescriptor)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// VmRSS of `pid` in kB, from /proc.
    static func residentKilobytes(of pid: pid_t) -> Int { statusKilobytes("VmRSS:", of: pid) }

    /// A number of /proc/`pid`/status (`VmRSS:`, `RssAnon:`, `RssFile:` in kB; `Threads:`).
    static func statusKilobytes(_ field: String, of pid: pid_t) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(field) } ?? ""
        return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? 0
    }

    /// "31 MB (32,000 kB; anonymous 3,500 kB, file-backed 28,500 kB, 7 threads)": the file-backed
    /// part is code and read-only data mapped from the executable and its libraries.
    static func residentSummary(of pid: pid_t) -> String {
        let rss = residentKilobytes(of: pid)
        let anonymous = statusKilobytes("RssAnon:", of: pid)
        let file = statusKilobytes("RssFile:", of: pid)
        let threads = statusKilobytes("Threads:", of: pid)
        return "\(rss / 1024) MB (\(rss) kB; anonymous \(anonymous) kB, file-backed \(file) kB, \(threads) threads)"
    }
}

extension Duration {
    fileprivate var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
    fileprivate var microseconds: Double { milliseconds * 1000 }
}

/// Prints a line and flushes it at once, so figures survive an interrupted run.
private func report(_ line: String) {
    print(line)
    fflush(nil)
}
