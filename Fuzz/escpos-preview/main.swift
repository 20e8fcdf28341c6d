import ESCPOS
import FuzzSupport

/// Receipt previews: `PreviewDecoder` on any ESC/POS byte stream (what `qfposctl receipt
/// --preview` and the demo decode), at the width of 58 mm or 80 mm paper, as the first byte says.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzESCPOSPreview(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    _ = PreviewDecoder(columns: first & 1 == 0 ? 48 : 32).decode(Array(bytes.dropFirst()))
    return 0
}

runLibFuzzer(fuzzESCPOSPreview)
