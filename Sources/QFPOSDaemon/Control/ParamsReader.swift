import ControlProtocol

/// Reads a method's by-name params and turns every mistake into a precise -32602: which field,
/// what was expected. Unknown fields are refused too, so that a till's typo (`ammount`) fails
/// loudly instead of being ignored.
public struct ParamsReader: Sendable {
    private let members: [String: JSONValue]

    /// - Throws: ``RPCError`` when `params` is neither absent nor an object, or has a field not in `allowed`.
    public init(_ params: JSONValue?, allowed: Set<String>) throws(RPCError) {
        switch params {
        case nil: members = [:]
        case .object(let object): members = object
        default:
            throw .invalidParams("params must be an object with named fields", reason: .wrongType)
        }
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .invalidParams("unknown field \(unknown.debugDescription)", reason: .unknownParam, field: unknown)
        }
    }

    /// A required integer in `range`.
    public func integer(_ field: String, in range: ClosedRange<Int64>) throws(RPCError) -> Int64 {
        guard let value = try optionalInteger(field, in: range) else {
            throw .invalidParams("\(field) is required", reason: .missingParam, field: field)
        }
        return value
    }

    /// An optional integer in `range`.
    public func optionalInteger(_ field: String, in range: ClosedRange<Int64>) throws(RPCError) -> Int64? {
        switch members[field] {
        case nil, .null: return nil
        case .integer(let value):
            guard range.contains(value) else {
                throw .invalidParams(
                    "\(field) must be between \(range.lowerBound) and \(range.upperBound)", reason: .outOfRange,
                    field: field)
            }
            return value
        case let other?:
            throw .invalidParams(
                "\(field) must be an integer (the minimal currency unit), got \(other.typeName)", reason: .wrongType,
                field: field)
        }
    }

    /// A required non-empty string.
    public func string(_ field: String, maximumLength: Int = 256) throws(RPCError) -> String {
        guard let value = try optionalString(field, maximumLength: maximumLength) else {
            throw .invalidParams("\(field) is required", reason: .missingParam, field: field)
        }
        return value
    }

    /// An optional string, at most `maximumLength` characters; an empty string counts as absent.
    public func optionalString(_ field: String, maximumLength: Int = 256) throws(RPCError) -> String? {
        switch members[field] {
        case nil, .null: return nil
        case .string(let value):
            guard value.count <= maximumLength else {
                throw .invalidParams("\(field) is longer than \(maximumLength)", reason: .outOfRange, field: field)
            }
            return value.isEmpty ? nil : value
        case let other?:
            throw .invalidParams("\(field) must be a string, got \(other.typeName)", reason: .wrongType, field: field)
        }
    }

    /// An optional string that must be one of `choices`.
    public func optionalChoice(_ field: String, _ choices: [String]) throws(RPCError) -> String? {
        guard let value = try optionalString(field) else { return nil }
        guard choices.contains(value) else {
            throw .invalidParams(
                "\(field) must be one of \(choices.joined(separator: ", "))", reason: .outOfRange, field: field)
        }
        return value
    }

    /// An optional string that must be the raw value of one of `Choice`'s cases.
    public func optionalChoice<Choice: RawRepresentable & CaseIterable>(_ field: String, _: Choice.Type)
        throws(RPCError) -> Choice?
    where Choice.RawValue == String {
        try optionalChoice(field, Choice.allCases.map(\.rawValue)).flatMap(Choice.init(rawValue:))
    }

    /// An optional array of strings.
    public func optionalStrings(_ field: String) throws(RPCError) -> [String]? {
        switch members[field] {
        case nil, .null: return nil
        case .array(let elements):
            var strings: [String] = []
            for element in elements {
                guard case .string(let string) = element else {
                    throw .invalidParams("\(field) must be an array of strings", reason: .wrongType, field: field)
                }
                strings.append(string)
            }
            return strings
        case let other?:
            throw .invalidParams(
                "\(field) must be an array of strings, got \(other.typeName)", reason: .wrongType, field: field)
        }
    }
}
