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

    /// HMAC of `message` under `key` (RFC 2104) over this digest, built from the same libcrypto
    /// digest functions (64-byte blocks for MD5 and SHA-256) rather than EVP's `HMAC()`.
    public func hmac(key: [UInt8], _ message: some Collection<UInt8>) -> [UInt8] {
        let blockSize = 64
        var block = key.count > blockSize ? digest(key) : key
        block += [UInt8](repeating: 0, count: blockSize - block.count)
        let inner = digest(block.map { $0 ^ 0x36 } + Array(message))
        return digest(block.map { $0 ^ 0x5C } + inner)
    }

    /// Upper-case hexadecimal HMAC of `message` under `key`.
    public func hexHMAC(key: [UInt8], _ message: some Collection<UInt8>) -> String {
        Self.hex(hmac(key: key, message))
    }

    private static func hex(_ bytes: [UInt8]) -> String {
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
