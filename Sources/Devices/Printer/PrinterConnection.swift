import CLinuxShims
import Glibc

/// One open connection to a printer: a serial tty, a usblp node or a TCP socket, non-blocking,
/// with deadlines on every write and read. Owned and used by one `PrinterLink` worker thread.
final class PrinterConnection {
    let descriptor: Int32
    let endpoint: PrinterEndpoint

    private init(descriptor: Int32, endpoint: PrinterEndpoint) {
        self.descriptor = descriptor
        self.endpoint = endpoint
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// Opens `endpoint`; device nodes are locked with `flock` so that only one writer uses a printer.
    static func open(_ endpoint: PrinterEndpoint, connectTimeoutMilliseconds: Int32) throws(PrinterError)
        -> PrinterConnection
    {
        switch endpoint {
        case .serial(let path, let settings):
            let descriptor = try openNode(path)
            do {
                try configure(descriptor, settings: settings, path: path)
            } catch {
                Glibc.close(descriptor)
                throw error
            }
            return PrinterConnection(descriptor: descriptor, endpoint: endpoint)
        case .usbPrinter(let path):
            return PrinterConnection(descriptor: try openNode(path), endpoint: endpoint)
        case .network(let host, let port):
            let descriptor = try connect(host: host, port: port, timeoutMilliseconds: connectTimeoutMilliseconds)
            return PrinterConnection(descriptor: descriptor, endpoint: endpoint)
        }
    }

    private static func openNode(_ path: String) throws(PrinterError) -> Int32 {
        let descriptor = Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw PrinterError(.openFailed, "cannot open \(path)", systemError: errno)
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw PrinterError(.busy, "\(path) is held by another writer", systemError: code)
        }
        return descriptor
    }

    static let baudRates: [Int: speed_t] = [
        1200: speed_t(B1200), 2400: speed_t(B2400), 4800: speed_t(B4800), 9600: speed_t(B9600),
        19_200: speed_t(B19200), 38_400: speed_t(B38400), 57_600: speed_t(B57600), 115_200: speed_t(B115200),
        230_400: speed_t(B230400),
    ]

    /// Raw mode, speed, character size, parity, stop bits and flow control (`tcsetattr`).
    private static func configure(
        _ descriptor: Int32, settings: PrinterSerialSettings, path: String
    ) throws(PrinterError) {
        var attributes = termios()
        guard tcgetattr(descriptor, &attributes) == 0 else {
            throw PrinterError(.configurationFailed, "\(path) is not a terminal", systemError: errno)
        }
        guard let speed = baudRates[settings.baudRate] else {
            throw PrinterError(.configurationFailed, "unsupported baud rate \(settings.baudRate)")
        }
        cfmakeraw(&attributes)
        cfsetispeed(&attributes, speed)
        cfsetospeed(&attributes, speed)
        attributes.c_cflag &= ~tcflag_t(CSIZE | PARENB | PARODD | CSTOPB)
        attributes.c_cflag &= ~tcflag_t(CRTSCTS)
        attributes.c_cflag |= tcflag_t(CLOCAL | CREAD)
        attributes.c_cflag |= tcflag_t(settings.dataBits == 7 ? CS7 : CS8)
        if settings.stopBits == 2 { attributes.c_cflag |= tcflag_t(CSTOPB) }
        switch settings.parity {
        case .none: break
        case .even: attributes.c_cflag |= tcflag_t(PARENB)
        case .odd: attributes.c_cflag |= tcflag_t(PARENB | PARODD)
        }
        attributes.c_iflag &= ~tcflag_t(IXON | IXOFF | IXANY)
        switch settings.flowControl {
        case .none: break
        case .rtsCts: attributes.c_cflag |= tcflag_t(CRTSCTS)
        case .xonXoff: attributes.c_iflag |= tcflag_t(IXON | IXOFF)
        }
        guard tcsetattr(descriptor, TCSANOW, &attributes) == 0 else {
            throw PrinterError(.configurationFailed, "cannot configure \(path)", systemError: errno)
        }
    }

