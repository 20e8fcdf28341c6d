/// QFPay request and response signatures (specification: "interface parameter signature").
///
/// Requests: parameters sorted by name, `name=value` joined with `&` on the raw UTF-8 values
/// (never URL-encoded), the key appended, digested, upper-case hex. Responses and notifications:
/// digest of the raw body bytes followed by the key. Empty values are left out of the signature
/// as they are left out of the body.
public struct Signer: Sendable {
    private let key: [UInt8]
    public let algorithm: DigestAlgorithm

    public init(key: String, algorithm: DigestAlgorithm = .md5) {
        self.key = Array(key.utf8)
        self.algorithm = algorithm
    }

    /// The string that is digested for a request, without the key. Sorting is by the UTF-8
    /// bytes of the names, as Python's `sorted` does on byte strings in the specification's sample.
    public static func canonicalString(_ parameters: [String: String]) -> String {
        parameters
            .filter { !$0.value.isEmpty }
            .sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            .map { "\($0.key)=\($0.value)" }
            .joined(separator: "&")
    }

    /// `X-QF-SIGN` for a request with these parameters.
    public func requestSignature(_ parameters: [String: String]) -> String {
        algorithm.hexDigest(Array(Self.canonicalString(parameters).utf8) + key)
    }

    /// `X-QF-SIGN` for a response or notification body.
    public func bodySignature(_ body: some Collection<UInt8>) -> String {
        algorithm.hexDigest(Array(body) + key)
    }

    /// Whether `signature` is the body's signature, compared in constant time and case-insensitively.
    /// A missing signature never verifies.
    public func verifies(body: some Collection<UInt8>, signature: String?) -> Bool {
        guard let signature else { return false }
        return Self.constantTimeEquals(Array(bodySignature(body).utf8), Array(signature.uppercased().utf8))
    }

    /// Whether `signature` is the request signature of `parameters`, in constant time.
    public func verifies(parameters: [String: String], signature: String?) -> Bool {
        guard let signature else { return false }
        return Self.constantTimeEquals(
            Array(requestSignature(parameters).utf8),
            Array(signature.uppercased().utf8)
        )
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

extension Signer: CustomStringConvertible {
    /// Never shows the key.
    public var description: String { "Signer(\(algorithm.rawValue), key: ••••)" }
}
