import ArgumentParser
import BuildVersion
import ControlProtocol
import Foundation
import Glibc
import QFPOSDaemon

/// `qfposctl status`: the daemon's state, pending sales, lanes and connections.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the daemon's state.")
    @OptionGroup var options: SocketOptions

    func run() async throws {
        try await explainingErrors {
            let status = try await options.call(MethodName.daemonStatus)
            if options.json { return options.printJSON(status) }
            let lanes = (status["lanes"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ")
            print(
                "qfposd \(status["version"]?.stringValue ?? "?") (pid \(status["pid"]?.integerValue ?? 0)): \(status["state"]?.stringValue ?? "?")"
            )
            print("sales pending: \(status["sales_pending"]?.integerValue ?? 0)")
            print("lanes: \(lanes.isEmpty ? "none" : lanes)")
            print("gateway: \(status["gateway"]?.stringValue ?? "?")")
            print(
                "connections: \(status["connections"]?.integerValue ?? 0), subscribers: \(status["subscribers"]?.integerValue ?? 0)"
            )
            print("up for \(status["uptime_seconds"]?.integerValue ?? 0) s")
            if let libraries = status["libraries"] { print("libraries: \(LibraryText.line(libraries))") }
        }
    }
}

/// `qfposctl devices`: scanners and printers as the running daemon sees them.
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "List scanners and printers seen by the running daemon.")
    @OptionGroup var options: SocketOptions

    func run() async throws {
        try await explainingErrors {
            let result = try await options.call(MethodName.devicesList)
            if options.json { return options.printJSON(result) }
            let devices = result["devices"]?.arrayValue ?? []
            if devices.isEmpty { print("no devices") }
            for device in devices {
                var fields = ["role", "node", "stable_path", "vendor", "model", "reason", "lane", "state"]
                    .compactMap { key in device[key]?.stringValue.map { "\(key)=\($0)" } }
                fields += ["open", "exclusive", "grabbed"].compactMap { key in
                    device[key]?.boolValue.map { "\(key)=\($0 ? "yes" : "no")" }
                }
                if device["lane"] == nil, let why = device["lane_reason"]?.stringValue {
                    fields.append("lane=none (\(why))")
                }
                if let error = device["open_error"]?.stringValue { fields.append("open_error=\(error)") }
                print(
                    fields.isEmpty
                        ? String(decoding: device.encodedLine().dropLast(), as: UTF8.self)
                        : fields.joined(separator: " "))
            }
        }
    }
}

/// `qfposctl events [--json]`: follows the daemon's events.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Follow the daemon's events.")
    @OptionGroup var options: SocketOptions
    @Option(name: .customLong("event"), help: "Only this event (repeatable): sale.updated, scan, device.added, ...")
    var names: [String] = []

    func run() async throws {
        try await explainingErrors {
            let client = try await options.connect()
            let params: JSONValue? = names.isEmpty ? nil : ["events": .array(names.map(JSONValue.string))]
            _ = try await client.call(MethodName.eventsSubscribe, params)
            for await event in client.events {
                if options.json {
                    print(String(decoding: event.encodedLine().dropLast(), as: UTF8.self))
                } else if event.method == EventName.saleUpdated, let sale = try? event.params.decode(SaleInfo.self) {
                    print("\(event.method) \(SaleText.line(sale))")
                } else {
                    print("\(event.method) \(String(decoding: event.params.encodedLine().dropLast(), as: UTF8.self))")
                }
                fflush(nil)
            }
            throw CtlFailure("the daemon closed the connection")
        }
    }
}

/// `qfposctl reconcile --date YYYY-MM-DD`: matches the gateway's bill against the journal.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile", abstract: "Match a day's QFPay bill against the journal.")
    @OptionGroup var options: SocketOptions
    @Option(name: .long, help: "The day, YYYY-MM-DD (shop local time).") var date: String
    @Flag(name: .long, help: "Print the report as CSV (one line a payment) instead of a table.") var csv = false

    func run() async throws {
        try await explainingErrors {
            let report = try await options.call(MethodName.reconcileRun, ["date": .string(date)])
            if options.json { return options.printJSON(report) }
            if csv, let text = report["csv"]?.stringValue {
                return print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
            }
            if let table = report["table"]?.stringValue {
                print(table)
            } else {
                print(String(decoding: report.encodedLine().dropLast(), as: UTF8.self))
            }
        }
    }
}

/// `qfposctl simulate-scan CODE`: a technician's test of a lane, as if its scanner read CODE.
struct SimulateScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate-scan", abstract: "Hand a code to a lane as if its scanner had read it (root only).")
    @OptionGroup var options: SocketOptions
    @Argument(help: "The code.") var code: String
    @Option(name: .long, help: "The lane.") var lane: String

    func run() async throws {
        try await explainingErrors {
            let result = try await options.call(
                MethodName.scanSimulate, ["lane": .string(lane), "code": .string(code)])
            if options.json { return options.printJSON(result) }
            if let sale = try? result["sale"]?.decode(SaleInfo.self) {
                print(SaleText.line(sale))
            } else {
                print("no sale took the code")
            }
        }
    }
}

