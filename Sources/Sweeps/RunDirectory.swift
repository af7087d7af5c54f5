import Foundation

/// A run directory before a run: what it holds, and whether an experiment may go into it.
///
/// Rules (docs/experiments.md, "The run directory"):
/// - a path that exists and is not a directory is refused;
/// - a missing or empty directory starts a new run;
/// - a directory holding a run (`results.sqlite` or `experiment.yaml`) is continued only by the
///   *identical* experiment (`changes(from:to:)` is empty): stored configurations are skipped;
///   any change is refused, listing what differs;
/// - a non-empty directory holding no run is refused (it is someone else's);
/// - `fresh` (start over) needs a missing or empty directory; `requireExistingRun` (`--resume`) one
///   holding a run.
public enum RunDirectory {
    /// What a path holds.
    public enum Contents: Equatable, Sendable {
        case missing
        case empty
        /// A run: the text of its `experiment.yaml`, if there is one.
        case run(experimentYAML: String?)
        /// A non-empty directory without a run; the first few entry names.
        case other([String])
    }

    /// Files a run writes; a directory holding only these (and `plots/`) holds a run or its remains.
    static let runFiles: Set<String> = ["results.sqlite", "results.sqlite-journal", "results.sqlite-wal", "results.sqlite-shm",
                                        "experiment.yaml", "manifest.json", "runs.csv", "series.csv", RunLock.fileName, "plots"]

