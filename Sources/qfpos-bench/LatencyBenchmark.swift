import ControlProtocol
import Dispatch
import Foundation
import GRDB
import Glibc
import LatencyTrace
import Logging
import QFPay
import QFPaySandbox
import Synchronization
import TestSupport

/// The latency a cashier feels, through the real `qfposd` (a child process built next to this
/// benchmark): a pty scanner and a pty printer, the sandbox over HTTP on 127.0.0.1 in this
/// process, and a till on the control socket; sales one after the other. Prints p50, p99 and max of
/// (a) scan written → payment request at the gateway, (b) `sale.start` sent → final `sale.updated`
/// read, (c) `daemon.status` round trip on one connection; the breakdown of (a) and (b) per step
/// from the daemon's latency trace (`QFPOS_LATENCY_TRACE`, all on `CLOCK_MONOTONIC`); and, in
/// the same run, the floors of the same work without qfposd (a minimal daemon on a thread: pty
/// read, a SQLite commit with the journal's settings, the same HTTP exchange on a kept-alive
/// connection; HTTP alone; an echo of the status line).
func runLatencyBenchmark() async throws {
    let sales = Int(ProcessInfo.processInfo.environment["QFPOS_LATENCY_SALES"] ?? "") ?? 300
    report("== latency (qfposd as a child process, pty scanner and printer, sandbox on 127.0.0.1, \(sales) sales)")
    let logger = Logger(label: "bench.sandbox", factory: { _ in SwiftLogNoOpLogHandler() })
    let sandbox = try await SandboxServer.start(.benchmark, logger: logger)
    defer { Task { await sandbox.stop() } }
    let arrivals = Arrivals()
    sandbox.observeRequests { path in arrivals.record(path) }

    let scanner = try PseudoTerminal()
    let printer = try PseudoTerminal()
    let printerDrain = Drain(printer.controller)
    defer { printerDrain.stop() }
    let lanes = """
        lanes:
          ids: [front]
          front:
            scanner:
              path: \(scanner.devicePath)
              suffix: cr
            printer:
              path: \(printer.devicePath)
        """
    // `log.level` info: what a shop runs (one line a scan and one a QFPay answer).
    let bench = try DaemonBench(baseURL: sandbox.baseURL.absoluteString, lanes: lanes, logLevel: "info")
    defer { bench.remove() }
    let tracePath = bench.directory + "/latency.trace"
    let daemon = try bench.spawn(environment: ["QFPOS_LATENCY_TRACE=\(tracePath)"])
    guard bench.waitForReady() else { throw TestSupportError("qfposd did not get ready") }
    var stopped = false
    defer {
        if !stopped {
            kill(daemon, SIGTERM)
            bench.reap(daemon)
        }
    }
    let till = try await ControlClient.connect(socketPath: bench.socketPath)
    // The scanner is read once qfposd has opened it: a scan written before could be flushed.
    for _ in 0..<500 {
        let devices = try await till.call(MethodName.devicesList).arrayValue ?? []
        if devices.contains(where: { $0["role"]?.stringValue == "scanner" && $0["open"]?.boolValue == true }) { break }
        try await Task.sleep(for: .milliseconds(20))
    }
    _ = try await till.call(MethodName.eventsSubscribe, ["events": [.string(EventName.saleUpdated)]])
    var events = till.events.makeAsyncIterator()
    var serial = 20_000_000

    /// One sale: the till starts it (with the code, or without for the scanner), and the final
    /// `sale.updated` is read. Instants in `CLOCK_MONOTONIC` nanoseconds.
    func sale(scanned: Bool) async throws -> SaleTiming {
        serial += 1
        let code = SandboxScenario.success.authCode(serial: serial)
        let orderID = "LAT-\(serial)"
        var params: [String: JSONValue] = ["amount": 100, "order_id": .string(orderID), "lane": "front"]
        if !scanned { params["auth_code"] = .string(code) }
        let started = LatencyTrace.nanoseconds()
        let answer = try await till.call(MethodName.saleStart, .object(params))
        let outTradeNo = answer["out_trade_no"]?.stringValue ?? ""
        var written = started
        if scanned {
            written = LatencyTrace.nanoseconds()
            try scanner.write(code + "\r")
        }
        while let event = await events.next() {
            guard event.params["sale_id"]?.stringValue == orderID, event.params["final"]?.boolValue == true else {
                continue
            }
            guard event.params["state"]?.stringValue == "paid" else {
                throw TestSupportError("sale \(orderID) ended \(event.params["state"]?.stringValue ?? "?")")
            }
            return SaleTiming(
                outTradeNo: outTradeNo, start: scanned ? written : started, finalRead: LatencyTrace.nanoseconds(),
                gateway: arrivals.first(QFPayClient.Path.payment, after: scanned ? written : started))
        }
        throw TestSupportError("the event stream ended")
    }

    for index in 0..<30 { _ = try await sale(scanned: index % 2 == 0) }  // warm-up
    var scanSales: [SaleTiming] = []
    var startSales: [SaleTiming] = []
    for _ in 0..<sales {
        scanSales.append(try await sale(scanned: true))
        startSales.append(try await sale(scanned: false))
    }

    let status = try StatusClient(path: bench.socketPath)
    let statusTrips = try await offPool { try status.roundTrips(10_000) }
    status.close()

    await till.close()
    kill(daemon, SIGTERM)
    bench.reap(daemon)
    stopped = true
    let trace = Trace(path: tracePath)

    report("(a) scan written -> payment request at the gateway: \(Stats(scanSales.map(\.toGateway)))")
    report("(b) sale.start sent -> final sale.updated read:     \(Stats(startSales.map(\.toFinal)))")
    report("(c) daemon.status round trip, one connection:       \(Stats(statusTrips)) (10,000 calls)")
    report("    scan sale, whole (scan written -> final event read): \(Stats(scanSales.map(\.toFinal)))")
    report("breakdown of the scan sales (p50 / p99 of each step, from qfposd's trace):")
    trace.breakdown(scanSales, scanned: true)
    report("breakdown of the sale.start sales:")
    trace.breakdown(startSales, scanned: false)

    report("floors in the same run, without qfposd:")
    let floor = try await offPool {
        try MinimalDaemon(directory: bench.directory, sandbox: sandbox.baseURL, arrivals: arrivals).run(sales)
    }
    report(
        "  minimal daemon, scan written -> request at the gateway (pty, SQLite commit, kept-alive HTTP): \(floor.toGateway)"
    )
    report(
        "  minimal daemon, scan written -> answer durable (+ answer read, SQLite commit):          \(floor.toDurable)")
    report("  SQLite commit of one 200-byte row (WAL, synchronous FULL):                          \(floor.sync)")
    report(
        "  HTTP payment, request written -> at the gateway, new connection each:               \(floor.freshToGateway)")
    report(
        "  HTTP payment, round trip, new connection each:                                     \(floor.freshRoundTrip)")
    report(
        "  HTTP payment, request written -> at the gateway, kept-alive connection:             \(floor.keptToGateway)")
    report(
        "  HTTP payment, round trip, kept-alive connection:                                   \(floor.keptRoundTrip)")
    let echo = try EchoServer(path: bench.directory + "/echo.sock")
    let echoClient = try StatusClient(path: echo.path)
    let echoTrips = try await offPool { try echoClient.roundTrips(10_000) }
    echoClient.close()
    echo.stop()
    report("  status-sized JSON line echoed by a thread over a Unix socket:                       \(Stats(echoTrips))")
}

