import Foundation
import Glibc
import Logging
import QFPOSDaemon
import Synchronization
import Testing

@Suite struct ConfigurationTests {
    private func load(_ yaml: String, environment: [String: String] = [:]) async throws -> (
        DaemonConfiguration, [ConfigurationProblem], TemporaryDirectory
    ) {
        let directory = try TemporaryDirectory()
        try directory.write("qfposd.yaml", yaml)
        let (configuration, problems) = try await ConfigurationLoader.load(
            path: directory.file("qfposd.yaml"), environment: environment)
        return (configuration, problems, directory)
    }

    private let minimal = """
        gateway:
          environment: test
          app_code: APP
        shop:
          name: Shop
        lanes:
          ids: [front]
          front:
            scanner:
              path: /dev/ttyACM0
              baud: 9600
            printer:
              path: 192.0.2.7:9100
        """

    @Test func aMinimalFileGivesDefaultsAndTheEnvironmentsURL() async throws {
        let (configuration, problems, directory) = try await load(minimal)
        defer { directory.remove() }
        #expect(problems.filter { $0.severity == .error }.isEmpty, "\(problems)")
        #expect(configuration.gateway.baseURL == "https://openapi-test.qfpay.com")
        #expect(configuration.control.socketPath == "/run/qfpos/control.sock")
        #expect(configuration.lanes.map(\.id) == ["front"])
        #expect(configuration.lanes.first?.scanner?.baud == 9600)
        #expect(configuration.lanes.first?.printer?.path == "192.0.2.7:9100")
        #expect(configuration.payments.pollIntervalSeconds == [2, 5])
    }

    @Test func environmentVariablesOverrideTheFile() async throws {
        let (configuration, _, directory) = try await load(
            minimal,
            environment: [
                "QFPOS_CONTROL_SOCKET_PATH": "/tmp/x.sock", "QFPOS_GATEWAY_APP_CODE": "OTHER",
                "QFPOS_PAYMENTS_POLL_WINDOW_SECONDS": "90", "CONTROL_SOCKET_PATH": "/ignored",
            ])
        defer { directory.remove() }
        #expect(configuration.control.socketPath == "/tmp/x.sock")
        #expect(configuration.gateway.appCode == "OTHER")
        #expect(configuration.payments.pollWindowSeconds == 90)
    }

    @Test func wrongTypesAndBadValuesAreReportedWithTheirKeys() async throws {
        let (_, problems, directory) = try await load(
            """
            gateway:
              environment: moon
              base_url: ftp://x
            control:
              socket_path: relative.sock
              max_connections: many
            payments:
              poll_window_seconds: 5
              poll_interval_seconds: "5-2"
              default_goods_name: "★ミネラルウォーター"
              follow_up_minutes: 0
            log:
              level: loud
            """)
        defer { directory.remove() }
        let keys = Set(problems.filter { $0.severity == .error }.map(\.key))
        for key in [
            "gateway.environment", "gateway.base_url", "gateway.app_code", "control.socket_path",
            "control.max_connections", "payments.poll_window_seconds", "payments.poll_interval_seconds", "log.level",
            "payments.default_goods_name", "payments.follow_up_minutes",
        ] {
            #expect(keys.contains(key), "no error for \(key): \(problems)")
        }
    }

