import FuzzSupport

@testable import QFPay

/// QFPay's answers: the signature check of a body (MD5 and SHA-256 `X-QF-SIGN`, right, wrong and
/// of another case), the unsigned-rejection rule, and every response type's parser on the body.
/// A body never verifies under a signature that is not its own.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQFPayResponse(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    let key = "615ED178BA524459976CE40FAB78000F"
    for algorithm in DigestAlgorithm.allCases {
        let signer = Signer(key: key, algorithm: algorithm)
        let signature = signer.bodySignature(body)
        precondition(signer.verifies(body: body, signature: signature))
        precondition(signer.verifies(body: body, signature: signature.lowercased()))
        precondition(!signer.verifies(body: body, signature: nil))
        let forged = String(signature.dropLast()) + (signature.last == "0" ? "1" : "0")
        precondition(!signer.verifies(body: body, signature: forged))
        // A signature the input spells (its first bytes as text) verifies only if it is the digest.
        let spelled = String(decoding: body.prefix(signature.utf8.count), as: UTF8.self)
        if signer.verifies(body: body, signature: spelled) { precondition(spelled.uppercased() == signature) }
    }
    for status in [200, 400, 429, 503] {
        _ = QFPayClient.unsignedRejection(
            HTTPAnswer(status: status, headers: [:], body: body), path: "/trade/v1/payment")
    }
    _ = try? PaymentResponse(body: body)
    _ = try? QueryResponse(body: body)
    _ = try? RefundResponse(body: body)
    _ = try? CloseResponse(body: body)
    _ = try? TradeBill(body: body, signatureVerified: true)
    return 0
}

runLibFuzzer(fuzzQFPayResponse)
