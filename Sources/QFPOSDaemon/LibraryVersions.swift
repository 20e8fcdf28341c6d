import Deflate
import Foundation
import Payments
import QFPay
import QRCode

/// The C libraries qfposd runs with and their versions, each asked of the library itself where
/// it can tell (libcrypto, SQLite, zlib, libqrencode), else read from the file the loader mapped
/// (`/proc/self/maps`: libudev.so.1.7.5 → `so.1.7.5`; libxkbcommon names only its ABI there, `so.0.0.0`). Shown on the status page and in
/// `qfpos_build_info`; one helper so that `daemon.status` can report the same list.
public enum LibraryVersions {
    public struct Library: Sendable, Hashable {
        /// The library's usual name: `libcrypto`, `sqlite`, `zlib`, `libqrencode`, `libudev`, `libxkbcommon`.
        public var name: String
        public var version: String
    }

    /// Every library, in a fixed order; `journal` gives SQLite's (nil leaves it out).
    public static func loaded(journal: Journal?) -> [Library] {
        var libraries = [
            Library(name: "libcrypto", version: DigestAlgorithm.libraryVersion)
        ]
        if let journal { libraries.append(Library(name: "sqlite", version: journal.sqliteVersion)) }
        libraries += [
            Library(name: "zlib", version: Deflate.libraryVersion),
            Library(name: "libqrencode", version: QRCode.libraryVersion),
        ]
        let maps = readProcFile("/proc/self/maps")
        for name in ["libudev", "libxkbcommon"] {
            libraries.append(Library(name: name, version: mappedVersion(of: name, maps: maps) ?? "not loaded"))
        }
        return libraries
    }

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

    /// The file name's version of `library`'s mapping (`/usr/lib/.../libudev.so.1.7.5` →
    /// `so.1.7.5`), the soname's target; nil when it is not mapped.
    static func mappedVersion(of library: String, maps: String) -> String? {
        for line in maps.split(separator: "\n") {
            guard let path = line.split(separator: " ", omittingEmptySubsequences: true).last,
                let file = path.split(separator: "/").last, file.hasPrefix("\(library).so.")
            else { continue }
            return String(file.dropFirst(library.count + 1))
        }
        return nil
    }
}
