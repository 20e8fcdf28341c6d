/// A JSON-RPC 2.0 request from a client. A request without `id` is a notification: it is carried
/// out and never answered.
public struct Request: Sendable, Hashable {
    /// The id to echo in the response; `nil` for a notification.
    public var id: RequestID?
    /// The method name, e.g. `sale.start`.
    public var method: String
    /// The params: an object (by-name), an array (by-position) or absent.
    public var params: JSONValue?

    public init(id: RequestID?, method: String, params: JSONValue? = nil) {
        self.id = id
        self.method = method
        self.params = params
    }

    /// The request as a JSON object.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method)]
        if let id { members["id"] = id.jsonValue }
        if let params { members["params"] = params }
        return .object(members)
    }

    /// The request as one line, newline included, ready to write to the socket.
    public func encodedLine() -> [UInt8] { LineEncoding.line(for: jsonValue) }
}

extension RequestID {
    var jsonValue: JSONValue {
        switch self {
        case .number(let number): .integer(number)
        case .string(let string): .string(string)
        case .null: .null
        }
    }
}
