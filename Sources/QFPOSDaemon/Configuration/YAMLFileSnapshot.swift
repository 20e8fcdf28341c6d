import Configuration
import Foundation
import Yams

/// The configuration file's values for swift-configuration's `FileProvider`: the YAML parsed by
/// Yams, flattened to dotted keys (`lanes.front.scanner.path`), each value typed when it is asked
/// for — as swift-configuration's `YAMLSnapshot` does, but with Yams's basic resolver.
///
/// Why not `YAMLSnapshot`: it parses with Yams's default resolver, which tells each scalar's type
/// by seven `NSRegularExpression`s. Those run on ICU, whose regular expression code and Unicode
/// tables then stay resident in the daemon for a file read once at start (measured: 1–2 MB of
/// qfposd's memory). Here the types follow the same YAML 1.1 rules without a regular expression:
/// integers and numbers by Yams's own readers (`0x1F`, `0o17`, `1_000`, `.inf`), booleans by the
/// words the default resolver accepts (`true`, `yes`, `on`, `false`, `no`, `off` and their
/// capitalised forms); quoted scalars are strings only, as there.
public struct YAMLFileSnapshot: FileConfigSnapshot {
    /// No options: secrets are not read from the YAML file (the QFPay key has its own file).
    public struct ParsingOptions: FileParsingOptions {
        public init() {}
        public static var `default`: Self { Self() }
    }

    /// A scalar as written: its text and whether it was plain (unquoted, not a block).
    struct Scalar: Sendable, Equatable {
        let text: String
        let isPlain: Bool
    }

    /// A leaf of the file: a scalar or a sequence of scalars.
    enum Leaf: Sendable, Equatable {
        case scalar(Scalar)
        case sequence([Scalar])
    }

    /// What is wrong with the file or a value in it.
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    public let providerName: String
    let leaves: [String: Leaf]

    public init(data: RawSpan, providerName: String, parsingOptions: ParsingOptions) throws {
        self.providerName = providerName
        let bytes = data.withUnsafeBytes { Data($0) }
        // The basic resolver: every scalar's tag is `str`, found without a regular expression.
        guard let root = try Parser(yaml: bytes, resolver: .basic).singleRoot() else {
            leaves = [:]
            return
        }
        guard let mapping = root.mapping else { throw Problem(description: "the top level is not a mapping") }
        var leaves: [String: Leaf] = [:]
        try Self.flatten(mapping, prefix: [], into: &leaves)
        self.leaves = leaves
    }

    private static func flatten(_ mapping: Node.Mapping, prefix: [String], into leaves: inout [String: Leaf]) throws {
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                throw Problem(description: "a key under \(dotted(prefix)) is not a scalar")
            }
            let path = prefix + [name]
            switch value {
            case .mapping(let inner):
                try flatten(inner, prefix: path, into: &leaves)
            case .sequence(let sequence):
                leaves[dotted(path)] = .sequence(
                    try sequence.enumerated().map { index, item in
                        guard let scalar = item.scalar else {
                            throw Problem(description: "\(dotted(path))[\(index)] is not a scalar")
                        }
                        return Scalar(scalar)
                    })
            case .scalar(let scalar):
                leaves[dotted(path)] = .scalar(Scalar(scalar))
            case .alias:
                throw Problem(description: "\(dotted(path)) is an unresolved alias")
            }
        }
    }

    private static func dotted(_ path: [String]) -> String {
        path.isEmpty ? "the top level" : path.joined(separator: ".")
    }

    public func value(forKey key: AbsoluteConfigKey, type: ConfigType) throws -> LookupResult {
        let name = key.components.joined(separator: ".")
        guard let leaf = leaves[name] else { return LookupResult(encodedKey: name, value: nil) }
        return LookupResult(
            encodedKey: name, value: ConfigValue(try Self.content(leaf, as: type, key: name), isSecret: false))
    }

    /// `leaf` as a value of `type`, or a ``Problem`` naming the key.
    static func content(_ leaf: Leaf, as type: ConfigType, key: String) throws -> ConfigContent {
        func mismatch() -> Problem { Problem(description: "\(key) is not \(type.rawValue)") }
        func scalar() throws -> Scalar {
            guard case .scalar(let scalar) = leaf else { throw mismatch() }
            return scalar
        }
        func sequence<Value>(_ convert: (Scalar) -> Value?) throws -> [Value] {
            guard case .sequence(let items) = leaf else { throw mismatch() }
            return try items.map { item in
                guard let value = convert(item) else { throw mismatch() }
                return value
            }
        }
        switch type {
        case .string: return .string(try scalar().text)
        case .int:
            guard let value = try scalar().integer else { throw mismatch() }
            return .int(value)
        case .double:
            guard let value = try scalar().number else { throw mismatch() }
            return .double(value)
        case .bool:
            guard let value = try scalar().boolean else { throw mismatch() }
            return .bool(value)
        case .bytes:
            guard let bytes = Data(base64Encoded: try scalar().text) else { throw mismatch() }
            return .bytes(Array(bytes))
        case .stringArray: return .stringArray(try sequence { $0.text })
        case .intArray: return .intArray(try sequence(\.integer))
        case .doubleArray: return .doubleArray(try sequence(\.number))
        case .boolArray: return .boolArray(try sequence(\.boolean))
        case .byteChunkArray: return .byteChunkArray(try sequence { Data(base64Encoded: $0.text).map(Array.init) })
        }
    }

    public var description: String { "\(providerName)[\(leaves.count) values]" }

    public var debugDescription: String {
        let values = leaves.keys.sorted().map { "\($0)=\(leaves[$0].map(String.init(describing:)) ?? "")" }
        return "\(providerName)[\(leaves.count) values: \(values.joined(separator: ", "))]"
    }
}

extension YAMLFileSnapshot.Scalar {
    init(_ scalar: Node.Scalar) {
        text = scalar.string
        isPlain = scalar.style == .plain || scalar.style == .any
    }

    /// Yams's scalar for its integer and number readers, tagged `str` by the basic resolver (a
    /// tag made with the defaults would build the default resolver and its regular expressions).
    private var yamsScalar: Node.Scalar {
        Node.Scalar(text, Tag(.str, .basic, .default), isPlain ? .plain : .doubleQuoted)
    }

    var integer: Int? { isPlain ? Int.construct(from: yamsScalar) : nil }
    var number: Double? { isPlain ? Double.construct(from: yamsScalar) : nil }

    var boolean: Bool? {
        guard isPlain else { return nil }
        switch text {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
        default: return nil
        }
    }
}
