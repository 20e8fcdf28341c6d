import QFPay

/// Ties a scanned code to its sale without keeping the code: an HMAC-SHA-256 of the sale's order
/// number and the code, keyed with the install's secret (``ScannedCodeKey``). The code itself is
/// only ever held in memory until its payment request is sent.
///
/// An unkeyed digest would not do: a WeChat code is 18 digits of which the first 2 and some
/// others are fixed, about 10¹⁰ candidates, which a GPU tries in seconds against a copied journal.
/// Without the key, which stays in its own 0600 file, the journal's hashes tell nothing.
///
/// Journals written before the key existed hold the unkeyed SHA-256 (64 hex digits, no prefix):
/// they are still compared that way, so that those journals open and their sales keep their
/// order-conflict check. The journal is append-only, so those rows are not rewritten.
struct ScannedCodeHash: Sendable {
    /// Marks a keyed hash in the journal.
    static let keyedPrefix = "hmac-sha256:"

    private let key: ScannedCodeKey

    init(key: ScannedCodeKey) {
        self.key = key
    }

    /// The hash journaled with a `scanned` entry.
    func make(_ code: String, outTradeNo: String) -> String {
        Self.keyedPrefix + HMACSHA256(key: key.bytes).hexCode(Self.message(code, outTradeNo))
    }

    /// Whether `stored` (keyed, or unkeyed from an older journal) is the hash of `code` for the
    /// sale with `outTradeNo`; compared in constant time.
    func matches(_ stored: String, code: String, outTradeNo: String) -> Bool {
        let expected =
            stored.hasPrefix(Self.keyedPrefix)
            ? make(code, outTradeNo: outTradeNo)
            : DigestAlgorithm.sha256.hexDigest(Self.message(code, outTradeNo))
        let left = Array(expected.utf8)
        let right = Array(stored.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func message(_ code: String, _ outTradeNo: String) -> [UInt8] {
        Array("\(outTradeNo):\(code)".utf8)
    }
}
