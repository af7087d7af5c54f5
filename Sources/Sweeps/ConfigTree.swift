import Yams

/// Where a value of an experiment came from; error messages start with it.
public enum Origin: Sendable, Hashable, CustomStringConvertible {
    /// A position in an experiment file (1-based line and column).
    case file(path: String, line: Int, column: Int)
    /// A command-line override, e.g. `--set model.hidden=64`.
    case override(String)

    public var description: String {
        switch self {
        case let .file(path, line, column): return "\(path):\(line):\(column)"
        case let .override(text): return "--set \(text)"
        }
    }
}

/// A scalar as written: its text, whether it was quoted (quoted scalars are always strings), where.
public struct ConfigScalar: Sendable {
    public var text: String
    public var quoted: Bool
    public var origin: Origin

    /// The Yams scalar whose constructors give this scalar's value: quoted scalars keep the `str` tag
    /// (always text); YAML's null (`null`, `~`) is a plain `null` scalar, an absent optional value (e.g. a
    /// zipped `clipping.threshold` for `kind: none`); anything else is untagged.
    public var yamsScalar: Node.Scalar {
        if quoted { return .init(text, Tag(.str), .doubleQuoted) }
        if ["null", "Null", "NULL", "~"].contains(text) { return .init(text, Tag(.null), .plain) }
        return .init(text)
    }
}

/// One `key: value` entry of a mapping, in file order.
public struct ConfigEntry: Sendable {
    public var key: String
    public var keyOrigin: Origin
    public var value: ConfigNode
}

/// An experiment file as a tree that remembers where every value came from.
///
/// Yams' `Node` carries line/column marks but they cannot be created for substituted values, so the
/// runner works on this tree: sweep values and `--set` overrides are substituted here, each keeping
/// its own origin, then every configuration is turned back into a Yams `Node` and decoded. A
/// `DecodingError`'s coding path is looked up in this tree to say where the bad value was written.
public indirect enum ConfigNode: Sendable {
    case scalar(ConfigScalar)
    case mapping([ConfigEntry], Origin)
    case sequence([ConfigNode], Origin)

    public var origin: Origin {
        switch self {
        case let .scalar(s): return s.origin
        case let .mapping(_, o), let .sequence(_, o): return o
        }
    }

    /// The entries of a mapping, or nil.
    public var entries: [ConfigEntry]? {
        if case let .mapping(e, _) = self { return e }
        return nil
    }

    /// The value under `key` of a mapping, or nil.
    public subscript(key: String) -> ConfigNode? {
        entries?.first(where: { $0.key == key })?.value
    }

    /// The node at a path of mapping keys and sequence indices (as decimal strings), or nil.
    public func node(at path: [String]) -> ConfigNode? {
        guard let first = path.first else { return self }
        switch self {
        case let .mapping(entries, _):
            return entries.first(where: { $0.key == first })?.value.node(at: Array(path.dropFirst()))
        case let .sequence(items, _):
            guard let i = Int(first), items.indices.contains(i) else { return nil }
            return items[i].node(at: Array(path.dropFirst()))
        case .scalar:
            return nil
        }
    }

    /// The number of nodes (scalars, mappings, lists) in this subtree.
    public var nodeCount: Int {
        switch self {
        case .scalar: return 1
        case let .mapping(entries, _): return 1 + entries.reduce(0) { $0 + 1 + $1.value.nodeCount }
        case let .sequence(items, _): return 1 + items.reduce(0) { $0 + $1.nodeCount }
        }
    }

    /// Every origin in this subtree, depth first: the node's own, then per entry its key's and its value's.
    public var origins: [Origin] {
        switch self {
        case let .scalar(s): return [s.origin]
        case let .mapping(entries, o): return [o] + entries.flatMap { [$0.keyOrigin] + $0.value.origins }
        case let .sequence(items, o): return [o] + items.flatMap(\.origins)
        }
    }

    /// The origin of the key `path.last` (or of the deepest existing node along `path`).
    public func keyOrigin(at path: [String]) -> Origin {
        guard let first = path.first else { return origin }
        switch self {
        case let .mapping(entries, o):
            guard let entry = entries.first(where: { $0.key == first }) else { return o }
            return path.count == 1 ? entry.keyOrigin : entry.value.keyOrigin(at: Array(path.dropFirst()))
        case let .sequence(items, o):
            guard let i = Int(first), items.indices.contains(i) else { return o }
            return items[i].keyOrigin(at: Array(path.dropFirst()))
        case .scalar:
            return origin
        }
    }

    /// Sets the value at a path of mapping keys, creating missing intermediate mappings; they take
    /// `keyOrigin` (the sweep key or `--set` argument that made them), so an error about them is located
    /// there. Throws, at `keyOrigin` and naming the blocking value, when the path crosses a scalar or a list.
    public mutating func set(_ value: ConfigNode, at path: [String], keyOrigin: Origin) throws {
        try set(value, at: path[...], keyOrigin: keyOrigin, whole: path)
    }

    private mutating func set(_ value: ConfigNode, at path: ArraySlice<String>, keyOrigin: Origin, whole: [String]) throws {
        guard let first = path.first else { self = value; return }
        guard case .mapping(var entries, let o) = self else {
            let parent = whole[..<(whole.count - path.count)].joined(separator: ".")
            throw ExperimentError(keyOrigin, "cannot set '\(whole.joined(separator: "."))': its parent is not a mapping ('\(parent)' is \(String(canonical.prefix(40))), at \(origin))")
        }
        if let i = entries.firstIndex(where: { $0.key == first }) {
            try entries[i].value.set(value, at: path.dropFirst(), keyOrigin: keyOrigin, whole: whole)
        } else {
            var child = ConfigNode.mapping([], keyOrigin)
            try child.set(value, at: path.dropFirst(), keyOrigin: keyOrigin, whole: whole)
            entries.append(ConfigEntry(key: first, keyOrigin: keyOrigin, value: child))
        }
        self = .mapping(entries, o)
    }

    /// Removes the entry at a path of mapping keys, if present.
    public mutating func remove(at path: [String]) {
        guard let first = path.first, case .mapping(var entries, let o) = self else { return }
        if path.count == 1 {
            entries.removeAll { $0.key == first }
        } else if let i = entries.firstIndex(where: { $0.key == first }) {
            entries[i].value.remove(at: Array(path.dropFirst()))
        }
        self = .mapping(entries, o)
    }

    /// A canonical one-line text: numbers normalised (`0.90` → `0.9`, `1e1` and `10.0` → `10`), mappings
    /// in flow style with keys in written order. Used for configuration identities and fingerprints.
    public var canonical: String {
        switch self {
        case let .scalar(s): return s.quoted ? s.text : ConfigNode.normalizedScalar(s.text)
        case let .mapping(entries, _):
            return "{" + entries.map { "\($0.key): \($0.value.canonical)" }.joined(separator: ", ") + "}"
        case let .sequence(items, _):
            return "[" + items.map(\.canonical).joined(separator: ", ") + "]"
        }
    }

    static func normalizedScalar(_ text: String) -> String {
        if let i = Int64(text) { return String(i) }
        if text.contains(where: { $0.isNumber }), let d = Double(text), d.isFinite {
            // Integral values print as integers, so 2, 2.0 and 2e0 are one value.
            return d == d.rounded() && abs(d) < 0x1p53 ? String(Int64(d)) : String(d)
        }
        return text
    }
}

