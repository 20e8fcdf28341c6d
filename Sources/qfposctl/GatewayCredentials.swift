import ArgumentParser
import Foundation
import QFPay

/// Loads gateway credentials. The one place that reads them, so that the daemon's configuration
/// loader can replace it.
enum GatewayCredentials {
    /// A configuration from `configFile` (`key = value` lines, `#` comments) with `overrides`
    /// taking precedence. Keys: `base_url` or `environment` (`test`, `production`), `app_code`,
    /// `mchid`, `key_file`, and optionally `key` (only in a file that only its owner can read),
    /// `sign_type`, `currency`, `time_zone`, `default_goods_name`, `cancel_path.<pay_type>`.
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
        if let name = values["default_goods_name"] {
            do { try PaymentRequest.validate(goodsName: name) } catch {
                throw ValidationError("default_goods_name: \(error.message)")
            }
            configuration.defaultGoodsName = name
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
