import StatusPage

/// The HTTP listeners the configuration asks for: none when both the metrics and the status
/// page are off; one when they name the same address (the page's password guards both); else
/// one each.
public struct HTTPListenerPlan: Sendable {
    public struct Listener: Sendable {
        public var host: String
        public var port: Int
        public var servesMetrics: Bool
        public var servesPage: Bool
        public var access: WebAccess
    }

    public var listeners: [Listener]

    /// - Throws: ``WebError`` `invalidConfiguration` for an address that does not parse, or off
    ///   loopback without a password hash.
    public init(_ configuration: DaemonConfiguration) throws(WebError) {
        let metrics = configuration.metrics
        let page = configuration.statusPage
        var listeners: [Listener] = []
        if page.enabled {
            let (host, port) = try Self.address(page.listen)
            listeners.append(
                Listener(
                    host: host, port: port, servesMetrics: metrics.enabled && metrics.listen == page.listen,
                    servesPage: true, access: try Self.access(of: page)))
        }
        if metrics.enabled, !(page.enabled && metrics.listen == page.listen) {
            let (host, port) = try Self.address(metrics.listen)
            listeners.append(
                Listener(
                    host: host, port: port, servesMetrics: true, servesPage: false, access: try Self.access(of: metrics)
                ))
        }
        self.listeners = listeners
    }

    /// The access rule of `listener` (checked by the configuration loader too).
    static func access(of listener: DaemonConfiguration.HTTPListener) throws(WebError) -> WebAccess {
        let (host, _) = try address(listener.listen)
        return try WebAccess.forListener(
            host: host, user: listener.basicAuthUser, passwordHash: listener.basicAuthPasswordHash)
    }

    /// `host:port`, `[v6]:port`.
    static func address(_ text: String) throws(WebError) -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { throw WebError(.invalidConfiguration, "\(text.debugDescription) is not host:port") }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw WebError(.invalidConfiguration, "\(text.debugDescription) names no host") }
        return (host, port)
    }
}
