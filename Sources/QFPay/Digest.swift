import COpenSSL

/// The digest algorithms QFPay signs with, computed by OpenSSL's libcrypto.
public enum DigestAlgorithm: String, Sendable, CaseIterable {
    case md5 = "MD5"
    case sha256 = "SHA256"

    /// Digest of `bytes`, by libcrypto's `MD5_*` or `SHA256_*` functions (not EVP: see COpenSSL/shim.h).
    public func digest(_ bytes: some Collection<UInt8>) -> [UInt8] {
        switch self {
        case .md5: Self.compute(Array(bytes), MD5_CTX(), Int(MD5_DIGEST_LENGTH), MD5_Init, MD5_Update, MD5_Final)
        case .sha256:
            Self.compute(
                Array(bytes), SHA256_CTX(), Int(SHA256_DIGEST_LENGTH), SHA256_Init, SHA256_Update, SHA256_Final)
        }
    }

    /// One digest with libcrypto's init/update/final triple for `Context`.
    private static func compute<Context>(
        _ input: [UInt8], _ context: Context, _ length: Int,
        _ start: (UnsafeMutablePointer<Context>?) -> Int32,
        _ update: (UnsafeMutablePointer<Context>?, UnsafeRawPointer?, Int) -> Int32,
        _ finish: (UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Context>?) -> Int32
    ) -> [UInt8] {
        var context = context
        var output = [UInt8](repeating: 0, count: length)
        let ok = input.withUnsafeBytes { input in
            start(&context) == 1 && update(&context, input.baseAddress, input.count) == 1
                && finish(&output, &context) == 1
        }
        precondition(ok, "digest failed: libcrypto is unusable")
        return output
    }

    /// Upper-case hexadecimal digest, the form QFPay puts in `X-QF-SIGN`.
    public func hexDigest(_ bytes: some Collection<UInt8>) -> String {
        Self.hex(digest(bytes))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// HMAC-SHA256 (RFC 2104) on libcrypto's `SHA256_*` functions, like the signatures, rather than
/// EVP's `HMAC()`, which loads OpenSSL 3's provider machinery into a daemon that needs none of it
/// otherwise. The key's padded blocks are hashed once: each short message then costs two SHA-256
/// compressions, which is what PBKDF2 needs (the status page's password hash). The scanned-code
/// hash uses it too.
public struct HMACSHA256: Sendable {
    private let inner: SHA256_CTX
    private let outer: SHA256_CTX

    public init(key: [UInt8]) {
        var key = key.count > 64 ? DigestAlgorithm.sha256.digest(key) : key
        key += [UInt8](repeating: 0, count: 64 - key.count)
        func started(_ pad: UInt8) -> SHA256_CTX {
            var context = SHA256_CTX()
            let block = key.map { $0 ^ pad }
            let ok =
                SHA256_Init(&context) == 1 && block.withUnsafeBytes { SHA256_Update(&context, $0.baseAddress, 64) } == 1
            precondition(ok, "digest failed: libcrypto is unusable")
            return context
        }
        inner = started(0x36)
        outer = started(0x5C)
    }

    /// The 32-byte authentication code of `message`.
    public func code(_ message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var context = inner
        var ok = message.withUnsafeBytes { SHA256_Update(&context, $0.baseAddress, $0.count) } == 1
        ok = ok && SHA256_Final(&output, &context) == 1
        context = outer
        ok = ok && output.withUnsafeBytes { SHA256_Update(&context, $0.baseAddress, 32) } == 1
        ok = ok && SHA256_Final(&output, &context) == 1
        precondition(ok, "digest failed: libcrypto is unusable")
        return output
    }

    /// Upper-case hexadecimal code of `message`.
    public func hexCode(_ message: [UInt8]) -> String { DigestAlgorithm.hex(code(message)) }
}
