import ControlProtocol
import FuzzSupport
import NIOCore
import NIOEmbedded

/// Control protocol: the daemon's line framing (`LineFrameDecoder` in a real NIO pipeline) and
/// JSON-RPC decoding (`InboundLine.parse`) of whatever a client sends, in chunks the input picks.
/// The first byte sets the chunk size (1 to 512 bytes); lines are capped at 256 bytes so that
/// overlong lines occur.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzControl(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let chunk = 1 << Int(bytes[0] % 10)
    let maximum = 256
    let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maximumLineLength: maximum)))
    var offset = 1
    while offset < bytes.count {
        let end = min(bytes.count, offset + chunk)
        var buffer = channel.allocator.buffer(capacity: end - offset)
        buffer.writeBytes(bytes[offset..<end])
        _ = try? channel.writeInbound(buffer)
        offset = end
        drain(channel, maximum: maximum)
    }
    _ = try? channel.finish()
    drain(channel, maximum: maximum)
    return 0
}

private func drain(_ channel: EmbeddedChannel, maximum: Int) {
    while let frame = try? channel.readInbound(as: LineFrame.self) {
        guard case .line(let line) = frame else { continue }
        precondition(line.readableBytes <= maximum, "a line over the limit was kept")
        precondition(!line.readableBytesView.contains(UInt8(ascii: "\n")), "a frame holds a newline")
        // Every line gets an answer that encodes as one line of JSON.
        switch InboundLine.parse(line.readableBytesView) {
        case .rejected(let response): check(response.encodedLine())
        case .request(let request):
            check(Response.error(.methodNotFound(request.method), id: request.id ?? .null).encodedLine())
        case .batch(let elements):
            for case .rejected(let response) in elements { check(response.encodedLine()) }
        }
    }
}

private func check(_ line: [UInt8]) {
    precondition(line.last == UInt8(ascii: "\n") && line.dropLast().firstIndex(of: UInt8(ascii: "\n")) == nil)
}

runLibFuzzer(fuzzControl)
