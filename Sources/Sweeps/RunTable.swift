import Foundation
import GRDB

/// A run's summary columns grouped by swept paths: for each group (one value of every `by` path) and
/// each column, the mean and the sample standard deviation (n − 1 in the denominator) over the group's
/// `ok` runs that have a value (a NULL, e.g. `iterations_to_solve` of an unsolved run, is left out and
/// lowers that cell's n). What `gradlab table` prints; the numbers are the stored numbers.
public struct RunTable: Sendable {
    /// One cell: numbers (n, mean, sd; sd nil when n < 2), or the distinct texts of a TEXT column with
    /// their counts (in order of first appearance).
    public enum Cell: Sendable, Equatable {
        case numbers(n: Int, mean: Double, sd: Double?)
        case texts([TextCount])
        /// No `ok` run of the group has a value.
        case empty
    }

    public struct TextCount: Sendable, Equatable {
        public let text: String
        public let count: Int
    }

    /// One row: the values of the `by` paths, how many runs are `ok` (averaged) and not, one cell per column.
    public struct Group: Sendable {
        public let values: [StoredValue]
        public let ok: Int
        public let notOK: Int
        public let cells: [Cell]
    }

    /// A `--where path=value` filter (several values of one path: any of them).
    public struct Filter: Sendable {
        public let path: String
        public let value: String
        /// The argument as written, for error messages.
        public let argument: String

        public init(path: String, value: String, argument: String) {
            self.path = path
            self.value = value
            self.argument = argument
        }
    }

    public let byPaths: [String]
    public let columns: [String]
    public let groups: [Group]

    /// Columns of `runs` that are not summaries.
    static let bookkeeping: Set<String> = ["run_id", "replicate", "status", "reason", "failed_step"]

