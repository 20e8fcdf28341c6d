import Devices
import FuzzSupport

/// Printers' answers: `PrinterStatusParser` on whatever comes back from a printer, with the
/// requests outstanding (`DLE EOT 1–4`, `GS r 1`) that the first byte picks, so that DLE EOT
/// answers, Automatic Status Back blocks and `GS r` answers all occur.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPrinterStatus(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var parser = PrinterStatusParser()
    let plan = bytes[0]
    for request in 1...4 where plan & (1 << (request - 1)) != 0 { parser.expectRealtime(request) }
    if plan & 0x10 != 0 { parser.expectPaperSensor() }
    var offset = 1
    while offset < bytes.count {
        let end = min(bytes.count, offset + Int(plan >> 5) + 1)
        let answers = parser.feed(bytes[offset..<end])
        precondition(answers.count <= end - offset)
        offset = end
        if plan & 0x80 != 0, offset % 7 == 0 { parser.forgetOutstanding() }
    }
    precondition(parser.outstandingRealtime >= 0 && parser.outstandingPaperSensor >= 0)
    _ = parser.status
    return 0
}

runLibFuzzer(fuzzPrinterStatus)
