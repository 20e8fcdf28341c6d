import CLinuxShims
import Dispatch
import Glibc

/// Reads a file descriptor with a Dispatch read source on a serial queue: no polling, and no
/// blocking call on Swift's cooperative pool. Closes the descriptor when cancelled.
///
/// The source watches an epoll descriptor of the reader's own (`CLinuxShims_readiness_create`),
/// not the device: libdispatch's handling of a device's EPOLLHUP can touch freed memory when the
/// source is cancelled at the same moment (the manager thread crashed as a scanner's pty hung
/// up, in 2 of 7 test runs on a loaded machine). The hang-up reaches the reader as readability,
/// and its read ends it.
///
/// Confinement: `onBytes` and `onEnd` run on `queue`; `cancel()` may be called from anywhere.
final class DescriptorReader: @unchecked Sendable {
    private let descriptor: Int32
    private let source: any DispatchSourceRead
    private let buffer: UnsafeMutableRawBufferPointer
    /// Signalled by the cancel handler once the descriptor is closed.
    private let closed = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - chunkSize: the most bytes one `read` takes (a HID report size for hidraw, so that
    ///     each read returns one whole report).
    ///   - onBytes: called with each chunk read.
    ///   - onEnd: called once when the device went away (EOF, EIO, ENODEV), with the errno.
    ///   - willClose: called with the descriptor just before it is closed (a serial port leaves
    ///     exclusive mode there).
    init(
        descriptor: Int32, queue: DispatchQueue, chunkSize: Int = 4096,
        onBytes: @escaping (UnsafeRawBufferPointer) -> Void, onEnd: @escaping (Int32) -> Void,
        willClose: ((Int32) -> Void)? = nil
    ) {
        self.descriptor = descriptor
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 8)
        self.buffer = buffer
        // What the source watches: the epoll descriptor around `descriptor`, or `descriptor`
        // itself when none could be made (out of descriptors).
        let watched = CLinuxShims_readiness_create(descriptor)
        let readiness = watched >= 0 ? watched : descriptor
        let source = DispatchSource.makeReadSource(fileDescriptor: readiness, queue: queue)
        self.source = source
        source.setEventHandler { [source] in
            while true {
                let count = read(descriptor, buffer.baseAddress, buffer.count)
                if count > 0 {
                    onBytes(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                    if count < buffer.count { return }
                    continue
                }
                let error = count == 0 ? 0 : errno
                if count < 0, error == EINTR { continue }
                if count < 0, error == EAGAIN || error == EWOULDBLOCK {
                    // Nothing to read: a hang-up that reads as EAGAIN would keep the epoll
                    // descriptor readable for ever.
                    guard readiness != descriptor, CLinuxShims_readiness_hung_up(readiness) == 1 else { return }
                }
                source.cancel()
                onEnd(count < 0 && error != EAGAIN && error != EWOULDBLOCK ? error : 0)
                return
            }
        }
        let closed = self.closed
        source.setCancelHandler {
            willClose?(descriptor)
            close(descriptor)
            if readiness != descriptor { close(readiness) }
            buffer.deallocate()
            closed.signal()
        }
    }

    /// Starts reading.
    func resume() { source.resume() }

    /// Stops reading; the descriptor is closed shortly after, on the reader's queue.
    func cancel() { source.cancel() }

    /// Stops reading and returns once the descriptor is closed (an evdev grab released, a tty
    /// free to be opened again). Must not be called on the reader's queue.
    func cancelAndWait() {
        source.cancel()
        closed.wait()
        closed.signal()  // later waiters return at once
    }
}
