/// Decoding helpers that make the experiment schema strict: unknown keys and misspelt choices are
/// errors that carry their coding path (located later in the `ConfigNode` tree).

public struct AnyKey: CodingKey {
    public var stringValue: String
    public var intValue: Int?
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

/// The path of a decoder as strings (sequence indices as decimal numbers).
public func pathStrings(_ codingPath: [CodingKey]) -> [String] {
    codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
}

extension Decoder {
    /// Throws `SchemaIssue.unknownKey` for the first key of this mapping not in `known`.
    public func rejectUnknownKeys(_ known: [String]) throws {
        let container = try self.container(keyedBy: AnyKey.self)
        for key in container.allKeys where !known.contains(key.stringValue) {
            throw SchemaIssue.unknownKey(key.stringValue, known: known, path: pathStrings(codingPath) + [key.stringValue])
        }
    }

    /// `rejectUnknownKeys` for a `CaseIterable` coding-key enum.
    public func rejectUnknownKeys<K: CodingKey & CaseIterable>(_ keys: K.Type) throws {
        try rejectUnknownKeys(K.allCases.map(\.stringValue))
    }
}

/// A closed set of words in an experiment file (`mode: gradient-flow`, `model.cell: lstm`). Decoding a
/// word that is not a choice gives "expected one of …; did you mean …?". Domain enums (the cell
/// family, the activation, the initial state) conform where the schema is defined, so a file decodes
/// straight into them.
public protocol SchemaChoice: Decodable, Sendable {
    /// Every choice, in the order `gradlab list` shows them.
    static var choices: [Self] { get }
    /// The word an experiment file writes for this choice.
    var word: String { get }
    /// One line for `gradlab list`.
    var explanation: String { get }
}

extension SchemaChoice {
    public init(from decoder: Decoder) throws {
        self = try Self.decodeChoice(decoder)
    }

    /// The choice written at `decoder`, or a located "expected one of" issue.
    public static func decodeChoice(_ decoder: Decoder) throws -> Self {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = choices.first(where: { $0.word == text }) else {
            throw SchemaIssue.invalidChoice(text, choices: choices.map(\.word), path: pathStrings(decoder.codingPath))
        }
        return value
    }
}

extension SchemaChoice where Self: RawRepresentable<String> & CaseIterable {
    public static var choices: [Self] { Array(allCases) }
    public var word: String { rawValue }
    public init(from decoder: Decoder) throws { self = try Self.decodeChoice(decoder) }
}

extension KeyedDecodingContainer {
    /// The value for `key`, or `fallback` when the key is absent.
    public func value<T: Decodable>(_ key: Key, or fallback: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback()
    }
}

/// Throws `SchemaIssue.invalid` at `path` unless `condition` holds.
public func require(_ condition: Bool, _ message: @autoclosure () -> String, at path: [String]) throws {
    if !condition { throw SchemaIssue.invalid(message(), path: path) }
}
