import FuzzSupport

@testable import Devices

/// Serial scanners: `SerialFrameDecoder` on a byte stream, with the terminator the first byte
/// picks (none, CR, LF, CR LF, TAB, ETX) and a 64-byte capacity, fed in chunks; memory must stay
/// bounded and every frame must be within the capacity.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSerialFrame(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 1 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let terminators: [[UInt8]] = [[], [13], [10], [13, 10], [9], [3]]
    let terminator = terminators[Int(bytes[0]) % terminators.count]
    let chunk = Int(bytes[1] % 16) + 1
    let capacity = 64
    var decoder = SerialFrameDecoder(terminator: terminator, capacity: capacity)
    var offset = 2
    while offset < bytes.count {
        let end = min(bytes.count, offset + chunk)
        decoder.feed(bytes[offset..<end]) { output in
            if case .frame(let frame) = output { precondition(frame.count <= capacity) }
        }
        precondition(decoder.bufferedByteCount <= capacity + terminator.count)
        offset = end
    }
    if let last = decoder.flush(), case .frame(let frame) = last { precondition(frame.count <= capacity) }
    precondition(!decoder.hasPendingBytes)
    return 0
}

runLibFuzzer(fuzzSerialFrame)