/// One sale's instants (nanoseconds, `CLOCK_MONOTONIC`).
private struct SaleTiming {
    var outTradeNo: String
    /// The scan's last byte written to the pty, or `sale.start` sent.
    var start: UInt64
    var finalRead: UInt64
    /// The payment request's arrival at the sandbox.
    var gateway: UInt64?

    var toGateway: Double { Double((gateway ?? start) &- start) / 1000 }
    var toFinal: Double { Double(finalRead - start) / 1000 }
}

/// p50, p99 and max of microsecond figures, printed in milliseconds.
private struct Stats: CustomStringConvertible {
    let p50: Double
    let p99: Double
    let max: Double

    init(_ microseconds: [Double]) {
        let sorted = microseconds.sorted()
        p50 = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        p99 = sorted.isEmpty ? 0 : sorted[Swift.min(sorted.count - 1, sorted.count * 99 / 100)]
        max = sorted.last ?? 0
    }

    var description: String {
        String(format: "p50 %.3f ms, p99 %.3f ms, max %.3f ms", p50 / 1000, p99 / 1000, max / 1000)
    }
}

/// The instants the sandbox received each request at, by path.
private final class Arrivals: Sendable {
    private let arrivals = Mutex<[(path: String, at: UInt64)]>([])

    func record(_ path: String) {
        let now = LatencyTrace.nanoseconds()
        arrivals.withLock { $0.append((path, now)) }
    }

