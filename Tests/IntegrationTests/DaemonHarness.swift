import ControlProtocol
import Foundation
import Glibc
import Logging
import Payments
import QFPOSDaemon
import TestSupport

/// A private temporary directory, removed on `remove()`.
struct TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        var template = Array("/tmp/qfpos-it-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestSupportError("mkdtemp failed") }
        path = String(cString: made)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ text: String, mode: mode_t = 0o600) throws {
        let path = file(name)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, mode)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// An in-process daemon with its own configuration, key file and socket in a temporary directory.
final class DaemonHarness: Sendable {
    let directory: TemporaryDirectory
    let socketPath: String
    let daemon: Daemon
    let configuration: DaemonConfiguration
    private let runTask: Task<Void, any Error>

    /// The YAML every harness starts from; `extra` is appended (top-level keys).
    static func yaml(directory: TemporaryDirectory, extra: String, baseURL: String = "http://127.0.0.1:9") -> String {
        """
        gateway:
          environment: sandbox
          base_url: \(baseURL)
          app_code: \(SandboxTestCredentials.appCode)
          mchid: \(SandboxTestCredentials.mchid)
          key_file: \(directory.file("qfpay-key"))
        shop:
          name: Test Shop
        journal:
          path: \(directory.file("journal.sqlite"))
        \(extra)
        """
    }

    /// - Parameters:
    ///   - withServices: build the real payment pipeline, lane devices and printers from the
    ///     configuration (the gateway must be reachable: a sandbox).
    ///   - key: the QFPay key written to the key file.
    init(
        extraYAML: String = "", controlYAML: String = "", environment: [String: String] = [:],
        sales: (any SalesPort)? = nil, devices: (any DevicesPort)? = nil, withServices: Bool = false,
        key: String = "test-key-never-logged", directory: TemporaryDirectory? = nil,
        baseURL: String = "http://127.0.0.1:9", policy: SalePolicy? = nil, clock: (any PipelineClock)? = nil
    ) async throws {
        let directory = try directory ?? TemporaryDirectory()
        self.directory = directory
        socketPath = directory.file("run/control.sock")
        try directory.write("qfpay-key", key + "\n")
        let yaml = Self.yaml(
            directory: directory,
            extra: extraYAML + "\ncontrol:\n  socket_path: \(socketPath)\n" + controlYAML, baseURL: baseURL)
        try directory.write("qfposd.yaml", yaml)
        let (configuration, problems) = try await ConfigurationLoader.load(
            path: directory.file("qfposd.yaml"), environment: [:])
        if let error = problems.first(where: { $0.severity == .error }) {
            throw TestSupportError("test configuration invalid: \(error)")
        }
        self.configuration = configuration
        let logger = Logger(label: "test.qfposd", factory: { _ in SwiftLogNoOpLogHandler() })
        var sales = sales
        var devices = devices
        if withServices {
            let services = try await DaemonServices.make(
                configuration: configuration,
                key: try QFPayKeyFile.load(configuredPath: directory.file("qfpay-key"), environment: [:]),
                logger: logger, policy: policy, clock: clock)
            sales = services.sales
            devices = services.devices
        }
        let file = directory.file("qfposd.yaml")
        let daemon = Daemon(
            configuration: configuration, environment: environment, logger: logger, sales: sales,
            devices: devices,
            reloadConfiguration: { try await ConfigurationLoader.load(path: file, environment: [:]).0 })
        self.daemon = daemon
        runTask = Task { try await daemon.run() }
        try await waitUntilAnswering()
    }

    /// Waits (10 s at most, a liveness bound) until the socket accepts connections.
    private func waitUntilAnswering() async throws {
        for _ in 0..<1000 {
            if let client = try? await ControlClient.connect(socketPath: socketPath) {
                await client.close()
                return
            }
            if runTask.isCancelled { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestSupportError("the daemon did not answer on \(socketPath)")
    }

    /// Rewrites the configuration file (same gateway, journal and socket) with `extraYAML`, for a reload.
    func rewriteConfiguration(extraYAML: String, controlYAML: String = "", baseURL: String) throws {
        try directory.write(
            "qfposd.yaml",
            Self.yaml(
                directory: directory, extra: extraYAML + "\ncontrol:\n  socket_path: \(socketPath)\n" + controlYAML,
                baseURL: baseURL))
    }

    func connect() async throws -> ControlClient {
        try await ControlClient.connect(socketPath: socketPath)
    }

    /// Stops the daemon (drain) and waits for it; removes the directory unless `keepDirectory`.
    func stop(keepDirectory: Bool = false) async throws {
        daemon.send(.stop)
        try await runTask.value
        if !keepDirectory { directory.remove() }
    }

    /// The YAML of a gateway pointing at `sandbox` with the test credentials and one lane
    /// `front` whose scanner and printer are the given paths.
    static func sandboxYAML(baseURL: String, scanner: String?, printer: String?, payments: String = "") -> String {
        var yaml = """
            payments:
              poll_interval_seconds: "0.05-0.1"
            \(payments)
            lanes:
              ids: [front]
              front:

            """
        if let scanner { yaml += "    scanner:\n      path: \(scanner)\n      suffix: cr\n" }
        if let printer { yaml += "    printer:\n      path: \(printer)\n" }
        return yaml
    }
}

/// A bare Unix socket client for misbehaving on purpose: never reading, writing raw bytes.
final class RawSocket: @unchecked Sendable {
    let descriptor: Int32

    init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let connected = UnixSocketAddress.connect(descriptor, to: path)
        guard connected == 0 else {
            close(descriptor)
            throw TestSupportError("connect failed: errno \(errno)")
        }
    }

    deinit { close(descriptor) }

    /// Writes as much of `bytes` as the kernel takes without blocking; returns the count.
    func writeNonBlocking(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
    }

    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            offset += n
        }
    }

    /// Reads until EOF or error, with a liveness bound; returns whether EOF came.
    func readUntilClosed(timeoutMilliseconds: Int32 = 10_000) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            var descriptor = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, timeoutMilliseconds) > 0 else { return false }
            let n = buffer.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }
}
