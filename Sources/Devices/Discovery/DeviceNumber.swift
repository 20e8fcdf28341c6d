import Glibc

/// A device node's identity: its major and minor numbers (`st_rdev`), the same whichever path
/// names the node (`/dev/ttyACM0`, `/dev/serial/by-id/…`, `/dev/qfpos/scanner-…`). Two paths
/// with one device number are one device, read by one reader.
public struct DeviceNumber: Sendable, Hashable, CustomStringConvertible {
    public let major: UInt32
    public let minor: UInt32

    public init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    /// Splits a `dev_t` the way glibc's `gnu_dev_major`/`gnu_dev_minor` do (12 bits of major
    /// and 20 of minor, spread over the 64-bit value).
    init(_ number: dev_t) {
        let value = UInt64(number)
        major = UInt32(truncatingIfNeeded: ((value >> 8) & 0xfff) | ((value >> 32) & ~UInt64(0xfff)))
        minor = UInt32(truncatingIfNeeded: (value & 0xff) | ((value >> 12) & ~UInt64(0xff)))
    }

    /// Parses `166:3`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let major = UInt32(parts[0]), let minor = UInt32(parts[1]) else { return nil }
        self.init(major: major, minor: minor)
    }

    /// The character device `path` names, following symlinks (a by-id or by-path link, a
    /// `/dev/qfpos/` link); nil when it names none (missing, a regular file, a directory).
    public static func ofCharacterDevice(atPath path: String) -> DeviceNumber? {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFCHR else { return nil }
        return DeviceNumber(status.st_rdev)
    }

    /// `major:minor`, as sysfs's `dev` attribute and `ls -l` show it.
    public var description: String { "\(major):\(minor)" }
}

extension DeviceNumber: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let number = DeviceNumber(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not major:minor: \(text)")
        }
        self = number
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