    /// The arrival on `path` at or after `instant` (requests go one at a time: the one sent then).
    func first(_ path: String, after instant: UInt64) -> UInt64? {
        arrivals.withLock { arrivals in arrivals.last { $0.path == path && $0.at >= instant }?.at }
    }
}

/// qfposd's latency trace, read back after it exited.
private struct Trace {
    /// By out_trade_no: each step's first mark.
    var marks: [String: [LatencyTrace.Step: UInt64]] = [:]
    /// Every `scan-decoded` mark (keyed by lane), in order.
    var decoded: [UInt64] = []

    init(path: String) {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard fields.count == 3, let at = UInt64(fields[0]), let step = LatencyTrace.Step(rawValue: fields[1])
            else { continue }
            if step == .scanDecoded {
                decoded.append(at)
            } else if marks[fields[2], default: [:]][step] == nil {
                marks[fields[2], default: [:]][step] = at
            }
        }
        decoded.sort()
    }

    /// Prints p50 and p99 of each step between the sale's start and the final event read.
    func breakdown(_ sales: [SaleTiming], scanned: Bool) {
        typealias Point = (name: String, at: (SaleTiming) -> UInt64?)
        var points: [Point] = [(scanned ? "scan written" : "sale.start sent", { $0.start })]
        if scanned {
            points.append(("scan decoded", { sale in decoded.first { $0 >= sale.start } }))
            points.append(("sale matched", { marks[$0.outTradeNo]?[.saleMatched] }))
        }
        points += [
            ("journal durable", { marks[$0.outTradeNo]?[.scanDurable] }),
            ("request started", { marks[$0.outTradeNo]?[.requestStarted] }),
            ("request signed", { marks[$0.outTradeNo]?[.requestSigned] }),
            ("request written", { marks[$0.outTradeNo]?[.requestWritten] }),
            ("at the gateway", { $0.gateway }),
            ("answer read", { marks[$0.outTradeNo]?[.answerRead] }),
            ("journal durable", { marks[$0.outTradeNo]?[.answerDurable] }),
            ("event sent", { marks[$0.outTradeNo]?[.eventSent] }),
            ("event read", { $0.finalRead }),
        ]
        for (from, to) in zip(points, points.dropFirst()) {
            let steps = sales.compactMap { sale -> Double? in
                guard let start = from.at(sale), let end = to.at(sale) else { return nil }
                // The gateway may read a request before the write's completion reaches qfposd: 0.
                return end >= start ? Double(end - start) / 1000 : 0
            }
            let stats = Stats(steps)
            report(
                "  \(from.name) -> \(to.name):".padding(toLength: 42, withPad: " ", startingAt: 0)
                    + String(format: "%7.3f / %7.3f ms", stats.p50 / 1000, stats.p99 / 1000)
                    + (steps.count < sales.count ? " (\(steps.count) of \(sales.count) sales traced)" : ""))
        }
    }
}

/// The same work as a scan sale without qfposd, on one thread: the floor the machine allows.
private struct MinimalDaemon {
    struct Figures {
        var toGateway: Stats
        var toDurable: Stats
        var sync: Stats
        var freshToGateway: Stats
        var freshRoundTrip: Stats
        var keptToGateway: Stats
        var keptRoundTrip: Stats
    }

    let directory: String
    let sandbox: URL
    let arrivals: Arrivals

