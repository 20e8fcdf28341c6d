import Glibc

/// The QFPay key, read from a file: `$CREDENTIALS_DIRECTORY/qfpay-key` under systemd
/// (`LoadCredential=`), else the path in `gateway.key_file`. Never from the command line or the
/// YAML. A configured file must be a regular file readable by its owner only (mode 0600 or
/// 0400); anything looser is refused so that a leaked key is noticed at install, not later.
public struct QFPayKeyFile: Sendable, CustomStringConvertible {
    /// Where the key was read from (never the key).
    public let path: String
    /// The key, surrounding whitespace removed. Not printed by `description`.
    public let key: String

    /// The credential name under `$CREDENTIALS_DIRECTORY`.
    public static let credentialName = "qfpay-key"

    /// Where the key will be read from, and whether the path came from systemd's credentials.
    public static func location(configuredPath: String?, environment: [String: String]) -> (
        path: String, fromCredentials: Bool
    )? {
        if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty {
            let path = directory + "/" + credentialName
            if access(path, F_OK) == 0 || configuredPath == nil { return (path, true) }
        }
        return configuredPath.map { ($0, false) }
    }

    /// Reads and checks the key.
    /// - Throws: ``DaemonError`` with `key_file_missing`, `key_file_insecure` or `key_file_invalid`.
    public static func load(configuredPath: String?, environment: [String: String]) throws(DaemonError) -> QFPayKeyFile
    {
        guard let (path, fromCredentials) = location(configuredPath: configuredPath, environment: environment) else {
            throw DaemonError(
                .keyFileMissing,
                "no QFPay key: set gateway.key_file, or LoadCredential=qfpay-key:... in the service unit")
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw DaemonError(.keyFileMissing, "cannot open the QFPay key file \(path): \(reason)")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw DaemonError(.keyFileInvalid, "the QFPay key file \(path) is not a regular file")
        }
        // systemd's credentials directory is private to the service already; a configured
        // file must be protected by its own mode.
        if !fromCredentials, status.st_mode & 0o077 != 0 {
            let mode = String(status.st_mode & 0o777, radix: 8)
            throw DaemonError(
                .keyFileInsecure,
                "the QFPay key file \(path) has mode 0\(mode); it must be 0600 or 0400 (chmod 600 \(path))")
        }
        guard status.st_size <= 4096 else {
            throw DaemonError(.keyFileInvalid, "the QFPay key file \(path) is too large to be a key")
        }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size) + 1)
        let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count >= 0 else {
            throw DaemonError(.keyFileInvalid, "cannot read the QFPay key file \(path)")
        }
        guard let text = String(validating: bytes[0..<count], as: UTF8.self) else {
            throw DaemonError(.keyFileInvalid, "the QFPay key file \(path) is not text")
        }
        let key = text.trimmingWhitespace()
        guard !key.isEmpty, !key.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw DaemonError(
                .keyFileInvalid, "the QFPay key file \(path) must hold the key alone, on one line")
        }
        return QFPayKeyFile(path: path, key: key)
    }

    public var description: String { "QFPayKeyFile(\(path), key: ••••)" }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return String(slice)
    }
}
