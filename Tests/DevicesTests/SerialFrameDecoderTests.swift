import Testing

@testable import Devices

@Suite struct SerialFrameDecoderTests {
    func feed(_ decoder: inout SerialFrameDecoder, _ bytes: [UInt8]) -> [SerialFrameDecoder.Output] {
        var outputs = [SerialFrameDecoder.Output]()
        decoder.feed(bytes) { outputs.append($0) }
        return outputs
    }

    @Test func aTwoByteTerminatorSplitAcrossFeedsEndsTheFrame() {
        var decoder = SerialFrameDecoder(terminator: [0x0D, 0x0A], capacity: 64)
        #expect(feed(&decoder, Array("1234\r".utf8)).isEmpty)
        #expect(feed(&decoder, [0x0A]) == [.frame(Array("1234".utf8)[...])])
        #expect(!decoder.hasPendingBytes)
    }

    @Test func memoryStaysBoundedDuringAFloodAndTheNextFrameIsWhole() {
        var decoder = SerialFrameDecoder(terminator: [0x0D], capacity: 100)
        for _ in 0..<1024 {
            #expect(feed(&decoder, [UInt8](repeating: 0x41, count: 1024)).isEmpty)
            #expect(decoder.bufferedByteCount <= 101)
        }
        #expect(feed(&decoder, Array("\r42\r".utf8)) == [.overlong(1 << 20), .frame(Array("42".utf8)[...])])
    }

    @Test func flushReportsPartialBytesWithATerminatorAndAFrameWithout() {
        var withTerminator = SerialFrameDecoder(terminator: [0x0D], capacity: 64)
        _ = feed(&withTerminator, Array("123".utf8))
        #expect(withTerminator.flush() == .partial(3))
        #expect(withTerminator.flush() == nil)
        var silenceFramed = SerialFrameDecoder(terminator: [], capacity: 64)
        _ = feed(&silenceFramed, Array("123".utf8))
        #expect(silenceFramed.flush() == .frame(Array("123".utf8)[...]))
    }

    @Test func anOverlongRunWithoutTerminatorIsReportedOnFlush() {
        var decoder = SerialFrameDecoder(terminator: [], capacity: 8)
        _ = feed(&decoder, [UInt8](repeating: 0x31, count: 20))
        #expect(decoder.bufferedByteCount == 0)
        #expect(decoder.flush() == .overlong(20))
    }
}
