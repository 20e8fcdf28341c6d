import Glibc

/// A pseudo-terminal pair standing in for a serial device in tests: the code under test opens
/// `devicePath` (the subordinate side) as it would `/dev/ttyACM0`; the test plays the device on
/// the controller side, writing what a scanner sends and reading what is sent to a printer.
public final class PseudoTerminal: @unchecked Sendable {
    /// Controller-side file descriptor, owned by this object.
    public let controller: Int32
    /// Path of the subordinate side, e.g. `/dev/pts/7`.
    public let devicePath: String
    private let subordinate: Int32

    /// Opens a pair with `openpty` and puts the subordinate side in raw mode, as a serial line is.
    /// The subordinate descriptor stays open so that the pair survives the code under test
    /// closing and reopening the device.
    public init() throws {
        var controller: Int32 = -1
        var subordinate: Int32 = -1
        var name = [CChar](repeating: 0, count: 256)
        guard openpty(&controller, &subordinate, &name, nil, nil) == 0 else {
            throw TestSupportError("openpty failed: errno \(errno)")
        }
        var attributes = termios()
        tcgetattr(subordinate, &attributes)
        cfmakeraw(&attributes)
        tcsetattr(subordinate, TCSANOW, &attributes)
        self.controller = controller
        self.subordinate = subordinate
        self.devicePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        close(controller)
        close(subordinate)
    }

    /// Writes all of `bytes` to the controller side, as the device sending them.
    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(controller, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw TestSupportError("write to pty failed: errno \(errno)")
            }
            offset += written
        }
    }

    public func write(_ text: String) throws { try write(Array(text.utf8)) }

    /// Reads what the code under test wrote to the device until `count` bytes arrived or
    /// `timeoutMilliseconds` passed without any byte (a liveness bound, not a timing assertion).
    public func read(atLeast count: Int, timeoutMilliseconds: Int32 = 5_000) -> [UInt8] {
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while received.count < count {
            var descriptor = pollfd(fd: controller, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, timeoutMilliseconds)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { break }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(controller, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            received.append(contentsOf: buffer[0..<n])
        }
        return received
    }

    /// Reads whatever arrives until the line has been quiet for `quietMilliseconds`.
    public func readAvailable(quietMilliseconds: Int32 = 200) -> [UInt8] {
        read(atLeast: Int.max, timeoutMilliseconds: quietMilliseconds)
    }
}

/// An error raised by test support code.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