    /// What `url` holds; throws `RunError` when it is a file or cannot be read.
    public static func contents(of url: URL) throws -> Contents {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return .missing }
        guard isDirectory.boolValue else { throw RunError("\(url.relativePath): is a file, not a directory") }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
        } catch {
            throw RunError("\(url.relativePath): cannot read the directory (\((error as NSError).localizedDescription))")
        }
        let meaningful = entries.filter { $0 != RunLock.fileName && !$0.hasPrefix(".") }
        if meaningful.isEmpty { return .empty }
        if meaningful.contains("results.sqlite") || meaningful.contains("experiment.yaml") {
            let yaml = url.appendingPathComponent("experiment.yaml")
            guard FileManager.default.fileExists(atPath: yaml.path) else { return .run(experimentYAML: nil) }
            do {
                return .run(experimentYAML: try String(contentsOf: yaml, encoding: .utf8))
            } catch {
                throw RunError("\(yaml.relativePath): cannot read the run's experiment (\((error as NSError).localizedDescription))")
            }
        }
        return .other(Array(meaningful.prefix(3)))
    }

    /// Checks that `experiment` may run into `url` (read-only: nothing is created or locked); returns
    /// whether the directory already holds its run. Throws `RunError` saying why not and what to do.
    @discardableResult
    public static func check(_ experiment: ConfigNode, name: String, into url: URL, requireExistingRun: Bool = false,
                             fresh: Bool = false) throws -> Bool {
        let path = url.relativePath
        switch try contents(of: url) {
        case .missing:
            if requireExistingRun { throw RunError("--resume: no run directory at \(path)") }
            return false
        case .empty:
            if requireExistingRun { throw RunError("--resume: \(path) holds no run to resume (the directory is empty)") }
            return false
        case .other(let entries):
            throw RunError("\(path) is not empty and holds no run (it has \(entries.map { "'\($0)'" }.joined(separator: ", ")), …); choose a new or empty directory with --out")
        case .run(let yaml):
            if fresh {
                throw RunError("\(path) already holds a run; --fresh starts over in a new directory: choose another --out (or leave --out out to use the first free runs/\(name)-N)")
            }
            guard let yaml else { return true } // a run killed before it wrote experiment.yaml: the store's fingerprint decides
            let stored: ConfigNode
            do {
                stored = try ConfigNode.parse(yaml: yaml, path: url.appendingPathComponent("experiment.yaml").relativePath)
            } catch {
                throw RunError("\(path)/experiment.yaml cannot be read back (\(error)); start over with --fresh or another --out")
            }
            let changes = RunDirectory.changes(from: stored, to: experiment)
            if !changes.isEmpty {
                let shown = changes.prefix(12).map { "  " + $0 }.joined(separator: "\n")
                let more = changes.count > 12 ? "\n  … and \(changes.count - 12) more" : ""
                throw RunError("""
                    \(path) holds a run of a different experiment; a run directory is only continued by the identical experiment. What differs (stored → now):
                    \(shown)\(more)
                    To keep the stored results, run the experiment as stored (\(path)/experiment.yaml) with --resume; to start over, use --fresh (a new directory) or another --out.
                    """)
            }
            return true
        }
    }

    /// What differs between the resolved experiment stored in a run directory and `current`, as
    /// `path: stored → now` lines (sorted by path; `(absent)` for a missing key). Empty means identical.
    ///
    /// Identical means: the same resolved tree (overrides applied; scalars compared in canonical form,
    /// so `0.50` = `0.5`; keys in any order) apart from `plots:` and `description:`, which change no
    /// stored number; the values of a `sweep:` axis compare as sets and the `zip:` block as its set of
    /// tuples, since reordering them gives the same configurations (the same run ids).
    public static func changes(from stored: ConfigNode, to current: ConfigNode) -> [String] {
        let a = flatten(stored), b = flatten(current)
        var lines: [String] = []
        for path in Set(a.keys).union(b.keys).sorted() where a[path] != b[path] {
            lines.append("\(path): \(a[path] ?? "(absent)") → \(b[path] ?? "(absent)")")
        }
        if zipTuples(stored) != zipTuples(current) {
            let before = zipAxes(stored), after = zipAxes(current)
            for path in Set(before.keys).union(after.keys).sorted() where before[path] != after[path] {
                lines.append("zip.\(path): \(before[path] ?? "(absent)") → \(after[path] ?? "(absent)")")
            }
        }
        return lines
    }

    /// Top-level keys that change no stored number.
    static let ignoredKeys: Set<String> = ["plots", "description"]

    /// The tree as dotted path → canonical text, leaves only; sweep axes as sorted value sets; the
    /// zip block left out (compared by `zipTuples`).
    static func flatten(_ tree: ConfigNode) -> [String: String] {
        var out: [String: String] = [:]
        func walk(_ node: ConfigNode, _ path: String) {
            if let entries = node.entries, !entries.isEmpty {
                for e in entries { walk(e.value, path.isEmpty ? e.key : path + "." + e.key) }
            } else {
                out[path] = node.canonical
            }
        }
        for entry in tree.entries ?? [] where !ignoredKeys.contains(entry.key) && entry.key != "zip" {
            if entry.key == "sweep", let axes = entry.value.entries {
                for axis in axes {
                    if case let .sequence(items, _) = axis.value {
                        out["sweep." + axis.key] = "{" + Set(items.map(\.canonical)).sorted(by: valueOrder).joined(separator: ", ") + "}"
                    } else {
                        out["sweep." + axis.key] = axis.value.canonical
                    }
                }
            } else {
                walk(entry.value, entry.key)
            }
        }
        return out
    }

    /// Numbers by value, before any text; texts alphabetically.
    static func valueOrder(_ a: String, _ b: String) -> Bool {
        switch (Double(a), Double(b)) {
        case let (x?, y?): return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a < b
        }
    }

    /// The zip block's axes: path → its list in order.
    static func zipAxes(_ tree: ConfigNode) -> [String: String] {
        var out: [String: String] = [:]
        for axis in tree["zip"]?.entries ?? [] { out[axis.key] = axis.value.canonical }
        return out
    }

    /// The zip block as a set of tuples `path=value, …` (nil entries for a malformed block compare as text).
    static func zipTuples(_ tree: ConfigNode) -> Set<String> {
        guard let axes = tree["zip"]?.entries else { return [] }
        var columns: [(String, [String])] = []
        for axis in axes.sorted(by: { $0.key < $1.key }) {
            guard case let .sequence(items, _) = axis.value else { return [axis.key + "=" + axis.value.canonical] }
            columns.append((axis.key, items.map(\.canonical)))
        }
        let length = columns.map(\.1.count).min() ?? 0
        return Set((0..<length).map { i in columns.map { "\($0.0)=\($0.1[i])" }.joined(separator: ", ") })
    }
}