// MARK: - Conversion from and to Yams nodes

extension ConfigNode {
    /// Parses YAML (or JSON, a subset) text into a tree whose origins name `path`. The text is held to
    /// `Limits` (size, then `YAMLPrescan`) before any node is built.
    public static func parse(yaml: String, path: String) throws -> ConfigNode {
        let bytes = yaml.utf8.count
        if bytes > Limits.fileBytes {
            throw ExperimentError(.file(path: path, line: 1, column: 1), Limits.fileSizeMessage(bytes: bytes))
        }
        let node = try compose(yaml, origin: { .file(path: path, line: $0, column: $1) },
                               yamlError: { ExperimentError(yamlError: $0, path: path) })
        guard let node else { throw ExperimentError(.file(path: path, line: 1, column: 1), "the file is empty") }
        return node
    }

    /// Checks `yaml` against `Limits`, composes it and converts it; `origin(line, column)` locates nodes
    /// and errors, `yamlError` turns a Yams syntax error into a located one. Nil for an empty document.
    static func compose(_ yaml: String, origin: @escaping (Int, Int) -> Origin,
                        yamlError: (YamlError) -> ExperimentError) throws -> ConfigNode? {
        try YAMLPrescan.check(yaml, origin: origin)
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw yamlError(error)
        }
        return try node.map { try ConfigNode($0, origin: { mark in origin(mark?.line ?? 1, mark?.column ?? 1) }) }
    }

    /// Converts a Yams node; `origin` turns a Yams mark into an `Origin`.
    init(_ node: Node, origin: (Mark?) -> Origin) throws {
        switch node {
        case let .scalar(s):
            self = .scalar(ConfigScalar(text: s.string, quoted: s.style != .plain && s.style != .any,
                                        origin: origin(s.mark)))
        case let .mapping(m):
            var entries: [ConfigEntry] = []
            var seen: Set<String> = []
            for (k, v) in m {
                guard case let .scalar(key) = k else {
                    throw ExperimentError(origin(k.mark), "mapping keys must be plain words")
                }
                if !seen.insert(key.string).inserted {
                    throw ExperimentError(origin(k.mark), "duplicate key '\(key.string)'")
                }
                entries.append(ConfigEntry(key: key.string, keyOrigin: origin(key.mark), value: try ConfigNode(v, origin: origin)))
            }
            self = .mapping(entries, origin(m.mark))
        case let .sequence(s):
            self = .sequence(try s.map { try ConfigNode($0, origin: origin) }, origin(s.mark))
        case let .alias(a):
            throw ExperimentError(origin(a.mark), "YAML aliases (*name) are not supported in experiment files")
        }
    }

    /// The Yams node for decoding or writing back; quoted scalars keep the `str` tag.
    public var yamsNode: Node {
        switch self {
        case let .scalar(s):
            return .scalar(s.yamsScalar)
        case let .mapping(entries, _):
            return .mapping(.init(entries.map { (Node($0.key), $0.value.yamsNode) }))
        case let .sequence(items, _):
            return .sequence(.init(items.map(\.yamsNode), Tag.implicit, .flow))
        }
    }

    /// The tree as YAML text (block style, flow style for sequences).
    public func yamlText() throws -> String { try Yams.serialize(node: yamsNode, sortKeys: false) }
}