    @Test func aMissingFileIsAnErrorNamingIt() async throws {
        await #expect {
            _ = try await ConfigurationLoader.load(path: "/nonexistent/qfposd.yaml", environment: [:])
        } throws: { error in
            (error as? DaemonError)?.code == .configurationInvalid
                && "\(error)".contains("/nonexistent/qfposd.yaml")
        }
    }

    @Test func aKeyFileReadableByOthersIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("key", "secret-key-value\n", mode: 0o644)
        #expect {
            _ = try QFPayKeyFile.load(configuredPath: directory.file("key"), environment: [:])
        } throws: { error in
            (error as? DaemonError)?.code == .keyFileInsecure && !"\(error)".contains("secret-key-value")
        }
    }

    @Test func aKeyFileWithMode0600IsReadAndNeverPrinted() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("key", "  secret-key-value\n")
        let key = try QFPayKeyFile.load(configuredPath: directory.file("key"), environment: [:])
        #expect(key.key == "secret-key-value")
        #expect(!"\(key)".contains("secret-key-value"))
    }

    @Test func systemdCredentialsComeBeforeTheConfiguredPath() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("qfpay-key", "from-credentials", mode: 0o644)  // systemd's directory is private
        try directory.write("configured", "from-config")
        let key = try QFPayKeyFile.load(
            configuredPath: directory.file("configured"), environment: ["CREDENTIALS_DIRECTORY": directory.path])
        #expect(key.key == "from-credentials")
    }

    @Test func aMissingOrEmptyKeyIsExplained() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(throws: DaemonError.self) { _ = try QFPayKeyFile.load(configuredPath: nil, environment: [:]) }
        try directory.write("empty", "\n")
        #expect {
            _ = try QFPayKeyFile.load(configuredPath: directory.file("empty"), environment: [:])
        } throws: { error in (error as? DaemonError)?.code == .keyFileInvalid }
    }

    @Test func checkConfigExplainsProblemsAndNeverShowsTheKey() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("key", "secret-key-value", mode: 0o640)
        try directory.write(
            "qfposd.yaml",
            minimal.replacingOccurrences(
                of: "  app_code: APP", with: "  app_code: APP\n  key_file: \(directory.file("key"))"))
        let report = await ConfigurationCheck.run(configPath: directory.file("qfposd.yaml"), environment: [:])
        #expect(!report.isValid)
        #expect(report.text.contains("gateway.key_file"))
        #expect(report.text.contains("chmod 600"))
        #expect(!report.text.contains("secret-key-value"))
        chmod(directory.file("key"), 0o600)
        let fixed = await ConfigurationCheck.run(configPath: directory.file("qfposd.yaml"), environment: [:])
        #expect(fixed.isValid, "\(fixed.text)")
        #expect(fixed.text.contains("configuration OK"))
    }

    @Test func checkConfigRefusesAUIDThatIsNotANumberOrNoUID() async throws {
        for (uids, expected) in [("[till]", "is not intArray"), ("[-1]", "not a uid"), ("[4294967295]", "not a uid")] {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            try directory.write("key", "secret-key-value")
            try directory.write(
                "qfposd.yaml",
                minimal.replacingOccurrences(
                    of: "  app_code: APP", with: "  app_code: APP\n  key_file: \(directory.file("key"))")
                    + "\ncontrol:\n  allowed_uids: \(uids)\n  read_only_uids: [1001]\n")
            let report = await ConfigurationCheck.run(configPath: directory.file("qfposd.yaml"), environment: [:])
            #expect(!report.isValid, "\(uids): \(report.text)")
            #expect(report.text.contains("control.allowed_uids"), "\(report.text)")
            #expect(report.text.contains(expected), "\(report.text)")
        }
    }

    @Test func theNotificationListenersAddressIsChecked() async throws {
        let listener = "\nnotify_listener:\n  enabled: true\n  host: "
        let (_, named, first) = try await load(minimal + listener + "notify.example.com\n")
        #expect(named.contains { $0.key == "notify_listener.host" && $0.severity == .error })
        let (_, open, second) = try await load(minimal + listener + "0.0.0.0\n")
        #expect(open.contains { $0.key == "notify_listener.host" && $0.severity == .warning })
        let (_, loopback, third) = try await load(minimal + listener + "127.0.0.1\n")
        #expect(!loopback.contains { $0.key == "notify_listener.host" })
        for directory in [first, second, third] { directory.remove() }
    }

    @Test func logLinesCarryAJournaldPriorityAndEscapeNewlines() {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "t") { label in
            JournaldLogHandler(label: label) { line in lines.withLock { $0.append(line) } }
        }
        logger[metadataKey: "sale.id"] = "S 1"
        logger.warning("two\nlines", metadata: ["code": "1346••••••••4254"])
        #expect(lines.withLock { $0 } == ["<4>two\\nlines code=1346••••••••4254 sale.id=\"S 1\"\n"])
    }
}

@Suite struct ExampleConfigurationTests {
    @Test func theShippedExampleWaitsOnlyForTheShopsAppCode() async throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/qfposd.example.yaml").path
        let (_, shipped) = try await ConfigurationLoader.load(path: path, environment: [:])
        #expect(shipped.filter { $0.severity == .error }.map(\.key) == ["gateway.app_code"], "\(shipped)")
        let (configuration, problems) = try await ConfigurationLoader.load(
            path: path, environment: ["QFPOS_GATEWAY_APP_CODE": "APP0001"])
        #expect(problems.filter { $0.severity == .error }.isEmpty, "\(problems)")
        #expect(configuration.lanes.first?.scanner?.path == "/dev/qfpos/scanner-front")
        #expect(configuration.control.group == "qfpos-till")
        #expect(!problems.contains { $0.key == "control.group" }, "\(problems)")
        #expect(configuration.payments.pollWindowSeconds == 60)
    }

    @Test func aSocketGroupThatIsTheDevicesGroupIsWarnedAbout() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("qfpay-key", "k")
        try directory.write(
            "qfposd.yaml", DaemonHarness.yaml(directory: directory, extra: "control:\n  group: qfpos\n"))
        let (_, problems) = try await ConfigurationLoader.load(path: directory.file("qfposd.yaml"), environment: [:])
        let warning = try #require(problems.first { $0.key == "control.group" })
        #expect(warning.severity == .warning)
        #expect(warning.message.contains("qfpos-till"))
    }
}
