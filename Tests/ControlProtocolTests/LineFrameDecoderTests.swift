import ControlProtocol
import Glibc
import NIOCore
import NIOPosix
import TestSupport
import Testing

/// Feeds bytes through a real socket pair into a NIO channel running `LineFrameDecoder`, so the
/// decoder sees the reads the kernel really delivers.
private final class FrameHarness: Sendable {
    let writer: Int32
    let channel: any Channel
    let frames: AsyncStream<LineFrame>

    init(maximumLineLength: Int = LineFrameDecoder.defaultMaximumLineLength) async throws {
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else {
            throw TestFailure("socketpair failed")
        }
        let (frames, continuation) = AsyncStream<LineFrame>.makeStream()
        self.frames = frames
        self.writer = pair[1]
        self.channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(LineFrameDecoder(maximumLineLength: maximumLineLength)))
                    try channel.pipeline.syncOperations.addHandler(Collector(continuation: continuation))
                }
            }
            .withConnectedSocket(pair[0])
            .get()
    }

    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(writer, $0.baseAddress, $0.count) }
            if n > 0 { offset += n } else if errno != EINTR && errno != EAGAIN { return }
        }
    }

    func write(_ text: String) { write(Array(text.utf8)) }

    /// Ends the stream (EOF) and returns every frame decoded.
    func finish() async throws -> [LineFrame] {
        shutdown(writer, Int32(SHUT_WR))
        var collected: [LineFrame] = []
        for await frame in frames { collected.append(frame) }
        close(writer)
        return collected
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = LineFrame
        let continuation: AsyncStream<LineFrame>.Continuation
        init(continuation: AsyncStream<LineFrame>.Continuation) { self.continuation = continuation }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            continuation.yield(unwrapInboundIn(data))
        }
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is ChannelEvent { context.close(promise: nil) }
        }
        func channelInactive(context: ChannelHandlerContext) { continuation.finish() }
    }
}

private struct TestFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

private func texts(_ frames: [LineFrame]) -> [String] {
    frames.map { frame in
        switch frame {
        case .line(let buffer): String(buffer: buffer)
        case .overlong(let count): "<overlong \(count)>"
        }
    }
}

@Suite struct LineFrameDecoderTests {
    @Test func aLineWrittenOneByteAtATimeArrivesWhole() async throws {
        let harness = try await FrameHarness()
        await offPool { for byte in Array("{\"a\":1}\n".utf8) { harness.write([byte]) } }
        #expect(texts(try await harness.finish()) == ["{\"a\":1}"])
    }

    @Test func severalLinesInOneWriteArriveSeparately() async throws {
        let harness = try await FrameHarness()
        harness.write("one\ntwo\r\nthree\n")
        #expect(texts(try await harness.finish()) == ["one", "two", "three"])
    }

    @Test func aLastLineWithoutNewlineCountsAtEndOfStream() async throws {
        let harness = try await FrameHarness()
        harness.write("first\nlast")
        #expect(texts(try await harness.finish()) == ["first", "last"])
    }

    @Test func aLineOfExactlyTheLimitIsKept() async throws {
        let harness = try await FrameHarness(maximumLineLength: 1024)
        harness.write(String(repeating: "x", count: 1024) + "\n")
        #expect(texts(try await harness.finish()) == [String(repeating: "x", count: 1024)])
    }

    @Test func aLineOverTheLimitBecomesOneOverlongFrameAndTheNextLineIsIntact() async throws {
        let harness = try await FrameHarness(maximumLineLength: 1024)
        harness.write("before\n" + String(repeating: "y", count: 1025) + "\nafter\n")
        #expect(texts(try await harness.finish()) == ["before", "<overlong 1025>", "after"])
    }

    @Test func aTenMegabyteLineIsDroppedAsItComesAndCountedOnce() async throws {
        let harness = try await FrameHarness()
        let chunk = [UInt8](repeating: UInt8(ascii: "z"), count: 1 << 20)
        let writer = Task {
            await offPool {
                for _ in 0..<10 { harness.write(chunk) }
                harness.write("\n{\"ok\":true}\n")
            }
        }
        var collected: [LineFrame] = []
        var iterator = harness.frames.makeAsyncIterator()
        while collected.count < 2, let frame = await iterator.next() { collected.append(frame) }
        await writer.value
        #expect(texts(collected) == ["<overlong \(10 << 20)>", "{\"ok\":true}"])
        _ = try await harness.finish()
    }

    @Test func anOverlongLineCutByEndOfStreamIsStillReported() async throws {
        let harness = try await FrameHarness(maximumLineLength: 16)
        harness.write(String(repeating: "q", count: 40))
        #expect(texts(try await harness.finish()) == ["<overlong 40>"])
    }
}
