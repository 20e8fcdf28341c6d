import ESCPOS
import FuzzSupport

/// Receipt previews: `PreviewDecoder` on any ESC/POS byte stream (what `qfposctl receipt
/// --preview` and the demo decode), at the widths of 58 mm and 80 mm paper.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzESCPOSPreview(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for columns in [32, 48] { _ = PreviewDecoder(columns: columns).decode(bytes) }
    return 0
}

runLibFuzzer(fuzzESCPOSPreview)
