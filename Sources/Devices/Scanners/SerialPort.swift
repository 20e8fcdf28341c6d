import CLinuxShims
import Glibc

/// Opens and configures a serial line with termios: raw mode, speed, data bits, parity, stop
/// bits and flow control from `ScannerSettings`.
enum SerialPort {
    /// Supported speeds and their termios constants.
    static let supportedBaudRates: [Int: speed_t] = [
        1200: speed_t(B1200), 2400: speed_t(B2400), 4800: speed_t(B4800), 9600: speed_t(B9600),
        19_200: speed_t(B19200), 38_400: speed_t(B38400), 57_600: speed_t(B57600), 115_200: speed_t(B115200),
        230_400: speed_t(B230400), 460_800: speed_t(B460800), 921_600: speed_t(B921600),
    ]

    /// Sets raw mode, speed, character size, parity, stop bits and flow control in `attributes`.
    static func apply(_ settings: ScannerSettings, to attributes: inout termios) {
        cfmakeraw(&attributes)
        let speed = supportedBaudRates[settings.baudRate] ?? speed_t(B9600)
        cfsetispeed(&attributes, speed)
        cfsetospeed(&attributes, speed)
        attributes.c_cflag &= ~(tcflag_t(CSIZE | PARENB | PARODD | CSTOPB) | tcflag_t(CRTSCTS))
        attributes.c_cflag |= tcflag_t(CREAD | CLOCAL)
        switch settings.dataBits {
        case 5: attributes.c_cflag |= tcflag_t(CS5)
        case 6: attributes.c_cflag |= tcflag_t(CS6)
        case 7: attributes.c_cflag |= tcflag_t(CS7)
        default: attributes.c_cflag |= tcflag_t(CS8)
        }
        switch settings.parity {
        case .none: break
        case .even: attributes.c_cflag |= tcflag_t(PARENB)
        case .odd: attributes.c_cflag |= tcflag_t(PARENB | PARODD)
        }
        if settings.stopBits == 2 { attributes.c_cflag |= tcflag_t(CSTOPB) }
        attributes.c_iflag &= ~tcflag_t(IXON | IXOFF | IXANY)
        switch settings.flowControl {
        case .none: break
        case .hardware: attributes.c_cflag |= tcflag_t(CRTSCTS)
        case .software: attributes.c_iflag |= tcflag_t(IXON | IXOFF)
        }
        // Non-blocking reads return what is there; the Dispatch source tells when to read. VMIN 1,
        // not 0: with VMIN 0 a read of an idle line returns 0, the same as a hang-up, and a
        // wake-up whose bytes an earlier read already took looked like an unplugged scanner.
        // With VMIN 1 an idle line reads EAGAIN and 0 means the line is gone.
        withUnsafeMutableBytes(of: &attributes.c_cc) { controlCharacters in
            controlCharacters[Int(VMIN)] = 1
            controlCharacters[Int(VTIME)] = 0
        }
    }

    /// Opens `path` non-blocking, without becoming its controlling terminal, takes it for this
    /// reader alone (`claimExclusively`) and configures it. Returns the descriptor; the caller
    /// owns it and gives the port back with `release` before closing it.
    /// - Throws: `busy` when another reader holds the port, `openFailed`, `serialConfigurationFailed`.
    static func open(_ path: String, settings: ScannerSettings) throws -> Int32 {
        let descriptor = Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let error = errno
            if error == EBUSY { throw busy(path) }
            throw DevicesError(.openFailed, "cannot open \(path)", systemError: error)
        }
        do {
            try claimExclusively(descriptor, path: path)
        } catch {
            close(descriptor)  // the exclusive mode, if set, is another reader's: not ours to release
            throw error
        }
        do {
            try configure(descriptor, settings: settings, path: path)
        } catch {
            release(descriptor)
            close(descriptor)
            throw error
        }
        return descriptor
    }

    /// Puts the port in exclusive mode (`TIOCEXCL`), after checking that no other reader holds
    /// it so: while it is, every other `open` of the port fails with EBUSY, so no second reader
    /// can take half of a code's bytes. The check comes first because the kernel lets a process
    /// with CAP_SYS_ADMIN (root) open an exclusive port anyway.
    static func claimExclusively(_ descriptor: Int32, path: String) throws {
        switch CLinuxShims_tty_is_exclusive(descriptor) {
        case 0:
            break
        case 1:
            throw busy(path)
        default:
            throw DevicesError(.serialConfigurationFailed, "\(path) is not a terminal", systemError: errno)
        }
        guard CLinuxShims_tty_set_exclusive(descriptor, 1) == 0 else {
            throw DevicesError(.serialConfigurationFailed, "cannot open \(path) exclusively", systemError: errno)
        }
    }

    /// Takes the port out of exclusive mode before its descriptor is closed. A USB port's last
    /// close clears the mode anyway; a port some other descriptor keeps open (a pty standing in
    /// for a scanner) would otherwise stay exclusive, and refuse this reader's next open.
    static func release(_ descriptor: Int32) {
        _ = CLinuxShims_tty_set_exclusive(descriptor, 0)
    }

    private static func busy(_ path: String) -> DevicesError {
        DevicesError(
            .busy, "\(path) is held exclusively by another reader (see `fuser -v \(path)`)", systemError: EBUSY)
    }

    /// Puts the line in raw mode with the settings' parameters (`tcsetattr`).
    static func configure(_ descriptor: Int32, settings: ScannerSettings, path: String) throws {
        var attributes = termios()
        guard tcgetattr(descriptor, &attributes) == 0 else {
            throw DevicesError(.serialConfigurationFailed, "\(path) is not a terminal", systemError: errno)
        }
        guard supportedBaudRates[settings.baudRate] != nil else {
            throw DevicesError(.serialConfigurationFailed, "unsupported baud rate \(settings.baudRate)")
        }
        apply(settings, to: &attributes)
        guard tcsetattr(descriptor, TCSANOW, &attributes) == 0 else {
            throw DevicesError(.serialConfigurationFailed, "cannot configure \(path)", systemError: errno)
        }
        tcflush(descriptor, TCIFLUSH)
    }
}
