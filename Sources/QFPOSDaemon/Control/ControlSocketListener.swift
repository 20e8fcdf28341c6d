import CLinuxShims
import Glibc

/// Creates the daemon's own control socket when systemd did not pass one: the directory is
/// created 0750, a stale socket left by a killed daemon is removed (a live one is not), the
/// socket is bound with mode 0660 (umask set before bind, on a thread of its own) and both are
/// given the configured group.
public enum ControlSocketListener {
    /// Binds and listens at `path`; returns the listening descriptor.
    /// - Throws: ``DaemonError`` (`socket_failed`) with the reason.
    public static func listen(path: String, group: String?, backlog: Int32 = 64) throws(DaemonError) -> Int32 {
        let groupID = try group.map { name throws(DaemonError) in try lookUpGroup(name) }
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !directory.isEmpty, access(directory, F_OK) != 0 {
            guard mkdir(directory, 0o750) == 0 || errno == EEXIST else {
                throw failure("cannot create the socket directory \(directory)")
            }
            _ = chmod(directory, 0o750)
            if let groupID { _ = chown(directory, UInt32.max, groupID) }
        }
        try removeStaleSocket(at: path)
        let descriptor = CLinuxShims_listen_unix_socket(path, 0o660, backlog)
        guard descriptor >= 0 else { throw failure("cannot listen on \(path)") }
        if let groupID, chown(path, UInt32.max, groupID) != 0 {
            let error = failure("cannot give \(path) to group \(group ?? "")")
            close(descriptor)
            unlink(path)
            throw error
        }
        return descriptor
    }

    /// Removes `path` if it is a socket nobody listens on; refuses if a daemon answers there or
    /// if it is not a socket.
    static func removeStaleSocket(at path: String) throws(DaemonError) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        guard (status.st_mode & S_IFMT) == S_IFSOCK else {
            throw DaemonError(.socketFailed, "\(path) exists and is not a socket; remove it or choose another path")
        }
        if isAnswering(path) {
            throw DaemonError(.socketFailed, "another qfposd is already listening on \(path)")
        }
        unlink(path)
    }

    /// Whether something accepts connections at `path`.
    static func isAnswering(_ path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, length) == 0 }
        }
    }

    static func lookUpGroup(_ name: String) throws(DaemonError) -> gid_t {
        if let number = gid_t(name) { return number }
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = getgrnam_r(name, &group, &buffer, buffer.count, &result)
        guard status == 0, result != nil else {
            throw DaemonError(.socketFailed, "no group named \(name.debugDescription) (control.group)")
        }
        return group.gr_gid
    }

    private static func failure(_ message: String) -> DaemonError {
        DaemonError(.socketFailed, "\(message): \(String(cString: strerror(errno)))")
    }
}
