#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A secret text, such as the QFPay key. Its description, debug description and reflection never
/// show the value, so that it cannot leak through logs, errors or `dump`.
public struct Secret: Sendable, Hashable {
    /// The secret value. Internal: only the signer reads it.
    let value: String

    /// Wraps `value`.
    public init(_ value: String) { self.value = value }

    /// Whether the secret is empty.
    public var isEmpty: Bool { value.isEmpty }

    /// Reads a secret from a file that only its owner can read: a key file that group or others
    /// can read is refused with a clear error. Surrounding white space (a final newline) is removed.
    public static func load(fromFile path: String) throws(QFPayError) -> Secret {
        try checkOwnerOnly(path: path, field: "key_file")
        guard let file = fopen(path, "r") else {
            throw QFPayError(
                .invalidConfiguration, "cannot open the key file \(path): \(Self.errnoText())", field: "key_file")
        }
        defer { fclose(file) }
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer.prefix(count)
            if bytes.count > 65536 {
                throw QFPayError(
                    .invalidConfiguration, "the key file \(path) is too large to be a key", field: "key_file")
            }
        }
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        guard !text.isEmpty else {
            throw QFPayError(.invalidConfiguration, "the key file \(path) is empty", field: "key_file")
        }
        return Secret(text)
    }

    /// Checks that the file at `path` exists and that neither group nor others may read or write it.
    public static func checkOwnerOnly(path: String, field: String) throws(QFPayError) {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw QFPayError(.invalidConfiguration, "cannot read \(path): \(Self.errnoText())", field: field)
        }
        guard status.st_mode & 0o077 == 0 else {
            let mode = String(status.st_mode & 0o777, radix: 8)
            throw QFPayError(
                .insecureKeyFile,
                "\(path) holds the key but is readable by group or others (mode \(mode)); run `chmod 600 \(path)`",
                field: field
            )
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

extension Secret: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Never shows the value.
    public var description: String { "••••" }
    /// Never shows the value.
    public var debugDescription: String { "Secret(••••)" }
    /// Never shows the value.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
