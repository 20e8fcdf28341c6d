import Foundation

/// Turns an `Encodable` value (a sale, a result struct) into a ``JSONValue`` directly, without
/// writing JSON text and parsing it back. It gives what Foundation's `JSONEncoder` (default
/// strategies) would write: `nil` optionals left out by `encodeIfPresent`, `Data` as Base64, `URL`
/// as its string, `Date` as seconds since 2001 (the `deferredToDate` strategy).
struct JSONValueEncoder {
    func encode(_ value: some Encodable) throws -> JSONValue {
        let encoder = ValueEncoder(codingPath: [])
        try encoder.encodeValue(value)
        return encoder.storage.value ?? .object([:])
    }
}

/// A container's value while it is being filled: containers nested in it write into their own
/// box, which the parent reads when it is asked for its value.
private final class Box {
    enum Content {
        case empty
        case single(JSONValue)
        case keyed([String: Box])
        case unkeyed([Box])
    }

    var content: Content = .empty

    var value: JSONValue? {
        switch content {
        case .empty: nil
        case .single(let value): value
        case .keyed(let members): .object(members.mapValues { $0.value ?? .object([:]) })
        case .unkeyed(let elements): .array(elements.map { $0.value ?? .object([:]) })
        }
    }
}

private struct IndexKey: CodingKey {
    var stringValue: String { "Index \(intValue ?? 0)" }
    var intValue: Int?
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private final class ValueEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    let storage: Box

