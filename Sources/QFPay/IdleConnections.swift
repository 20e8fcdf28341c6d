import NIOCore
import Synchronization

/// The kept-alive connections to gateways that wait for their next request, by gateway (scheme,
/// host, port), the most recently used first. A connection is here only between exchanges: put
/// back once its answer was read whole and neither side asked to close it, taken out for one
/// request at a time, and dropped as soon as the server closes it or sends anything unasked.
final class IdleConnections: Sendable {
    struct Connection: Sendable {
        let channel: any Channel
        /// The connection's handler, used on the channel's event loop only.
        let collector: NIOLoopBound<ResponseCollector>
        let since: NIODeadline
    }

    /// A connection idle for longer is closed rather than reused: servers drop idle connections
    /// after a timeout of their own (nginx 75 s, cloud load balancers 60 s by default), and a
    /// request written while the server closes is a payment whose outcome is unknown.
    static let maximumIdleTime = TimeAmount.seconds(30)

    private let limit: Int
    private let idle = Mutex<[String: [Connection]]>([:])

    /// Keeps at most `limit` idle connections per gateway.
    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// The most recently used idle connection to `key`, out of the idle ones; closes those idle
    /// for too long on the way.
    func take(_ key: String) -> Connection? {
        let now = NIODeadline.now()
        let (found, stale): (Connection?, [Connection]) = idle.withLock { idle in
            var stale: [Connection] = []
            while let connection = idle[key]?.popLast() {
                if now - connection.since > Self.maximumIdleTime {
                    stale.append(connection)
                    continue
                }
                return (connection, stale)
            }
            return (nil, stale)
        }
        for connection in stale { connection.channel.close(promise: nil) }
        return found
    }

    /// Puts a connection whose exchange is over back for the next request to `key` (on the
    /// channel's event loop); closes it when `limit` connections wait already.
    func put(_ channel: any Channel, collector: ResponseCollector, key: String) {
        let connection = Connection(
            channel: channel, collector: NIOLoopBound(collector, eventLoop: channel.eventLoop), since: .now())
        let kept = idle.withLock { idle in
            guard idle[key, default: []].count < limit else { return false }
            idle[key, default: []].append(connection)
            return true
        }
        if !kept { channel.close(promise: nil) }
    }

    /// Forgets a connection that closed.
    func remove(_ channel: any Channel) {
        idle.withLock { idle in
            for key in idle.keys { idle[key]?.removeAll { $0.channel === channel } }
        }
    }
}
