import CLinuxShims
import CUdev
import Glibc

/// The libudev this process loaded. libudev has no version function: the file the loader mapped
/// `udev_new` from, followed to its real name (`libudev.so.1.7.5`), tells which build it is.
public enum UdevLibrary {
    /// The full soname version of the loaded libudev ("1.7.5"), or its file name when that has
    /// none, or "unknown" when `udev_new` is not in a shared object. Wraps `dladdr` and `realpath`.
    public static var version: String {
        let entry: @convention(c) () -> OpaquePointer? = udev_new
        guard let file = CLinuxShims_library_file(unsafeBitCast(entry, to: UnsafeRawPointer.self)) else {
            return "unknown"
        }
        guard let resolved = realpath(file, nil) else { return String(cString: file) }
        defer { free(resolved) }
        let name = String(cString: resolved).split(separator: "/").last.map(String.init) ?? ""
        guard let range = name.range(of: ".so.") else { return name }
        return String(name[range.upperBound...])
    }
}