    func run(_ count: Int) throws -> Figures {
        var configuration = QFPayConfiguration(
            environment: .custom(sandbox), appCode: SandboxTestCredentials.appCode,
            key: Secret(SandboxTestCredentials.key), merchantID: SandboxTestCredentials.mchid)
        configuration.baseURL = sandbox
        let numbers = OrderNumberGenerator(terminal: "M1")
        var serial = 30_000_000
        func request() throws -> [UInt8] {
            serial += 1
            let payment = PaymentRequest.barcode(
                outTradeNo: numbers.paymentNumber(), amount: 100,
                authCode: AuthCode(SandboxScenario.success.authCode(serial: serial)))
            let signed = try SignedRequest(
                path: QFPayClient.Path.payment, parameters: payment.parameters(for: configuration),
                configuration: configuration)
            var head = "POST \(QFPayClient.Path.payment) HTTP/1.1\r\nHost: 127.0.0.1:\(sandbox.port ?? 80)\r\n"
            for (name, value) in signed.headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
            head += "Accept: */*\r\nContent-Length: \(signed.body.count)\r\n\r\n"
            return Array(head.utf8) + signed.body
        }
        // The journal's own setting: SQLite in WAL mode with synchronous FULL, one row a commit.
        var options = GRDB.Configuration()
        options.journalMode = .wal
        let journal = try DatabaseQueue(path: directory + "/minimal.sqlite", configuration: options)
        try journal.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "CREATE TABLE entry (id INTEGER PRIMARY KEY, payload BLOB)")
        }
        let record = Data(repeating: 0x2A, count: 200)
        @Sendable func durable() {
            try? journal.write { db in
                try db.execute(sql: "INSERT INTO entry (payload) VALUES (?)", arguments: [record])
            }
        }
        let port = sandbox.port ?? 80

        // Scan → request → answer, as a daemon thread would: pty read, commit, HTTP, commit.
        let pty = try PseudoTerminal()
        let reader = open(pty.devicePath, O_RDWR | O_NOCTTY | O_CLOEXEC)
        defer { close(reader) }
        let connection = try HTTPConnection(port: port)
        defer { connection.close() }
        let started = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let requests = try (0..<count).map { _ in try request() }
        let durableAt = Mutex<[UInt64]>([])
        let worker = Thread {
            var buffer = [UInt8](repeating: 0, count: 256)
            started.signal()
            for request in requests {
                var line = [UInt8]()
                while !line.contains(13) {
                    let n = buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
                    if n <= 0 { return }
                    line += buffer[0..<n]
                }
                durable()
                connection.send(request)
                _ = connection.readAnswer()
                durable()
                let now = LatencyTrace.nanoseconds()
                durableAt.withLock { $0.append(now) }
                done.signal()
            }
        }
        worker.start()
        started.wait()
        var toGateway: [Double] = []
        var toDurable: [Double] = []
        for index in 0..<count {
            let written = LatencyTrace.nanoseconds()
            try pty.write("134567890123456789\r")
            guard done.wait(timeout: .now() + 10) == .success else { throw TestSupportError("no answer") }
            let finished = durableAt.withLock { $0[index] }
            toDurable.append(Double(finished - written) / 1000)
            if let arrived = arrivals.first(QFPayClient.Path.payment, after: written) {
                toGateway.append(Double(arrived - written) / 1000)
            }
        }

        var syncs: [Double] = []
        for _ in 0..<count {
            let start = LatencyTrace.nanoseconds()
            durable()
            syncs.append(Double(LatencyTrace.nanoseconds() - start) / 1000)
        }

        func exchanges(fresh: Bool) throws -> (toGateway: Stats, roundTrip: Stats) {
            var toGateway: [Double] = []
            var roundTrips: [Double] = []
            var kept = fresh ? nil : try HTTPConnection(port: port)
            defer { kept?.close() }
            for _ in 0..<count {
                let bytes = try request()
                let start = LatencyTrace.nanoseconds()
                let connection = try kept ?? HTTPConnection(port: port)
                connection.send(bytes)
                let sent = LatencyTrace.nanoseconds()
                _ = connection.readAnswer()
                let end = LatencyTrace.nanoseconds()
                if fresh { connection.close() }
                roundTrips.append(Double(end - start) / 1000)
                if let arrived = arrivals.first(QFPayClient.Path.payment, after: sent) {
                    toGateway.append(Double(arrived - sent) / 1000)
                }
            }
            kept = nil
            return (Stats(toGateway), Stats(roundTrips))
        }
        let fresh = try exchanges(fresh: true)
        let kept = try exchanges(fresh: false)
        return Figures(
            toGateway: Stats(toGateway), toDurable: Stats(toDurable), sync: Stats(syncs),
            freshToGateway: fresh.toGateway, freshRoundTrip: fresh.roundTrip, keptToGateway: kept.toGateway,
            keptRoundTrip: kept.roundTrip)
    }
}

