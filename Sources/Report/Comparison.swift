import Foundation
import Lab
import Sweeps

/// Two or more run directories of compatible experiments, matched configuration by configuration.
///
/// Compatible: the same mode and the same swept keys (their values may differ: a grid point present in
/// only some directories shows "–" in the others). A configuration is a grid point (its swept values);
/// each directory's value is the mean over that point's `ok` replicates, and Δ is each later directory's
/// value minus the first's.
struct Comparison {
    struct Row {
        /// The grid point as read: `ρ(W_hh) = 0.5, activation = tanh` (swept keys by their titles).
        let point: String
        /// Per summary column, per directory: the mean over ok replicates (nil: no ok replicate there),
        /// or for text columns the majority text.
        let values: [String: [StoredValue?]]
    }

    let runs: [ReportedRun]
    let sweptPaths: [String]
    /// Summary columns stored by every directory, numeric or text, in the first directory's order.
    let columns: [String]
    let rows: [Row]

    /// Matches `runs` (at least two); throws `RunError` naming what differs when they cannot be compared.
    init(_ runs: [ReportedRun]) throws {
        guard let first = runs.first, runs.count > 1 else { throw RunError("a comparison needs at least two run directories") }
        for other in runs.dropFirst() {
            if other.mode != first.mode {
                throw RunError("\(other.directory.path) cannot be compared with \(first.directory.path): mode \(other.mode) vs \(first.mode)")
            }
            if Set(other.sweptPaths) != Set(first.sweptPaths) {
                let show = { (p: [String]) in p.isEmpty ? "nothing" : p.joined(separator: ", ") }
                throw RunError("\(other.directory.path) cannot be compared with \(first.directory.path): it sweeps \(show(other.sweptPaths)), the first sweeps \(show(first.sweptPaths))")
            }
        }
        self.runs = runs
        sweptPaths = first.sweptPaths
        let columns = first.summaryColumns.filter { c in runs.allSatisfy { $0.summaryColumns.contains(c) } }
        self.columns = columns
        // Grid points in first-seen order over all directories.
        var order: [String] = []
        for run in runs { for r in run.rows where !order.contains(r.pointKey(first.sweptPaths)) { order.append(r.pointKey(first.sweptPaths)) } }
        rows = order.map { point in
            var values: [String: [StoredValue?]] = [:]
            for c in columns {
                values[c] = runs.map { run in
                    let ok = run.rows.filter { $0.status == ConfigurationResult.Status.ok.rawValue && $0.pointKey(first.sweptPaths) == point }
                    let stored = ok.compactMap { $0.summary[c] }
                    if stored.contains(where: { $0.number == nil }) { return Findings.majority(stored.map(\.description)).map(StoredValue.text) }
                    let numbers = stored.compactMap(\.number)
                    return numbers.isEmpty ? nil : .number(numbers.reduce(0, +) / Double(numbers.count))
                }
            }
            let title = runs.lazy.flatMap(\.rows).first { $0.pointKey(first.sweptPaths) == point }
                .map { $0.pointTitle(first.sweptPaths) } ?? point
            return Row(point: title, values: values)
        }
    }

    /// Δ of directory `k` against the first for a numeric column (nil when either is missing or text).
    func difference(_ row: Row, _ column: String, _ k: Int) -> Double? {
        guard let v = row.values[column], let a = v.first??.number, let b = v[k]?.number else { return nil }
        return b - a
    }
}
