import COpenSSL

extension DigestAlgorithm {
    /// The libcrypto this process loaded, as it names itself ("OpenSSL 3.0.17 1 Jul 2025"): Debian's
    /// shared library, so that `apt upgrade` changes it. Wraps `OpenSSL_version(OPENSSL_VERSION)`.
    public static var libraryVersion: String { String(cString: OpenSSL_version(OPENSSL_VERSION)) }
}
