import QFPay

/// The status page's password, as the configuration stores it: PBKDF2-HMAC-SHA256 (RFC 8018)
/// with a salt, in the form `pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>`. Python's
/// `hashlib.pbkdf2_hmac("sha256", ...)` makes the same hash (docs/monitoring.md shows the line).
/// HMAC-SHA256 is libcrypto's SHA-256, through the QFPay module's one OpenSSL wrapper.
public struct PasswordHash: Sendable, Hashable {
    public let iterations: Int
    public let salt: [UInt8]
    public let hash: [UInt8]

    /// Parses the configured form.
    /// - Throws: a message naming what is wrong.
    public init(parsing text: String) throws(WebError) {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "pbkdf2-sha256" else {
            throw WebError(
                .invalidConfiguration, "the password hash must read pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>")
        }
        guard let iterations = Int(parts[1]), (1000...10_000_000).contains(iterations) else {
            throw WebError(.invalidConfiguration, "the password hash's iterations must be 1000 to 10000000")
        }
        guard let salt = Self.bytes(hex: parts[2]), salt.count >= 8, let hash = Self.bytes(hex: parts[3]),
            hash.count == 32
        else {
            throw WebError(
                .invalidConfiguration, "the password hash needs a salt of 8 bytes or more and a 32-byte hash, in hex")
        }
        self.iterations = iterations
        self.salt = salt
        self.hash = hash
    }

    /// Whether `password` is the one hashed (compared in constant time).
    public func verifies(_ password: String) -> Bool {
        let derived = Self.pbkdf2(password: Array(password.utf8), salt: salt, iterations: iterations)
        return Self.constantTimeEqual(derived, hash)
    }

    /// PBKDF2-HMAC-SHA256, one 32-byte block.
    static func pbkdf2(password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        let hmac = HMACSHA256(key: password)
        var block = hmac.code(salt + [0, 0, 0, 1])
        var result = block
        for _ in 1..<max(1, iterations) {
            block = hmac.code(block)
            for index in result.indices { result[index] ^= block[index] }
        }
        return result
    }

    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    static func bytes(hex: Substring) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
