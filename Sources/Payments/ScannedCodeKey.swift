import Glibc

/// The install's secret for ``ScannedCodeHash``: 32 random bytes in a file of its own beside the
/// journal (`<journal>.code-key`), mode 0600, so that a copy of the journal (a backup, a support
/// bundle) does not carry it. `make install` creates it; a journal opened without one (first start,
/// tests) creates it, with `O_EXCL`, so that two processes never make two keys.
public struct ScannedCodeKey: Sendable {
    let bytes: [UInt8]

    /// Where the key of the journal at `journalPath` lives.
    public static func path(forJournal journalPath: String) -> String { journalPath + ".code-key" }

    /// The key's length in bytes.
    static let length = 32

    /// Reads the key at `path`, creating it when there is none.
    /// - Throws: ``PaymentsError`` (`journalUnavailable`) when the file is readable by others,
    ///   not a regular file, of the wrong length, or cannot be made.
    public static func loadOrCreate(path: String) throws -> ScannedCodeKey {
        if let key = try load(path: path) { return key }
        // The system generator is the kernel's (getrandom(2)): cryptographically secure.
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            // Another process made it first: use that one.
            if errno == EEXIST, let key = try load(path: path) { return key }
            throw failure("cannot create the scanned-code key \(path)")
        }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == length, synced else {
            unlink(path)
            throw failure("cannot write the scanned-code key \(path)")
        }
        return ScannedCodeKey(bytes: bytes)
    }

    /// The key at `path`, or nil when there is no file.
    private static func load(path: String) throws -> ScannedCodeKey? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw failure("cannot open the scanned-code key \(path)")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw PaymentsError(.journalUnavailable, "the scanned-code key \(path) is not a regular file")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw PaymentsError(
                .journalUnavailable,
                "the scanned-code key \(path) has mode 0\(String(status.st_mode & 0o777, radix: 8)); "
                    + "it must be 0600 or 0400 (chmod 600 \(path))")
        }
        var bytes = [UInt8](repeating: 0, count: length + 1)
        let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count == length else {
            throw PaymentsError(
                .journalUnavailable, "the scanned-code key \(path) is not \(length) bytes; restore it or remove it")
        }
        return ScannedCodeKey(bytes: Array(bytes[0..<length]))
    }

    private static func failure(_ message: String) -> PaymentsError {
        PaymentsError(.journalUnavailable, "\(message): \(String(cString: strerror(errno)))")
    }
}