/// A blocking HTTP/1.1 connection to 127.0.0.1 (Nagle off, as NIO's).
private final class HTTPConnection: @unchecked Sendable {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        var noDelay: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            Glibc.close(descriptor)
            throw TestSupportError("cannot connect to the sandbox: errno \(errno)")
        }
    }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            offset += n
        }
    }

    /// Reads one answer (head and `Content-Length` body); returns its byte count.
    func readAnswer() -> Int {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return data.count }
            data += buffer[0..<n]
            guard let end = data.firstRange(of: [13, 10, 13, 10]) else { continue }
            let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).lowercased()
            let length =
                head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if data.count >= end.upperBound + length { return data.count }
        }
    }

    func close() { Glibc.close(descriptor) }
}

/// A blocking client of the control socket that times `daemon.status` round trips (the till's
/// side kept to a `send` and a `recv`).
private final class StatusClient: @unchecked Sendable {
    let descriptor: Int32

    init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        let connected = UnixSocketAddress.connect(descriptor, to: path)
        guard connected == 0 else { throw TestSupportError("cannot connect to \(path): errno \(errno)") }
    }

    /// Microseconds of each of `count` round trips.
    func roundTrips(_ count: Int) throws -> [Double] {
        var trips: [Double] = []
        trips.reserveCapacity(count)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        for id in 0..<(count + 100) {
            let line = Array("{\"jsonrpc\":\"2.0\",\"id\":\(id),\"method\":\"daemon.status\"}\n".utf8)
            let start = LatencyTrace.nanoseconds()
            _ = line.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
            var received = 0
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { throw TestSupportError("the control socket closed") }
                received += n
                if buffer[n - 1] == 10 { break }
            }
            if id >= 100 { trips.append(Double(LatencyTrace.nanoseconds() - start) / 1000) }  // after a warm-up
        }
        return trips
    }

    func close() { Glibc.close(descriptor) }
}

/// A thread that answers each line on a Unix socket with a `daemon.status`-sized line.
private final class EchoServer: @unchecked Sendable {
    let path: String
    private let listener: Int32

    init(path: String) throws {
        self.path = path
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let descriptor = listener
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, listen(listener, 4) == 0 else { throw TestSupportError("cannot listen on \(path)") }
        let answer = Array(
            ("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"connections\":1,\"gateway\":\"http://127.0.0.1:40000\","
                + "\"lanes\":[\"front\"],\"payments\":true,\"pid\":1234,\"sales_pending\":0,\"socket\":\"" + path
                + "\",\"state\":\"running\",\"subscribers\":1,\"uptime_seconds\":12,\"version\":\"0.1.0\"}}\n").utf8)
        Thread {
            let connection = accept(descriptor, nil, nil)
            guard connection >= 0 else { return }
            defer { Glibc.close(connection) }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return }
                _ = answer.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, 0) }
            }
        }.start()
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(path)
    }
}

/// Reads and drops what the daemon prints, so that the printer pty never fills up.
private final class Drain: @unchecked Sendable {
    private let stopped = Atomic<Bool>(false)

    init(_ descriptor: Int32) {
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !self.stopped.load(ordering: .relaxed) {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 100) > 0 else { continue }
                if buffer.withUnsafeMutableBytes({ read(descriptor, $0.baseAddress, $0.count) }) <= 0 { return }
            }
        }.start()
    }

    func stop() { stopped.store(true, ordering: .relaxed) }
}

/// Prints a line and flushes it at once.
private func report(_ line: String) {
    print(line)
    fflush(nil)
}
