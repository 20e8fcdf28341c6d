import FuzzSupport

@testable import Devices

/// HID POS scanners: `HIDPOSReportDecoder` on raw hidraw reports (the input's bytes, fed in
/// chunks the first byte picks); every code it emits stays within its capacity.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHIDPOS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let chunk = Int(bytes[0] % 80) + 1
    var decoder = HIDPOSReportDecoder(capacity: 128)
    var offset = 1
    while offset < bytes.count {
        let end = min(bytes.count, offset + chunk)
        decoder.feed(bytes[offset..<end]) { output in
            if case .code(let code, _) = output { precondition(code.count <= 128) }
        }
        offset = end
    }
    return 0
}

runLibFuzzer(fuzzHIDPOS)
