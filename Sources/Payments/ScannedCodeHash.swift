import QFPay

/// Ties a scanned code to its sale without keeping the code: SHA-256 of the sale's order number
/// and the code. The code itself is only ever held in memory until its payment request is sent.
enum ScannedCodeHash {
    static func make(_ code: String, outTradeNo: String) -> String {
        DigestAlgorithm.sha256.hexDigest(Array("\(outTradeNo):\(code)".utf8))
    }
}
