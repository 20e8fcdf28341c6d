import COpenSSL

/// The digest algorithms QFPay signs with, computed by OpenSSL's libcrypto.
public enum DigestAlgorithm: String, Sendable, CaseIterable {
    case md5 = "MD5"
    case sha256 = "SHA256"

    /// Digest of `bytes`. Wraps `EVP_Digest` with `EVP_md5` or `EVP_sha256`.
    public func digest(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let md = self == .md5 ? EVP_md5() : EVP_sha256()
        let ok = Array(bytes).withUnsafeBytes { input in
            output.withUnsafeMutableBufferPointer { out in
                EVP_Digest(input.baseAddress, input.count, out.baseAddress, &length, md, nil)
            }
        }
        precondition(ok == 1, "EVP_Digest failed: libcrypto is unusable")
        return Array(output.prefix(Int(length)))
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