    init(codingPath: [any CodingKey], storage: Box = Box()) {
        self.codingPath = codingPath
        self.storage = storage
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .keyed = storage.content {} else { storage.content = .keyed([:]) }
        return KeyedEncodingContainer(Keyed<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .unkeyed = storage.content {} else { storage.content = .unkeyed([]) }
        return Unkeyed(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(encoder: self) }

    /// Encodes `value` into this encoder's box, with Foundation's special cases.
    func encodeValue(_ value: some Encodable) throws {
        switch value {
        case let data as Data: storage.content = .single(.string(data.base64EncodedString()))
        case let url as URL: storage.content = .single(.string(url.absoluteString))
        case let json as JSONValue: storage.content = .single(json)
        default: try value.encode(to: self)
        }
    }

    func child(_ key: any CodingKey, _ box: Box) -> ValueEncoder {
        ValueEncoder(codingPath: codingPath + [key], storage: box)
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: ValueEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }

        private func set(_ value: JSONValue, _ key: Key) {
            let box = Box()
            box.content = .single(value)
            insert(box, key)
        }

        private func insert(_ box: Box, _ key: Key) {
            guard case .keyed(var members) = encoder.storage.content else { return }
            encoder.storage.content = .empty  // keeps `members` uniquely referenced while it changes
            members[key.stringValue] = box
            encoder.storage.content = .keyed(members)
        }

        mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
        mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { set(.double(value), key) }
        mutating func encode(_ value: Float, forKey key: Key) throws { set(.double(Double(value)), key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { set(.integer(Int64(value)), key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { set(.integer(Int64(value)), key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { set(.integer(Int64(value)), key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { set(.integer(Int64(value)), key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { set(.integer(value), key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { set(.integer(Int64(value)), key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { set(.integer(Int64(value)), key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { set(.integer(Int64(value)), key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { set(ValueEncoder.unsigned(value), key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { set(ValueEncoder.unsigned(value), key) }

        mutating func encode(_ value: some Encodable, forKey key: Key) throws {
            let box = Box()
            try encoder.child(key, box).encodeValue(value)
            insert(box, key)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            let box = Box()
            insert(box, key)
            return encoder.child(key, box).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let box = Box()
            insert(box, key)
            return encoder.child(key, box).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            let box = Box()
            insert(box, key)
            return encoder.child(key, box)
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let encoder: ValueEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }
        var count: Int {
            if case .unkeyed(let elements) = encoder.storage.content { return elements.count }
            return 0
        }

        private func append(_ box: Box) {
            guard case .unkeyed(var elements) = encoder.storage.content else { return }
            encoder.storage.content = .empty
            elements.append(box)
            encoder.storage.content = .unkeyed(elements)
        }

        private func append(_ value: JSONValue) {
            let box = Box()
            box.content = .single(value)
            append(box)
        }

        mutating func encodeNil() throws { append(.null) }
        mutating func encode(_ value: Bool) throws { append(.bool(value)) }
        mutating func encode(_ value: String) throws { append(.string(value)) }
        mutating func encode(_ value: Double) throws { append(.double(value)) }
        mutating func encode(_ value: Float) throws { append(.double(Double(value))) }
        mutating func encode(_ value: Int) throws { append(.integer(Int64(value))) }
        mutating func encode(_ value: Int8) throws { append(.integer(Int64(value))) }
        mutating func encode(_ value: Int16) throws { append(.integer(Int64(value))) }
        mutating func encode(_ value: Int32) throws { append(.integer(Int64(value))) }
        mutating func encode(_ value: Int64) throws { append(.integer(value)) }
        mutating func encode(_ value: UInt8) throws { append(.integer(Int64(value))) }
        mutating func encode(_ value: UInt16) throws { append(.integer(Int64(value))) }
        mutating func encode(_ value: UInt32) throws { append(.integer(Int64(value))) }
        mutating func encode(_ value: UInt) throws { append(ValueEncoder.unsigned(value)) }
        mutating func encode(_ value: UInt64) throws { append(ValueEncoder.unsigned(value)) }

        mutating func encode(_ value: some Encodable) throws {
            let box = Box()
            try encoder.child(IndexKey(count), box).encodeValue(value)
            append(box)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
            -> KeyedEncodingContainer<NestedKey>
        {
            let box = Box()
            let key = IndexKey(count)
            append(box)
            return encoder.child(key, box).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let box = Box()
            let key = IndexKey(count)
            append(box)
            return encoder.child(key, box).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder {
            let box = Box()
            let key = IndexKey(count)
            append(box)
            return encoder.child(key, box)
        }
    }

    struct Single: SingleValueEncodingContainer {
        let encoder: ValueEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }

        private func set(_ value: JSONValue) { encoder.storage.content = .single(value) }

        mutating func encodeNil() throws { set(.null) }
        mutating func encode(_ value: Bool) throws { set(.bool(value)) }
        mutating func encode(_ value: String) throws { set(.string(value)) }
        mutating func encode(_ value: Double) throws { set(.double(value)) }
        mutating func encode(_ value: Float) throws { set(.double(Double(value))) }
        mutating func encode(_ value: Int) throws { set(.integer(Int64(value))) }
        mutating func encode(_ value: Int8) throws { set(.integer(Int64(value))) }
        mutating func encode(_ value: Int16) throws { set(.integer(Int64(value))) }
        mutating func encode(_ value: Int32) throws { set(.integer(Int64(value))) }
        mutating func encode(_ value: Int64) throws { set(.integer(value)) }
        mutating func encode(_ value: UInt8) throws { set(.integer(Int64(value))) }
        mutating func encode(_ value: UInt16) throws { set(.integer(Int64(value))) }
        mutating func encode(_ value: UInt32) throws { set(.integer(Int64(value))) }
        mutating func encode(_ value: UInt) throws { set(ValueEncoder.unsigned(value)) }
        mutating func encode(_ value: UInt64) throws { set(ValueEncoder.unsigned(value)) }
        mutating func encode(_ value: some Encodable) throws { try encoder.encodeValue(value) }
    }

    /// An unsigned value as a JSON number: exact as an integer when it fits `Int64`, else a
    /// double (JSONValue has no unsigned case; JSON numbers have no size).
    static func unsigned(_ value: some UnsignedInteger) -> JSONValue {
        if let exact = Int64(exactly: value) { return .integer(exact) }
        return .double(Double(value))
    }
}
