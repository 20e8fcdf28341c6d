import QFPay

/// How a customer's code is kept: masked for people, salted-hashed for matching, never whole.
enum AuthCode {
    /// `1346••••••••4254`: the first and last four digits.
    static func masked(_ code: String) -> String {
        let characters = Array(code)
        guard characters.count > 8 else { return String(repeating: "•", count: characters.count) }
        return String(characters.prefix(4)) + String(repeating: "•", count: characters.count - 8)
            + String(characters.suffix(4))
    }

    /// SHA-256 of the order number and the code: ties a code to its sale without keeping it.
    static func hash(_ code: String, outTradeNo: String) -> String {
        DigestAlgorithm.sha256.hexDigest(Array("\(outTradeNo):\(code)".utf8))
    }
}
