/// A JSON-RPC 2.0 notification from the daemon to a subscribed client: an event such as
/// `sale.updated` or `scan`. It has no `id` and gets no answer.
public struct EventNotification: Sendable, Hashable {
    /// The event name, e.g. `sale.updated`.
    public var method: String
    /// The event's fields, an object.
    public var params: JSONValue

    public init(method: String, params: JSONValue) {
        self.method = method
        self.params = params
    }

    /// The notification as a JSON object.
    public var jsonValue: JSONValue {
        .object(["jsonrpc": "2.0", "method": .string(method), "params": params])
    }

    /// The notification as one line, newline included.
    public func encodedLine() -> [UInt8] { LineEncoding.line(for: jsonValue) }
}
