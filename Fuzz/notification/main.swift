import FuzzSupport
import QFPay

/// QFPay's asynchronous notifications: `QFPayNotification.parse` on a body signed with the
/// merchant's key (so that the parser past the signature check is reached) and on the same body
/// under a wrong signature, which must always be refused.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNotification(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    let key = "615ED178BA524459976CE40FAB78000F"
    let signature = Signer(key: key).bodySignature(body)
    _ = try? QFPayNotification.parse(body: body, signature: signature, key: Secret(key))
    _ = try? QFPayNotification(verifiedBody: body)
    let wrong = String(signature.reversed())
    if wrong != signature {
        precondition((try? QFPayNotification.parse(body: body, signature: wrong, key: Secret(key))) == nil)
    }
    precondition((try? QFPayNotification.parse(body: body, signature: nil, key: Secret(key))) == nil)
    return 0
}

runLibFuzzer(fuzzNotification)
