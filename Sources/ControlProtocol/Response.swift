/// A JSON-RPC 2.0 response: the `result` of a request or its `error`, with the request's `id`.
public struct Response: Sendable, Hashable {
    /// The id of the request answered; `null` when the request's id could not be read.
    public var id: RequestID
    /// The result, or the error.
    public var outcome: Result<JSONValue, RPCError>

    public init(id: RequestID, outcome: Result<JSONValue, RPCError>) {
        self.id = id
        self.outcome = outcome
    }

    /// A successful response.
    public static func result(_ result: JSONValue, id: RequestID) -> Response {
        Response(id: id, outcome: .success(result))
    }

    /// An error response.
    public static func error(_ error: RPCError, id: RequestID) -> Response {
        Response(id: id, outcome: .failure(error))
    }

    /// The response as a JSON object.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = ["jsonrpc": "2.0", "id": id.jsonValue]
        switch outcome {
        case .success(let result):
            members["result"] = result
        case .failure(let error):
            var errorMembers: [String: JSONValue] = [
                "code": .integer(Int64(error.code)), "message": .string(error.message),
            ]
            if let data = error.data { errorMembers["data"] = data }
            members["error"] = .object(errorMembers)
        }
        return .object(members)
    }

    /// The response as one line, newline included.
    public func encodedLine() -> [UInt8] { LineEncoding.line(for: jsonValue) }
}
