import Glibc
import NIOCore

/// Who is on the other end of a control connection, from the kernel (SO_PEERCRED), not from
/// anything the client says.
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    public var description: String { "uid \(uid) gid \(gid) pid \(pid)" }

    /// Reads SO_PEERCRED of a connected Unix channel through NIO's socket option access, on the
    /// channel's event loop. (NIO does not hand out the descriptor itself, which
    /// `CLinuxShims_peer_credentials` would need; ``Ucred`` mirrors `struct ucred` field for field.)
    static func of(_ channel: any Channel) async -> PeerCredentials? {
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        let value: Ucred? = try? await provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(peerCredentialsOption)
        ).get()
        return value.map { PeerCredentials(pid: $0.pid, uid: $0.uid, gid: $0.gid) }
    }

    /// `SO_PEERCRED` from <asm-generic/socket.h>.
    private static let peerCredentialsOption: Int32 = 17

    /// `struct ucred { pid_t pid; uid_t uid; gid_t gid; }`.
    struct Ucred: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }
}