/// `qfposctl doctor`: checks configuration, key file permissions, gateway reachability,
/// devices and their permissions, and the socket; prints what to fix.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor", abstract: "Check configuration, key, gateway, devices and socket; say what to fix.")
    @OptionGroup var options: SocketOptions
    @Option(name: .long, help: "The configuration file.") var config = DaemonConfiguration.defaultPath

    func run() async throws {
        var failures = 0
        func report(_ ok: Bool, _ text: String) {
            print("\(ok ? "ok  " : "FAIL") \(text)")
            if !ok { failures += 1 }
        }
        let environment = ProcessInfo.processInfo.environment
        let check = await ConfigurationCheck.run(configPath: config, environment: environment)
        report(check.isValid, "configuration \(config)")
        for line in check.text.split(separator: "\n") where line.hasPrefix("error") || line.hasPrefix("warning") {
            print("     \(line)")
        }
        if let (configuration, _) = try? await ConfigurationLoader.load(path: config, environment: environment) {
            let url = URL(string: configuration.gateway.baseURL)
            if let host = url?.host {
                let port = url?.port ?? (url?.scheme == "https" ? 443 : 80)
                report(Reachability.canConnect(host: host, port: port), "gateway \(host):\(port) reachable")
            }
            print("     credentials: run `qfposctl gateway` with the key file to check them against the gateway")
            for (name, listener, path) in [
                ("status page", configuration.statusPage, "/"), ("metrics", configuration.metrics, "/metrics"),
            ] {
                guard listener.enabled else {
                    print("     \(name): off (\(name == "metrics" ? "metrics" : "status_page").enabled)")
                    continue
                }
                let url = "http://\(listener.listen)\(path)"
                guard let colon = listener.listen.lastIndex(of: ":"),
                    let port = Int(listener.listen[listener.listen.index(after: colon)...])
                else {
                    report(false, "\(name) \(url): not host:port")
                    continue
                }
                let host = String(listener.listen[..<colon])
                let local = ["0.0.0.0", "[::]", "::"].contains(host) ? "127.0.0.1" : host
                report(Reachability.canConnect(host: local, port: port), "\(name) \(url) answering")
            }
            for lane in configuration.lanes {
                for (role, spec) in [("scanner", lane.scanner), ("printer", lane.printer)] {
                    guard let path = spec?.path else {
                        if let match = spec?.match { print("     lane \(lane.id) \(role): udev match \(match)") }
                        continue
                    }
                    if path.contains(":"), !path.hasPrefix("/") {
                        let parts = path.split(separator: ":")
                        report(
                            Reachability.canConnect(host: String(parts[0]), port: Int(parts[1]) ?? 9100),
                            "lane \(lane.id) \(role) \(path) reachable")
                    } else {
                        report(access(path, R_OK | W_OK) == 0, "lane \(lane.id) \(role) \(path) readable and writable")
                    }
                }
            }
        }
        if let client = try? await options.connect(), let status = try? await client.call(MethodName.daemonStatus) {
            report(
                true,
                "socket \(options.socketPath): qfposd \(status["version"]?.stringValue ?? "?") \(status["state"]?.stringValue ?? "?")"
            )
            // What the running daemon loaded: an `apt upgrade` replaces the files, not a running process's copy.
            if let libraries = status["libraries"] { print("     qfposd's libraries: \(LibraryText.line(libraries))") }
            await client.close()
        } else {
            report(false, "socket \(options.socketPath): qfposd not reachable")
        }
        print("     qfposctl \(BuildVersion.version), libraries: \(LibraryText.line(LoadedLibraries.json))")
        if failures > 0 { throw ExitCode.failure }
    }
}

/// A TCP connect test with a short timeout.
enum Reachability {
    static func canConnect(host: String, port: Int, timeoutMilliseconds: Int32 = 3000) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else { return false }
        defer { freeaddrinfo(result) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            let descriptor = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue), 0)
            if descriptor >= 0 {
                defer { close(descriptor) }
                if connect(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return true }
                if errno == EINPROGRESS {
                    var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    var error: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    if poll(&poller, 1, timeoutMilliseconds) == 1,
                        getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0
                    {
                        return true
                    }
                }
            }
            entry = info.pointee.ai_next
        }
        return false
    }
}

/// The `libraries` object of `daemon.status` on one line: `openssl OpenSSL 3.0.17 1 Jul 2025, sqlite 3.40.1, ...`.
enum LibraryText {
    static func line(_ libraries: JSONValue) -> String {
        ["openssl", "sqlite", "libudev", "libqrencode"].map { "\($0) \(libraries[$0]?.stringValue ?? "?")" }
            .joined(separator: ", ")
    }
}
