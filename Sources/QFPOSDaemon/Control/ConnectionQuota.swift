/// Counts the control connections open, in all and per peer uid, so that one client (a till
/// program that leaks connections, a script in a loop) fills its own share of
/// `control.max_connections` and never the whole: the till's other user, root and the daemon's
/// own uid still get in.
struct ConnectionQuota: Sendable {
    /// Connections open in all, at most.
    let maximum: Int
    /// Connections open for one uid, at most.
    let maximumPerUID: Int
    private(set) var open = 0
    private var openByUID: [UInt32: Int] = [:]

    init(maximum: Int, maximumPerUID: Int) {
        self.maximum = maximum
        self.maximumPerUID = maximumPerUID
    }

    /// Why a connection would be over the limits.
    enum Refusal: Sendable, Hashable {
        case tooManyConnections(limit: Int)
        case tooManyForUID(UInt32, limit: Int)
    }

    /// Counts a new connection of `uid` (nil: unknown peer, counted in all only), or says why not.
    mutating func admit(uid: UInt32?) -> Refusal? {
        guard open < maximum else { return .tooManyConnections(limit: maximum) }
        if let uid {
            let held = openByUID[uid, default: 0]
            guard held < maximumPerUID else { return .tooManyForUID(uid, limit: maximumPerUID) }
            openByUID[uid] = held + 1
        }
        open += 1
        return nil
    }

    /// Forgets a connection `admit` counted.
    mutating func release(uid: UInt32?) {
        open -= 1
        if let uid {
            let held = openByUID[uid, default: 1] - 1
            openByUID[uid] = held > 0 ? held : nil
        }
    }

    /// The default share of one uid: half the connections, rounded up, so that two clients fit.
    static func defaultShare(of maximum: Int) -> Int { max(1, (maximum + 1) / 2) }
}
