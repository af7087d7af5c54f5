import Foundation
import GRDB

/// Merges the stores of shards (`DIR/shards/<i>/results.sqlite`, each written by `gradlab run --shard`)
/// into one run directory's store, every configuration exactly once.
///
/// - Refusal: a shard whose `experiment.yaml` hashes differently from the experiment (`Sweep.hash(of:)`
///   of the whole resolved tree), whose store's fingerprint differs, or that holds a run id the
///   experiment does not have, is refused before anything is written, naming the shard.
/// - Exactly once, idempotent: a run id already in the destination is never written again; one found
///   in two shards is taken from the first (the runs are deterministic, so both hold the same numbers).
///   Merging twice, or again after more shards finished, only adds what is new.
/// - Per-run files: files a run writes beside the store, named by its run id inside a folder of the run
///   directory (`models/<run id>.safetensors`, `unit-maps/<run id>/`), are copied for every run of the
///   experiment a shard holds and the destination lacks (copied under a temporary name, then renamed),
///   so a row never points at a file only its shard has; a merge interrupted between rows and files
///   copies the files next time.
/// - Bit-identical: rows and series are copied by SQL (`INSERT … SELECT`), doubles untouched; run ids
///   and seeds derive from the configuration identity, not from the shard, so the merged store holds
///   what a single-process `gradlab run` stores (apart from `seconds` and `cpu_seconds`, the measured times). New rows
///   go in grid order within each shard.
public enum ShardMerge {
    /// One shard's progress against its plan.
    public struct ShardProgress: Sendable, Equatable {
        /// The shard directory's name (the array task id).
        public let name: String
        /// Configurations of the shard's plan stored in its store (any status).
        public let stored: Int
        /// Of those, `failed` or `nonfinite`.
        public let failed: Int
        /// Configurations the shard's plan holds.
        public let total: Int
        public var finished: Bool { stored >= total }
    }

    /// What a merge did.
    public struct Report: Sendable {
        /// Newly copied into the destination.
        public let merged: Int
        /// Found in a shard but already in the destination (an earlier merge, or another shard).
        public let alreadyMerged: Int
        /// Configurations of the experiment in the destination after the merge.
        public let present: Int
        /// Configurations of the experiment.
        public let total: Int
        /// The configurations still missing, in grid order, as `run_id (path=value, …, replicate r)`.
        public let missing: [String]
    }

    /// A shard that does not belong to the experiment.
    public struct ForeignShard: Error, CustomStringConvertible {
        public let description: String
    }

