/// Decoding helpers that make the experiment schema strict: unknown keys and misspelt choices are
/// errors that carry their coding path (located later in the `ConfigNode` tree).

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

/// The path of a decoder as strings (sequence indices as decimal numbers).
func pathStrings(_ codingPath: [CodingKey]) -> [String] {
    codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
}

extension Decoder {
    /// Throws `SchemaIssue.unknownKey` for the first key of this mapping not in `known`.
    func rejectUnknownKeys(_ known: [String]) throws {
        let container = try self.container(keyedBy: AnyKey.self)
        for key in container.allKeys where !known.contains(key.stringValue) {
            throw SchemaIssue.unknownKey(key.stringValue, known: known, path: pathStrings(codingPath) + [key.stringValue])
        }
    }

    /// `rejectUnknownKeys` for a `CaseIterable` coding-key enum.
    func rejectUnknownKeys<K: CodingKey & CaseIterable>(_ keys: K.Type) throws {
        try rejectUnknownKeys(K.allCases.map(\.stringValue))
    }
}

/// A closed set of words in an experiment file (`mode: gradient-flow`). Decoding a word that is not
/// a case gives "expected one of …; did you mean …?".
public protocol SchemaChoice: RawRepresentable, CaseIterable, Decodable, Sendable, Hashable where RawValue == String {
    /// One line for `gradlab list`.
    var explanation: String { get }
}

extension SchemaChoice {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: text) else {
            throw SchemaIssue.invalidChoice(text, choices: Self.allCases.map(\.rawValue), path: pathStrings(decoder.codingPath))
        }
        self = value
    }
}

extension KeyedDecodingContainer {
    /// The value for `key`, or `fallback` when the key is absent.
    func value<T: Decodable>(_ key: Key, or fallback: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback()
    }
}

/// Throws `SchemaIssue.invalid` at `path` unless `condition` holds.
func require(_ condition: Bool, _ message: @autoclosure () -> String, at path: [String]) throws {
    if !condition { throw SchemaIssue.invalid(message(), path: path) }
}
