import COpenSSL

/// The digest algorithms QFPay signs with, computed by OpenSSL's libcrypto.
public enum DigestAlgorithm: String, Sendable, CaseIterable {
    case md5 = "MD5"
    case sha256 = "SHA256"

    /// Digest of `bytes`, by libcrypto's `MD5_*` or `SHA256_*` functions (not EVP: see COpenSSL/shim.h).
    public func digest(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        switch self {
        case .md5:
            var output = [UInt8](repeating: 0, count: Int(MD5_DIGEST_LENGTH))
            var context = MD5_CTX()
            let ok = input.withUnsafeBytes { input in
                MD5_Init(&context) == 1 && MD5_Update(&context, input.baseAddress, input.count) == 1
                    && MD5_Final(&output, &context) == 1
            }
            precondition(ok, "MD5 failed: libcrypto is unusable")
            return output
        case .sha256:
            var output = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
            var context = SHA256_CTX()
            let ok = input.withUnsafeBytes { input in
                SHA256_Init(&context) == 1 && SHA256_Update(&context, input.baseAddress, input.count) == 1
                    && SHA256_Final(&output, &context) == 1
            }
            precondition(ok, "SHA-256 failed: libcrypto is unusable")
            return output
        }
    }

    /// Upper-case hexadecimal digest, the form QFPay puts in `X-QF-SIGN`.
    public func hexDigest(_ bytes: some Collection<UInt8>) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in digest(bytes) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
