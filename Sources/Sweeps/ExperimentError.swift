import Yams

/// A problem with an experiment, located where the user wrote it:
/// `experiments/x.yaml:12:5: unknown key 'spectral_raduis' in init.weight_hh (did you mean 'spectral_radius'?)`.
public struct ExperimentError: Error, Sendable, CustomStringConvertible, Equatable {
    public let origin: Origin
    public let message: String

    public init(_ origin: Origin, _ message: String) {
        self.origin = origin
        self.message = message
    }

    public var description: String { "\(origin): \(message)" }

    init(yamlError: YamlError, path: String) {
        switch yamlError {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let extra = context.map { " (\($0.text))" } ?? ""
            self.init(.file(path: path, line: mark.line, column: mark.column), "YAML syntax: \(problem)\(extra)")
        default:
            self.init(.file(path: path, line: 1, column: 1), "YAML: \(yamlError)")
        }
    }
}

/// Raised while decoding or validating, with a coding path; turned into an `ExperimentError` by
/// looking the path up in the `ConfigNode` tree.
public enum SchemaIssue: Error {
    case unknownKey(String, known: [String], path: [String])
    case invalidChoice(String, choices: [String], path: [String])
    case invalid(String, path: [String])
}

/// "did you mean …?" for a misspelt key or choice: the closest candidate by edit distance, if close.
func suggestion(for word: String, among candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    let limit = max(2, word.count / 3)
    return best.1 <= limit ? best.0 : nil
}

/// Levenshtein distance (insertions, deletions, substitutions; cost 1 each).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count), current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

extension ExperimentError {
    /// Locates a decoding or validation error of a configuration decoded from `tree`. A validation error
    /// about a whole block (a mapping or list, e.g. `clipping: kind 'value' needs a threshold`) is located
    /// at a value in it that `preferring` picks — the first picked by its first predicate, else by the
    /// next (a `--set` argument, then a swept value) — else at the block.
    public static func locating(_ error: Error, in tree: ConfigNode,
                                preferring: [(Origin) -> Bool] = []) -> ExperimentError {
        func pathString(_ p: [String]) -> String { p.isEmpty ? "the top level" : p.joined(separator: ".") }
        func keys(_ codingPath: [CodingKey]) -> [String] {
            codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
        }
        /// The origin of the node at `path` (of a preferred value in it for a block's error), or nil.
        func origin(_ path: [String], block: Bool = false) -> Origin? {
            guard let node = tree.node(at: path) else { return nil }
            if !block { return node.origin }
            let origins = node.origins
            return preferring.lazy.compactMap { origins.first(where: $0) }.first ?? node.origin
        }
        switch error {
        case let e as ExperimentError:
            return e
        case let SchemaIssue.unknownKey(key, known, path):
            let hint = suggestion(for: key, among: known).map { " (did you mean '\($0)'?)" }
                ?? " (known keys: \(known.joined(separator: ", ")))"
            return ExperimentError(tree.keyOrigin(at: path),
                                   "unknown key '\(key)' in \(pathString(Array(path.dropLast())))\(hint)")
        case let SchemaIssue.invalidChoice(value, choices, path):
            let hint = suggestion(for: value, among: choices).map { "; did you mean '\($0)'?" } ?? ""
            return ExperimentError(origin(path) ?? tree.keyOrigin(at: path),
                                   "'\(value)' is not a valid \(pathString(path)): expected one of \(choices.joined(separator: ", "))\(hint)")
        case let SchemaIssue.invalid(message, path):
            return ExperimentError(origin(path, block: true) ?? tree.keyOrigin(at: path), "\(pathString(path)): \(message)")
        case let DecodingError.keyNotFound(key, context):
            let path = keys(context.codingPath)
            return ExperimentError(origin(path) ?? tree.origin,
                                   "missing key '\(key.stringValue)' in \(pathString(path))")
        case let DecodingError.typeMismatch(type, context), let DecodingError.valueNotFound(type, context):
            let path = keys(context.codingPath)
            let found = tree.node(at: path).map { node -> String in
                if case let .scalar(s) = node { return "'\(s.text)'" }
                if case .mapping = node { return "a mapping" }
                return "a list"
            } ?? "nothing"
            return ExperimentError(origin(path) ?? tree.keyOrigin(at: path),
                                   "\(pathString(path)) must be \(typeName(type)), found \(found)")
        case let DecodingError.dataCorrupted(context):
            let path = keys(context.codingPath)
            return ExperimentError(origin(path) ?? tree.keyOrigin(at: path),
                                   "\(pathString(path)): \(context.debugDescription)")
        default:
            return ExperimentError(tree.origin, "\(error)")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type: return "an integer"
        case is UInt64.Type: return "a non-negative integer"
        case is Double.Type: return "a number"
        case is String.Type: return "a text"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "a mapping" }
            return "a \(name)"
        }
    }
}