    /// Reads `runs` of the store in `directory`. `columns` nil: every summary column some `ok` run
    /// filled; `by` nil: every swept path. A requested column in `known` (the metric catalog's summary
    /// names) that the store lacks — a column is added when a run first reports it, e.g.
    /// `iterations_to_solve` once some run is solved — gives empty cells. Unknown columns, paths and
    /// values are `RunError`s naming the option, with the closest name. Rows are read in `gridOrder`
    /// (the grid order of the run's experiment file, `GridOrder(runDirectory:spec:)`), so that values
    /// that are not numbers come in the file's order whatever order the configurations finished in;
    /// runs it does not know (or all of them, with an empty order) keep the store's order.
    public static func read(directory: URL, columns requested: [String]?, by requestedBy: [String]?,
                            filters: [Filter] = [], known: Set<String> = [], gridOrder: GridOrder = GridOrder()) throws -> RunTable {
        let store = try ResultStore(existing: directory)
        let table = try store.table("SELECT * FROM runs ORDER BY rowid")
        let index = Dictionary(table.columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let swept = store.sweptPaths
        let statusIndex = index["status"] ?? 0
        let isOK = table.rows.map { String.fromDatabaseValue($0[statusIndex]) == "ok" }
        let summaries = table.columns.filter { !bookkeeping.contains($0) && !swept.contains($0) }
        let dir = directory.relativePath

        /// `--by x: runs/r has no swept path 'x' (did you mean 'y'?); swept paths: …`, located at the argument.
        func unknown(_ argument: String, _ word: String, _ what: String, among candidates: [String]) -> RunError {
            let hint = suggestion(for: word, among: candidates).map { " (did you mean '\($0)'?)" } ?? ""
            let list = candidates.isEmpty ? "none" : candidates.joined(separator: ", ")
            return RunError("\(argument): \(dir) has no \(what) '\(word)'\(hint); \(what)s: \(list)")
        }

        let columns: [String]
        if let requested {
            for c in requested where !summaries.contains(c) && !known.contains(c) {
                throw unknown("--columns \(c)", c, "summary column", among: summaries)
            }
            columns = requested
        } else {
            columns = summaries.filter { c in
                guard let i = index[c] else { return false }
                return table.rows.indices.contains { isOK[$0] && !table.rows[$0][i].isNull }
            }
        }
        let byPaths = requestedBy ?? swept
        for p in byPaths where !swept.contains(p) {
            throw unknown("--by \(p)", p, "swept path", among: swept)
        }

        // Row values of the swept paths, as stored.
        func stored(_ row: [DatabaseValue], _ path: String) -> StoredValue? {
            guard let i = index[path] else { return nil }
            switch row[i].storage {
            case let .int64(v): return .integer(v)
            case let .double(v): return .number(v)
            case let .string(v): return .text(v)
            case .null, .blob: return nil
            }
        }

        // Filters: the path must be swept and the value one that is stored for it.
        var allowed: [String: [Filter]] = [:]
        for f in filters {
            guard swept.contains(f.path) else { throw unknown("--where \(f.argument)", f.path, "swept path", among: swept) }
            allowed[f.path, default: []].append(f)
        }
        for (path, fs) in allowed {
            var seen: [String] = []
            for row in table.rows { if let v = stored(row, path)?.description, !seen.contains(v) { seen.append(v) } }
            for f in fs where !seen.contains(where: { matches($0, f.value) }) {
                let hint = suggestion(for: f.value, among: seen).map { " (did you mean '\($0)'?)" } ?? ""
                throw RunError("--where \(f.argument): no run of \(dir) has \(path) = \(f.value)\(hint); stored values: \(seen.joined(separator: ", "))")
            }
        }
        let filtered = table.rows.indices.filter { r in
            allowed.allSatisfy { path, fs in
                guard let v = stored(table.rows[r], path)?.description else { return false }
                return fs.contains { matches(v, $0.value) }
            }
        }
        let runIDIndex = index["run_id"] ?? 0
        let kept = gridOrder.sorted(filtered) { String.fromDatabaseValue(table.rows[$0][runIDIndex]) ?? "" }

        // Groups in the order of their values: numbers ascending, texts as first seen in grid order (the file's order).
        var firstSeen: [String: [String: Int]] = [:]
        for r in kept {
            for p in byPaths {
                let text = stored(table.rows[r], p)?.description ?? ""
                if firstSeen[p, default: [:]][text] == nil { firstSeen[p, default: [:]][text] = firstSeen[p]?.count ?? 0 }
            }
        }
        var members: [[String]: [Int]] = [:]
        var keyValues: [[String]: [StoredValue]] = [:]
        for r in kept {
            let values = byPaths.map { stored(table.rows[r], $0) ?? .text("") }
            let key = values.map(\.description)
            members[key, default: []].append(r)
            keyValues[key] = values
        }
        let orderedKeys = members.keys.sorted { a, b in
            for (i, p) in byPaths.enumerated() where a[i] != b[i] {
                if let x = keyValues[a]?[i].number, let y = keyValues[b]?[i].number { return x < y }
                return (firstSeen[p]?[a[i]] ?? 0) < (firstSeen[p]?[b[i]] ?? 0)
            }
            return false
        }

        let groups = orderedKeys.map { key -> Group in
            let rows = members[key] ?? []
            let okRows = rows.filter { isOK[$0] }
            let cells = columns.map { c -> Cell in
                guard let i = index[c] else { return .empty }
                return cell(okRows.map { table.rows[$0][i] })
            }
            return Group(values: keyValues[key] ?? [], ok: okRows.count, notOK: rows.count - okRows.count, cells: cells)
        }
        return RunTable(byPaths: byPaths, columns: columns, groups: groups)
    }

    /// A stored value equals a `--where` value: as text, or as numbers (`50` matches 50.0).
    static func matches(_ stored: String, _ wanted: String) -> Bool {
        if stored == wanted { return true }
        if let a = Double(stored), let b = Double(wanted) { return a == b }
        return false
    }

    /// The mean and sample sd of the numbers, or the counts of the texts, of one column in one group.
    static func cell(_ values: [DatabaseValue]) -> Cell {
        var numbers: [Double] = []
        var texts: [TextCount] = []
        for v in values {
            switch v.storage {
            case let .int64(i): numbers.append(Double(i))
            case let .double(d): numbers.append(d)
            case let .string(s):
                if let k = texts.firstIndex(where: { $0.text == s }) {
                    texts[k] = TextCount(text: s, count: texts[k].count + 1)
                } else {
                    texts.append(TextCount(text: s, count: 1))
                }
            case .null, .blob: break
            }
        }
        if !texts.isEmpty { return .texts(texts) }
        guard !numbers.isEmpty else { return .empty }
        let n = Double(numbers.count)
        let mean = numbers.reduce(0, +) / n
        guard numbers.count > 1 else { return .numbers(n: 1, mean: mean, sd: nil) }
        let squares = numbers.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return .numbers(n: numbers.count, mean: mean, sd: (squares / (n - 1)).squareRoot())
    }
}