    private static func connect(host: String, port: Int, timeoutMilliseconds: Int32) throws(PrinterError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let list else {
            throw PrinterError(.openFailed, "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = 0
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            entry = current.pointee.ai_next
            let descriptor = socket(
                current.pointee.ai_family,
                current.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue)
                    | Int32(SOCK_CLOEXEC.rawValue), current.pointee.ai_protocol)
            guard descriptor >= 0 else {
                lastError = errno
                continue
            }
            if Glibc.connect(descriptor, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 {
                return descriptor
            }
            guard errno == EINPROGRESS else {
                lastError = errno
                Glibc.close(descriptor)
                continue
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            var socketError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if poll(&poller, 1, timeoutMilliseconds) == 1,
                getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &socketError, &length) == 0, socketError == 0
            {
                return descriptor
            }
            lastError = socketError == 0 ? ETIMEDOUT : socketError
            Glibc.close(descriptor)
        }
        throw PrinterError(.openFailed, "cannot connect to \(host):\(port)", systemError: lastError)
    }

    /// Writes all of `bytes` before `deadline` (monotonic milliseconds), waiting with `poll`.
    /// Interrupted by readable `wakeDescriptor` only if `stopWhen` says so.
    func write(_ bytes: [UInt8], deadline: Int64) throws(PrinterError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
                continue
            }
            let code = errno
            if written < 0 && code != EAGAIN && code != EINTR {
                throw PrinterError(.disconnected, "write to \(endpoint) failed", systemError: code)
            }
            let remaining = deadline - MonotonicClock.milliseconds()
            guard remaining > 0 else {
                throw PrinterError(.writeTimedOut, "\(bytes.count - offset) bytes not taken by \(endpoint) in time")
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining, 1_000)))
            if ready > 0 && poller.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0
                && poller.revents & Int16(POLLOUT) == 0
            {
                throw PrinterError(.disconnected, "\(endpoint) hung up")
            }
        }
    }

    /// Waits until bytes arrive, `wakeDescriptor` becomes readable, or `timeoutMilliseconds` pass;
    /// returns what was read (empty on timeout or wake-up).
    func read(timeoutMilliseconds: Int32, wakeDescriptor: Int32) throws(PrinterError) -> [UInt8] {
        var pollers = [
            pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        let ready = poll(&pollers, 2, timeoutMilliseconds)
        guard ready > 0 else { return [] }
        let revents = pollers[0].revents
        if revents & Int16(POLLIN) != 0 {
            var buffer = [UInt8](repeating: 0, count: 256)
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 { return Array(buffer[0..<count]) }
            if count == 0, case .network = endpoint {
                throw PrinterError(.disconnected, "\(endpoint) closed the connection")
            }
            if count < 0 && errno != EAGAIN && errno != EINTR {
                throw PrinterError(.disconnected, "read from \(endpoint) failed", systemError: errno)
            }
            // Readable with nothing to read and hung up (a tty whose other end is gone reads 0 for
            // ever): a disconnection, not a reason to poll again at once.
            if revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 {
                throw PrinterError(.disconnected, "\(endpoint) hung up")
            }
            return []
        }
        if revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 {
            throw PrinterError(.disconnected, "\(endpoint) hung up")
        }
        return []
    }

    /// The usblp parallel-port status (`LPGETSTATUS`), for USB printers that do not answer `DLE EOT`.
    func usbPortStatus() -> PrinterStatus? {
        guard case .usbPrinter = endpoint else { return nil }
        var value: Int32 = 0
        guard CLinuxShims_lp_status(descriptor, &value) == 0 else { return nil }
        // LP_PERRORP 0x08 is active low (0 = error), LP_PSELECD 0x10 = selected, LP_POUTPA 0x20 = paper out.
        let paperOut = value & 0x20 != 0
        return PrinterStatus(
            reachable: true, online: value & 0x10 != 0, paperOut: paperOut, error: value & 0x08 == 0 && !paperOut)
    }
}

/// Monotonic time for deadlines.
enum MonotonicClock {
    /// Milliseconds since an arbitrary point (`CLOCK_MONOTONIC`).
    static func milliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000 + Int64(now.tv_nsec) / 1_000_000
    }
}
