import Foundation
import Yams

/// Decodes a `Decodable` straight from a `ConfigNode` tree, with Yams' scalar rules.
///
/// Every grid point of a sweep is decoded (when the sweep is loaded, checked, and when it runs), so
/// this is on the path of `validate`, `--dry-run` and the fuzz suite. Going through Yams' `YAMLDecoder`
/// meant rebuilding a `Yams.Node` per point and looking every key up by `Node` equality, which resolves
/// both nodes' tags with regular expressions: 90% of `gradlab validate`'s time on the quick-start file.
/// Here keys are plain strings and a scalar becomes a value by the same `ScalarConstructible`
/// constructors `YAMLDecoder` calls, on the same `Node.Scalar` (`ConfigScalar.yamsScalar`: quoted
/// scalars are strings, `null`/`~` are null), so a file decodes to exactly what it did before.
///
/// Errors are the standard `DecodingError`s with the coding path (`ExperimentError.locating` turns
/// them into located messages): `keyNotFound`, `typeMismatch` (expected `[String: String]` for "a
/// mapping", `[String]` for "a list", or the scalar type) and `valueNotFound` at the end of a list.
public struct ConfigDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from node: ConfigNode) throws -> T {
        try ConfigNodeDecoder(node: node, codingPath: []).decodeValue(type)
    }
}

private struct ConfigNodeDecoder: Decoder, SingleValueDecodingContainer {
    let node: ConfigNode
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case let .mapping(entries, _) = node else {
            throw mismatch([String: String].self)
        }
        return KeyedDecodingContainer(ConfigKeyedContainer<Key>(entries: entries, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case let .sequence(items, _) = node else { throw mismatch([String].self) }
        return ConfigUnkeyedContainer(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer { self }

    // MARK: single value

    func decodeNil() -> Bool {
        guard case let .scalar(s) = node else { return false }
        return NSNull.construct(from: s.yamsScalar) != nil
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(type) }

    /// A scalar type through its Yams constructor; anything else through its `init(from:)`.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        guard let constructible = type as? ScalarConstructible.Type else { return try T(from: self) }
        guard case let .scalar(s) = node else { throw mismatch(type) }
        guard let value = constructible.construct(from: s.yamsScalar) as? T else { throw mismatch(type) }
        return value
    }

    func mismatch(_ expected: Any.Type) -> DecodingError {
        let found: String
        switch node {
        case .scalar: found = "a scalar"
        case .mapping: found = "a mapping"
        case .sequence: found = "a list"
        }
        return .typeMismatch(expected, .init(codingPath: codingPath,
                                             debugDescription: "Expected to decode \(expected) but found \(found) instead."))
    }
}

private struct ConfigKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let entries: [ConfigEntry]
    let codingPath: [CodingKey]

    var allKeys: [Key] { entries.compactMap { Key(stringValue: $0.key) } }

    func contains(_ key: Key) -> Bool { entries.contains { $0.key == key.stringValue } }

    private func decoder(_ key: CodingKey) throws -> ConfigNodeDecoder {
        guard let entry = entries.first(where: { $0.key == key.stringValue }) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath,
                                                       debugDescription: "No value associated with key \(key.stringValue)."))
        }
        return ConfigNodeDecoder(node: entry.value, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { try decoder(key).decodeNil() }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder(key).decodeValue(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try decoder(key).unkeyedContainer()
    }

    func superDecoder() throws -> Decoder { try decoder(AnyKey(stringValue: "super")) }

    func superDecoder(forKey key: Key) throws -> Decoder { try decoder(key) }
}

private struct ConfigUnkeyedContainer: UnkeyedDecodingContainer {
    let items: [ConfigNode]
    let codingPath: [CodingKey]
    var currentIndex = 0

    init(items: [ConfigNode], codingPath: [CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    /// The decoder of the current item; throws `valueNotFound` at the end.
    private func current(_ type: Any.Type) throws -> ConfigNodeDecoder {
        let key = AnyKey(intValue: currentIndex) ?? AnyKey(stringValue: String(currentIndex))
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath + [key], debugDescription: "Unkeyed container is at end."))
        }
        return ConfigNodeDecoder(node: items[currentIndex], codingPath: codingPath + [key])
    }

    /// Advances past a null item only (the standard contract).
    mutating func decodeNil() throws -> Bool {
        let isNull = try current(Any?.self).decodeNil()
        if isNull { currentIndex += 1 }
        return isNull
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let value = try current(type).decodeValue(type)
        currentIndex += 1
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let container = try current([String: String].self).container(keyedBy: type)
        currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
        let container = try current([String].self).unkeyedContainer()
        currentIndex += 1
        return container
    }

    mutating func superDecoder() throws -> Decoder {
        let decoder = try current(Any.self)
        currentIndex += 1
        return decoder
    }
}
