import Glibc

/// What a control connection's peer may call: reading (status, sales, devices, events) or
/// everything a cashier does as well (start, cancel, refund, reprint, reconcile).
public enum MethodAccess: Sendable, Hashable {
    case readOnly
    case cashier
}

/// Who may connect to the control socket and with which access, from `control.allowed_uids`
/// and `control.read_only_uids`. The server asks it on every request, so that a reload (SIGHUP)
/// applies to connections already open, not only to new ones.
public struct ControlAccess: Sendable, Hashable {
    /// When set, only these uids (and root and the daemon's own uid) may call cashier methods.
    public var allowedUIDs: Set<UInt32>?
    /// Uids that may connect to read only, whatever `allowedUIDs` says.
    public var readOnlyUIDs: Set<UInt32>

    public init(allowedUIDs: Set<UInt32>? = nil, readOnlyUIDs: Set<UInt32> = []) {
        self.allowedUIDs = allowedUIDs
        self.readOnlyUIDs = readOnlyUIDs
    }

    /// The access of the configuration's control section.
    public init(_ control: DaemonConfiguration.Control) {
        self.init(allowedUIDs: control.allowedUIDs.map(Set.init), readOnlyUIDs: Set(control.readOnlyUIDs))
    }

    /// Why `peer` is refused, or its access.
    public func access(for peer: PeerCredentials?) -> Result<MethodAccess, RefusalReason> {
        guard let peer else {
            // No credentials (never on Linux's Unix sockets): allowed only when nothing is restricted.
            return allowedUIDs == nil && readOnlyUIDs.isEmpty ? .success(.cashier) : .failure(.unknownPeer)
        }
        if peer.uid == 0 || peer.uid == getuid() { return .success(.cashier) }
        if readOnlyUIDs.contains(peer.uid) { return .success(.readOnly) }
        if let allowedUIDs, !allowedUIDs.contains(peer.uid) { return .failure(.uidNotAllowed(peer.uid)) }
        return .success(.cashier)
    }

    /// Why a peer may not connect.
    public enum RefusalReason: Error, Sendable, Hashable, CustomStringConvertible {
        case unknownPeer
        case uidNotAllowed(UInt32)

        public var description: String {
            switch self {
            case .unknownPeer: "unknown peer"
            case .uidNotAllowed(let uid): "uid \(uid) is not allowed (control.allowed_uids)"
            }
        }
    }
}
