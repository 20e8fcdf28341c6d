import Foundation

/// What one line from a client turned out to be, after UTF-8 and JSON parsing and JSON-RPC
/// validation. Every case tells the server exactly what to answer; nothing in a line can make
/// parsing throw.
public enum InboundLine: Sendable, Hashable {
    /// A single valid request (or notification, when its id is `nil`).
    case request(Request)
    /// A batch: each element is a request or the error response for an element that was not one.
    case batch([BatchElement])
    /// The whole line is rejected; answer with this response.
    case rejected(Response)

    /// One element of a batch.
    public enum BatchElement: Sendable, Hashable {
        case request(Request)
        case rejected(Response)
    }

    /// Parses one line (without its newline).
    public static func parse(_ bytes: some Collection<UInt8>) -> InboundLine {
        let line = Array(bytes)
        guard JSONParser.isValidUTF8(line) else {
            return .rejected(.error(.parseError("the line is not valid UTF-8", reason: .invalidUTF8), id: .null))
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(validUTF8: line)
        } catch {
            return .rejected(.error(.parseError("the line is not valid JSON"), id: .null))
        }
        switch value {
        case .array(let elements):
            guard !elements.isEmpty else {
                return .rejected(.error(.invalidRequest("an empty batch", reason: .emptyBatch), id: .null))
            }
            return .batch(
                elements.map(validate))
        default:
            switch validate(value) {
            case .request(let request): return .request(request)
            case .rejected(let response): return .rejected(response)
            }
        }
    }

    /// Checks that `value` is a JSON-RPC 2.0 request object.
    static func validate(_ value: JSONValue) -> BatchElement {
        guard case .object(let members) = value else {
            return .rejected(
                .error(.invalidRequest("a request must be a JSON object", reason: .notAnObject), id: .null))
        }
        var id: RequestID?
        switch members["id"] {
        case nil: id = nil
        case .integer(let number): id = .number(number)
        case .string(let string): id = .string(string)
        case .null: id = .null
        default:
            return .rejected(
                .error(.invalidRequest("id must be a string, an integer or null", reason: .badID), id: .null))
        }
        let answerID = id ?? .null
        guard members["jsonrpc"] == .string("2.0") else {
            return .rejected(.error(.invalidRequest("jsonrpc must be \"2.0\"", reason: .badVersion), id: answerID))
        }
        guard case .string(let method) = members["method"], !method.isEmpty else {
            return .rejected(
                .error(.invalidRequest("method must be a non-empty string", reason: .badMethod), id: answerID))
        }
        let params = members["params"]
        switch params {
        case nil, .object, .array: break
        default:
            return .rejected(
                .error(.invalidRequest("params must be an object or an array", reason: .badParams), id: answerID))
        }
        return .request(Request(id: id, method: method, params: params))
    }
}
