import NIOCore

/// One frame cut from a client's byte stream.
public enum LineFrame: Sendable, Hashable {
    /// A complete line, without `\n` (and without a `\r` before it).
    case line(ByteBuffer)
    /// A line longer than the limit; its bytes were dropped as they came, never buffered whole.
    case overlong(byteCount: Int)
}

/// Cuts the byte stream into lines ending in `\n`. A line longer than `maximumLineLength` is not
/// kept: its bytes are dropped as they arrive until the next newline, and one ``LineFrame/overlong(byteCount:)``
/// is emitted for it, so memory per connection stays bounded whatever a client sends and the
/// connection goes on with the next line. A last line without newline at end of stream counts.
public struct LineFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = LineFrame

    /// The protocol's limit: 64 KiB per line, newline excluded.
    public static let defaultMaximumLineLength = 64 * 1024

    /// The longest line kept, newline excluded.
    public let maximumLineLength: Int
    /// Bytes of an overlong line dropped so far, or `nil` when not inside one.
    private var discarded: Int?
    /// Readable bytes already searched for a newline, so a slowly arriving line is scanned once.
    private var scanned = 0

    public init(maximumLineLength: Int = LineFrameDecoder.defaultMaximumLineLength) {
        precondition(maximumLineLength > 0)
        self.maximumLineLength = maximumLineLength
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        // The handler may hand a different (e.g. empty, at end of stream) buffer than last time.
        let from = view.index(view.startIndex, offsetBy: min(scanned, view.count))
        guard let newline = view[from...].firstIndex(of: UInt8(ascii: "\n")) else {
            if let alreadyDropped = discarded {
                discarded = alreadyDropped + buffer.readableBytes
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                scanned = 0
            } else if buffer.readableBytes > maximumLineLength {
                discarded = buffer.readableBytes
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                scanned = 0
            } else {
                scanned = buffer.readableBytes
            }
            return .needMoreData
        }
        scanned = 0
        let length = newline - view.startIndex
        if let alreadyDropped = discarded {
            discarded = nil
            buffer.moveReaderIndex(forwardBy: length + 1)
            context.fireChannelRead(wrapInboundOut(.overlong(byteCount: alreadyDropped + length)))
        } else if length > maximumLineLength {
            buffer.moveReaderIndex(forwardBy: length + 1)
            context.fireChannelRead(wrapInboundOut(.overlong(byteCount: length)))
        } else {
            var line = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            if line.readableBytesView.last == UInt8(ascii: "\r") {
                line.moveWriterIndex(to: line.writerIndex - 1)
            }
            context.fireChannelRead(wrapInboundOut(.line(line)))
        }
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if let alreadyDropped = discarded {
            discarded = nil
            context.fireChannelRead(wrapInboundOut(.overlong(byteCount: alreadyDropped + buffer.readableBytes)))
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        } else if buffer.readableBytes > 0 {
            var line = buffer.readSlice(length: buffer.readableBytes)!
            if line.readableBytesView.last == UInt8(ascii: "\r") {
                line.moveWriterIndex(to: line.writerIndex - 1)
            }
            context.fireChannelRead(wrapInboundOut(.line(line)))
        }
        scanned = 0
        return .needMoreData
    }
}
