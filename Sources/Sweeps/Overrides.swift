import Foundation

/// A command-line override `path=value`, as Hydra does: `--set model.hidden=64`,
/// `--set init.weight_hh.gain=1.5`, `--set 'sweep.model.activation=[tanh, relu]'`.
///
/// The value is YAML (a scalar, `[a, b]` or `{k: v}`). Under `sweep.` and `zip.` the rest of the path
/// is one dotted key. Setting a swept path fixes it: the key leaves `sweep:`/`zip:` and takes the value.
public struct Override: Sendable, CustomStringConvertible {
    public let text: String
    public let path: [String]
    public let value: ConfigNode

    public var description: String { text }

    public init(_ text: String) throws {
        self.text = text
        guard let eq = text.firstIndex(of: "=") else {
            throw ExperimentError(.override(text), "expected path=value, e.g. model.hidden=64")
        }
        let dotted = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        var parts = dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !dotted.isEmpty, !parts.contains(where: \.isEmpty) else {
            throw ExperimentError(.override(text), "'\(dotted)' is not a dotted path like model.hidden")
        }
        if parts.count > Limits.depth {
            throw ExperimentError(.override(text), "a path of \(parts.count) keys; paths, like the file, are limited to \(Limits.depth) levels")
        }
        if ["sweep", "zip"].contains(parts[0]), parts.count > 1 {
            parts = [parts[0], parts.dropFirst().joined(separator: ".")]
        }
        path = parts
        let valueText = String(text[text.index(after: eq)...])
        let node = try ConfigNode.compose(valueText, origin: { _, _ in .override(text) }, yamlError: { error in
            ExperimentError(.override(text), "the value is not valid YAML: \(ExperimentError(yamlError: error, path: "value").message)")
        })
        value = node ?? .scalar(ConfigScalar(text: "", quoted: true, origin: .override(text)))
    }

    /// Applies this override to an experiment tree.
    public func apply(to tree: inout ConfigNode) throws {
        let dotted = path.joined(separator: ".")
        if !["sweep", "zip"].contains(path[0]) {
            for block in ["sweep", "zip"] where tree[block]?[dotted] != nil {
                tree.remove(at: [block, dotted])
                if tree[block]?.entries?.isEmpty == true { tree.remove(at: [block]) }
            }
        }
        try tree.set(value, at: path, keyOrigin: .override(text))
    }
}
