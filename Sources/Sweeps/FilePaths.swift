import Foundation

extension SweepSpec {
    /// Keys whose values name files (dotted; `*` matches any one key). Default: none.
    public static var filePathKeys: [String] { [] }
}

extension ConfigNode {
    /// This tree with every relative file path at `keys` (see `SweepSpec.filePathKeys`) that was
    /// written in an experiment file made absolute against that file's directory, so a run does not
    /// depend on the working directory (`gradlab run experiments/x.yaml` from anywhere reads
    /// `experiments/corpus.txt` for `file: corpus.txt`). Values under `sweep:` and `zip:` are matched
    /// by their dotted axis path (a swept block, e.g. `init.weight_hh: [{kind: file, path: w.npy}]`, inside). Absolute paths, `~` paths, nulls and values from `--set` (relative to
    /// the working directory, where they were typed) are left as written.
    public func resolvingFilePaths(_ keys: [String]) -> ConfigNode {
        let patterns = keys.map { $0.split(separator: ".").map(String.init) }
        guard !patterns.isEmpty, case let .mapping(entries, origin) = self else { return self }
        func matches(_ path: [String]) -> Bool {
            patterns.contains { p in p.count == path.count && zip(p, path).allSatisfy { $0 == "*" || $0 == $1 } }
        }
        func walk(_ node: ConfigNode, _ path: [String]) -> ConfigNode {
            switch node {
            case let .scalar(s): return matches(path) ? .scalar(Self.resolved(s)) : node
            case let .mapping(entries, o):
                return .mapping(entries.map { ConfigEntry(key: $0.key, keyOrigin: $0.keyOrigin, value: walk($0.value, path + [$0.key])) }, o)
            case .sequence: return node
            }
        }
        return .mapping(entries.map { entry in
            var value = walk(entry.value, [entry.key])
            if ["sweep", "zip"].contains(entry.key), case let .mapping(axes, o) = entry.value {
                value = .mapping(axes.map { axis in
                    let path = axis.key.split(separator: ".").map(String.init)
                    guard case let .sequence(items, so) = axis.value else { return axis }
                    return ConfigEntry(key: axis.key, keyOrigin: axis.keyOrigin, value: .sequence(items.map { walk($0, path) }, so))
                }, o)
            }
            return ConfigEntry(key: entry.key, keyOrigin: entry.keyOrigin, value: value)
        }, origin)
    }

    private static func resolved(_ s: ConfigScalar) -> ConfigScalar {
        guard case let .file(path, _, _) = s.origin, !s.text.isEmpty, !s.text.hasPrefix("/"), !s.text.hasPrefix("~"),
              s.quoted || !["null", "Null", "NULL", "~"].contains(s.text) else { return s }
        var r = s
        r.text = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(s.text).standardizedFileURL.path
        return r
    }
}
