import FuzzSupport

@testable import Payments

/// QFPay's trade bill: `TradeBillReader` on a downloaded archive (zip directory, inflate, CRC)
/// and on the bill's text itself (charset, CSV, amounts), so that both layers are reached.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTradeBill(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? TradeBillReader.rows(zip: bytes)
    _ = try? TradeBillReader.rows(text: bytes)
    return 0
}

runLibFuzzer(fuzzTradeBill)
