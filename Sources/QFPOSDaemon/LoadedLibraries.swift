import ControlProtocol
import Deflate
import Devices
import Foundation
import Payments
import QFPay
import QRCode

/// The versions of the shared C libraries this process loaded, as `daemon.status`, `qfposctl
/// doctor`, the status page and `qfpos_build_info` report them: Debian's security updates replace
/// these files, and a running daemon keeps the old ones until it is restarted.
public enum LoadedLibraries {
    public struct Library: Sendable, Hashable {
        /// `openssl`, `sqlite`, `libudev`, `libqrencode`, `zlib` or `libxkbcommon`.
        public var name: String
        public var version: String
    }

    /// Every library in a fixed order, each as it names itself where it can tell (libcrypto,
    /// SQLite, zlib, libqrencode), else from the file the loader mapped (libudev: its soname's
    /// target `1.7.5`; libxkbcommon names only its ABI there, `0.0.0`). Read once, at first use:
    /// the mappings do not change while qfposd runs (an upgrade replaces the files on disk, which
    /// a later look would report instead), and `daemon.status` need not read /proc each time.
    public static let libraries: [Library] = [
        Library(name: "openssl", version: DigestAlgorithm.libraryVersion),
        Library(name: "sqlite", version: Journal.sqliteVersion),
        Library(name: "libudev", version: UdevLibrary.version),
        Library(name: "libqrencode", version: QRCode.libraryVersion),
        Library(name: "zlib", version: Deflate.libraryVersion),
        Library(
            name: "libxkbcommon", version: mappedVersion(of: "libxkbcommon", maps: readProcFile("/proc/self/maps"))),
    ]

    /// `libraries` by name.
    public static let versions: [String: String] = Dictionary(
        uniqueKeysWithValues: libraries.map { ($0.name, $0.version) })

    /// `versions` as the JSON object of `daemon.status`'s `libraries`.
    public static let json: JSONValue = .object(versions.mapValues(JSONValue.string))

    /// A /proc file read to its end (they report a size of 0, so a read by size finds nothing).
    static func readProcFile(_ path: String) -> String {
        guard let file = fopen(path, "r") else { return "" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The version in the file name of `library`'s mapping (`/usr/lib/.../libxkbcommon.so.0.0.0` →
    /// `0.0.0`), or "not loaded".
    static func mappedVersion(of library: String, maps: String) -> String {
        for line in maps.split(separator: "\n") {
            guard let path = line.split(separator: " ", omittingEmptySubsequences: true).last,
                let file = path.split(separator: "/").last, file.hasPrefix("\(library).so.")
            else { continue }
            return String(file.dropFirst(library.count + ".so.".count))
        }
        return "not loaded"
    }
}
