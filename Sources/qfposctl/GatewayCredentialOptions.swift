import ArgumentParser
import QFPay

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