    /// Checks every shard directory, then copies what is new into `destination`'s store (created if
    /// missing), and writes `runs.csv`, `series.csv`, `experiment.yaml` and `manifest.json` there.
    /// Shard directories without a `results.sqlite` (not started yet) are skipped.
    public static func merge<E: SweepExecutor>(_ experiment: Sweep<E.Spec>, executor: E, shards: [URL], into destination: URL,
                                               commandLine: [String] = CommandLine.arguments) throws -> Report {
        let started = Date()
        let expected = expectedRuns(experiment)
        let present = shards.filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("results.sqlite").path) }
        for shard in present { try check(shard, of: experiment, expected: expected) }

        let fm = FileManager.default
        try fm.createDirectory(at: destination, withIntermediateDirectories: true)
        let store = try ResultStore(directory: destination, sweptPaths: experiment.grid.sweptPaths, fingerprint: experiment.fingerprint,
                                    summaryColumns: executor.summaryColumns)
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(10)
        let db = try DatabaseQueue(path: store.url.path, configuration: configuration)
        var merged = 0, already = 0
        for shard in present {
            let (m, a) = try copy(shard.appendingPathComponent("results.sqlite"), into: db, order: expected)
            merged += m
            already += a
            try copyRunFiles(from: shard, into: destination, runIDs: expected)
        }
        let have = try store.storedRunIDs()
        var missing: [String] = []
        for c in experiment.configurations where !have.contains(c.runID) {
            let which = c.point.values.map { "\($0.path)=\($0.text)" } + ["replicate \(c.replicate)"]
            missing.append("\(c.runID) (\(which.joined(separator: ", ")))")
        }

        try store.exportCSV(to: destination)
        try experiment.resolvedYAML().write(to: destination.appendingPathComponent("experiment.yaml"), atomically: true, encoding: .utf8)
        var manifest = Manifest(experiment: experiment, options: RunOptions(outDirectory: destination, jobs: 1, commandLine: commandLine),
                                started: started, planned: experiment.runCount)
        manifest.finished = Date()
        manifest.ranNow = merged
        manifest.skipped = already
        try manifest.write(to: destination, counts: try store.statusCounts())
        return Report(merged: merged, alreadyMerged: already, present: experiment.runCount - missing.count,
                      total: experiment.runCount, missing: missing)
    }

    /// Each shard's stored/failed/total against `plan` (shard k of the plan ↔ `shards[k]`). A shard
    /// directory without a store counts as nothing stored.
    public static func progress<Spec>(_ experiment: Sweep<Spec>, plan: [Shard], shards: [URL]) throws -> [ShardProgress] {
        try zip(plan, shards).map { shard, directory in
            let ids = Set(experiment.configurations(shard: shard).map(\.runID))
            var stored = 0, failed = 0
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("results.sqlite").path) {
                let t = try ResultStore(existing: directory).table("SELECT run_id, status FROM runs")
                for row in t.rows {
                    guard let id = String.fromDatabaseValue(row[0]), ids.contains(id) else { continue }
                    stored += 1
                    if String.fromDatabaseValue(row[1]) != ConfigurationResult.Status.ok.rawValue { failed += 1 }
                }
            }
            return ShardProgress(name: directory.lastPathComponent, stored: stored, failed: failed, total: ids.count)
        }
    }

    /// Run id → position in grid order (then replicate) of every configuration of the experiment.
    static func expectedRuns<Spec>(_ experiment: Sweep<Spec>) -> [String: Int] {
        var out: [String: Int] = [:]
        out.reserveCapacity(experiment.runCount)
        for (position, c) in experiment.configurations.enumerated() { out[c.runID] = position }
        return out
    }

    /// Throws `ForeignShard` unless `shard` ran this experiment: same resolved-experiment hash, same
    /// store fingerprint, and only run ids of this experiment.
    static func check<Spec>(_ shard: URL, of experiment: Sweep<Spec>, expected: [String: Int]) throws {
        let yaml = shard.appendingPathComponent("experiment.yaml")
        let want = experiment.resolvedHash
        guard let text = try? String(contentsOf: yaml, encoding: .utf8) else {
            throw ForeignShard(description: "\(shard.path) has a results.sqlite but no readable experiment.yaml; it was not written by this experiment's array task (move it away, or delete it and resubmit that task)")
        }
        let got = Sweep<Spec>.hash(of: try ConfigNode.parse(yaml: text, path: yaml.path))
        guard got == want else {
            throw ForeignShard(description: "\(shard.path) holds a different experiment (resolved experiment hash \(got), expected \(want) of \(experiment.source)); refusing to merge it (move it away, or delete it and resubmit that task)")
        }
        let store = try ResultStore(existing: shard)
        let fingerprint = try store.table("SELECT value FROM meta WHERE key = 'fingerprint'").rows.first.flatMap { String.fromDatabaseValue($0[0]) }
        guard fingerprint == experiment.fingerprint else {
            throw ForeignShard(description: "\(shard.path)/results.sqlite holds results of a different experiment (its settings or swept keys differ from \(experiment.source)); refusing to merge it")
        }
        for id in try store.storedRunIDs() where expected[id] == nil {
            throw ForeignShard(description: "\(shard.path)/results.sqlite holds run \(id), which \(experiment.source) does not have (a different sweep or replicate count); refusing to merge it")
        }
    }

    /// Copies each per-run file of `shard` (an entry of one of its folders whose name up to the first
    /// `.` is a run id of the experiment) that `destination` lacks: first as `.merging-<name>`, then
    /// renamed into place. Folders of the shard's own (`shards`) and entries not named by a run id are
    /// left alone.
    static func copyRunFiles(from shard: URL, into destination: URL, runIDs: [String: Int]) throws {
        let fm = FileManager.default
        for child in ((try? fm.contentsOfDirectory(atPath: shard.path)) ?? []).sorted() where child != "shards" {
            let folder = shard.appendingPathComponent(child, isDirectory: true)
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let entries = (try? fm.contentsOfDirectory(atPath: folder.path)) ?? []
            let target = destination.appendingPathComponent(folder.lastPathComponent, isDirectory: true)
            for name in entries.sorted() {
                let id = String(name.prefix { $0 != "." })
                guard runIDs[id] != nil else { continue }
                let final = target.appendingPathComponent(name)
                if fm.fileExists(atPath: final.path) { continue }
                try fm.createDirectory(at: target, withIntermediateDirectories: true)
                let partial = target.appendingPathComponent(".merging-\(name)")
                if fm.fileExists(atPath: partial.path) { try fm.removeItem(at: partial) }
                try fm.copyItem(at: folder.appendingPathComponent(name), to: partial)
                try fm.moveItem(at: partial, to: final)
            }
        }
    }

    /// Copies the runs of `source` missing in `db` (and their series), in grid order, in one
    /// transaction; adds `runs` columns the destination lacks. Returns (copied, already present).
    static func copy(_ source: URL, into db: DatabaseQueue, order: [String: Int]) throws -> (Int, Int) {
        try db.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS shard", arguments: [source.path])
            defer { try? db.execute(sql: "DETACH DATABASE shard") }
            var result = (0, 0)
            try db.inTransaction {
                let mine = Set(try db.columns(in: "runs").map(\.name))
                let theirs = try Row.fetchAll(db, sql: "SELECT name, type FROM pragma_table_info('runs', 'shard') ORDER BY cid")
                let columns: [String] = theirs.compactMap { $0["name"] }
                for row in theirs {
                    guard let name: String = row["name"], !mine.contains(name) else { continue }
                    let type: String = row["type"] ?? ""
                    try db.execute(sql: "ALTER TABLE main.runs ADD COLUMN \(quoted(name)) \(type)")
                }
                let have = Set(try String.fetchAll(db, sql: "SELECT run_id FROM main.runs"))
                let ids = try String.fetchAll(db, sql: "SELECT run_id FROM shard.runs")
                let new = ids.filter { !have.contains($0) }.sorted { (order[$0] ?? Int.max, $0) < (order[$1] ?? Int.max, $1) }
                let list = columns.map(quoted).joined(separator: ", ")
                let runs = try db.makeStatement(sql: "INSERT INTO main.runs (\(list)) SELECT \(list) FROM shard.runs WHERE run_id = ?")
                let series = try db.makeStatement(sql: """
                    INSERT INTO main.series (run_id, metric, step, component, value, layer, direction)
                    SELECT run_id, metric, step, component, value, layer, direction FROM shard.series WHERE run_id = ? ORDER BY rowid
                    """)
                for id in new {
                    try runs.execute(arguments: [id])
                    try series.execute(arguments: [id])
                }
                result = (new.count, ids.count - new.count)
                return .commit
            }
            return result
        }
    }
}
