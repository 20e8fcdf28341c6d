import ArgumentParser
import Foundation
import QFPay

/// `qfposctl gateway`: calls the QFPay API directly with the configured credentials, like the
/// specification's sample script, for technicians checking a merchant setup.
///
/// Exit status: 0 when the gateway answered `respcd` 0000 (for `bill`: a zip came), 1 when it
/// answered another code, 2 when the outcome is unknown (timeout, dropped connection, bad
/// signature), 3 when nothing was sent (invalid input, connection refused).
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Call the QFPay API directly: pay, query, refund, close, bill.",
        subcommands: [GatewayPay.self, GatewayQuery.self, GatewayRefund.self, GatewayClose.self, GatewayBill.self]
    )
}

/// The exit statuses of the gateway commands.
enum GatewayExit {
    static let declined = ExitCode(1)
    static let outcomeUnknown = ExitCode(2)
    static let notSent = ExitCode(3)
}

/// Where the credentials come from: a config file, or flags with the key in a private file.
struct GatewayCredentialOptions: ParsableArguments {
    @Option(name: .long, help: "A key=value file with base_url (or environment), app_code, mchid, key_file.")
    var config: String?

    @Option(name: .long, help: "The gateway's base URL (https://openapi-test.qfpay.com, or the sandbox's).")
    var baseURL: String?

    @Option(name: .long, help: "The QFPay environment: test or production (instead of --base-url).")
    var environment: String?

    @Option(name: .long, help: "X-QF-APPCODE.")
    var appCode: String?

    @Option(name: .long, help: "The merchant ID (mchid).")
    var mchid: String?

    @Option(name: .long, help: "A file holding the key, readable only by its owner (chmod 600).")
    var keyFile: String?

    @Option(name: .long, help: "MD5 (default) or SHA256.")
    var signType: String?

    @Flag(name: .long, help: "Print the gateway's answer exactly as it came.")
    var json = false

    /// The client configuration from these options. A credentials problem (an unreadable or
    /// insecure key file) is printed and ends the command with the "not sent" status.
    func loadConfiguration() throws -> QFPayConfiguration {
        do {
            return try GatewayCredentials.load(
                configFile: config,
                overrides: [
                    "base_url": baseURL, "environment": environment, "app_code": appCode, "mchid": mchid,
                    "key_file": keyFile, "sign_type": signType,
                ])
        } catch let error as QFPayError {
            GatewayOutput.printError(error.message)
            throw GatewayExit.notSent
        }
    }
}

/// Loads gateway credentials. The one place that reads them, so that the daemon's configuration
/// loader can replace it.
enum GatewayCredentials {
    /// A configuration from `configFile` (`key = value` lines, `#` comments) with `overrides`
    /// taking precedence. Keys: `base_url` or `environment` (`test`, `production`), `app_code`,
    /// `mchid`, `key_file`, and optionally `key` (only in a file that only its owner can read),
    /// `sign_type`, `currency`, `time_zone`, `cancel_path.<pay_type>`.
    static func load(configFile: String?, overrides: [String: String?]) throws -> QFPayConfiguration {
        var values: [String: String] = [:]
        if let configFile { values = try readKeyValueFile(configFile) }
        for (name, value) in overrides { if let value { values[name] = value } }

        let environment: QFPayConfiguration.Environment
        if let base = values["base_url"] {
            guard let url = URL(string: base), url.scheme != nil, url.host != nil else {
                throw ValidationError("base_url \(base.debugDescription) is not a URL")
            }
            environment = .custom(url)
        } else {
            switch values["environment"] {
            case "test": environment = .test
            case "production": environment = .production
            case nil: throw ValidationError("give --base-url or --environment (or base_url in --config)")
            case let other?: throw ValidationError("environment must be test or production, not \(other)")
            }
        }
        guard let appCode = values["app_code"], !appCode.isEmpty else {
            throw ValidationError("give --app-code (or app_code in --config)")
        }
        let key: Secret
        if let keyFile = values["key_file"] {
            key = try Secret.load(fromFile: keyFile)
        } else if let inline = values["key"], let configFile {
            try Secret.checkOwnerOnly(path: configFile, field: "config")
            key = Secret(inline)
        } else {
            throw ValidationError("give --key-file (never the key itself on the command line)")
        }
        var configuration = QFPayConfiguration(
            environment: environment, appCode: appCode, key: key, merchantID: values["mchid"])
        switch values["sign_type"]?.uppercased() {
        case nil, "MD5": configuration.signType = .md5
        case "SHA256": configuration.signType = .sha256
        case let other?: throw ValidationError("sign_type must be MD5 or SHA256, not \(other)")
        }
        if let currency = values["currency"] {
            configuration.defaultCurrency = Currency(rawValue: currency.uppercased())
        }
        if let zone = values["time_zone"] {
            guard let timeZone = TimeZone(identifier: zone) else { throw ValidationError("unknown time_zone \(zone)") }
            configuration.timeZone = timeZone
        }
        for (name, value) in values where name.hasPrefix("cancel_path.") {
            guard let payType = PayType(rawValue: String(name.dropFirst("cancel_path.".count))) else {
                throw ValidationError("\(name): unknown pay type")
            }
            configuration.cancelPaths[payType] = value
        }
        try configuration.validate()
        return configuration
    }

    /// `key = value` lines; blank lines and `#` comments ignored; `key: value` accepted too.
    static func readKeyValueFile(_ path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read the config file \(path)")
        }
        var values: [String: String] = [:]
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty || text.hasPrefix("#") { continue }
            guard let separator = text.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw ValidationError("\(path):\(number + 1): expected key = value")
            }
            let name = text[..<separator].trimmingCharacters(in: .whitespaces)
            var value = text[text.index(after: separator)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" {
                value = String(value.dropFirst().dropLast())
            }
            values[name] = value
        }
        return values
    }
}
