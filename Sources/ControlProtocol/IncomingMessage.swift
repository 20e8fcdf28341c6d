import Foundation

/// What a client reads from the daemon: a response to one of its requests, or an event.
public enum IncomingMessage: Sendable, Hashable {
    case response(Response)
    case notification(EventNotification)

    /// Parses one line (without its newline) sent by the daemon.
    public static func parse(_ bytes: some Collection<UInt8>) throws(ControlProtocolError) -> IncomingMessage {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw ControlProtocolError(.malformedMessage, "the daemon sent a line that is not JSON")
        }
        guard case .object(let members) = value, members["jsonrpc"] == "2.0" else {
            throw ControlProtocolError(.malformedMessage, "the daemon sent a line that is not a JSON-RPC 2.0 object")
        }
        if case .string(let method) = members["method"] {
            return .notification(EventNotification(method: method, params: members["params"] ?? .null))
        }
        let id: RequestID
        switch members["id"] {
        case .integer(let number): id = .number(number)
        case .string(let string): id = .string(string)
        default: id = .null
        }
        if let result = members["result"] {
            return .response(.result(result, id: id))
        }
        guard case .object(let error) = members["error"], let code = error["code"]?.integerValue else {
            throw ControlProtocolError(.malformedMessage, "the daemon sent a response with neither result nor error")
        }
        let rpcError = RPCError(code: Int(code), message: error["message"]?.stringValue ?? "", data: error["data"])
        return .response(.error(rpcError, id: id))
    }
}
