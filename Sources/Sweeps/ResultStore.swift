import Foundation
import GRDB

/// The SQLite store of a run directory (`results.sqlite`), through GRDB.
///
/// Tables:
/// - `runs`: one row per configuration and replicate — `run_id` (primary key), `replicate`, one column
///   per swept dotted path (named exactly by the path), `status` (`ok`/`failed`/`nonfinite`),
///   `reason`, `failed_step`, `seconds` (wall time), `cpu_seconds` (the running thread's CPU time: what
///   the cost model estimates, independent of other load), the summary metrics (`spectral_radius`, `sigma_max`,
///   `slope_log10_per_step`, `label`, `horizon`, `lambda_max`, then any other key an executor reports,
///   added as a column when first seen).
/// - `series`: long format — `run_id`, `metric`, `step`, `component`, `value`, `layer` (0 for
///   single-layer models), `direction` (`forward`, or `reverse` in a bidirectional layer).
/// - `meta`: `key`/`value` pairs; `fingerprint` ties the directory to one experiment.
///
/// Each configuration's row and its series are written in one transaction, so a killed process
/// leaves either all of a configuration or nothing of it.
public final class ResultStore: Sendable {
    /// `<run>/results.sqlite`.
    public let url: URL
    private let db: DatabaseQueue
    public let sweptPaths: [String]

    static let fixedColumns = ["run_id", "replicate", "status", "reason", "failed_step", "seconds", "cpu_seconds"]

    /// Opens (or creates) `results.sqlite` in `directory`. An existing store must hold the same
    /// experiment (`fingerprint`, swept paths); otherwise this throws, naming the directory. A new
    /// store's `runs` table starts with `summaryColumns` (name, SQL type) after the fixed columns.
    public init(directory: URL, sweptPaths: [String], fingerprint: String, summaryColumns: [(name: String, type: String)] = []) throws {
        let url = directory.appendingPathComponent("results.sqlite")
        self.url = url
        self.sweptPaths = sweptPaths
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(10) // readers (plot, tests) may look while a run writes
        db = try ResultStore.describingFailures(url) { try DatabaseQueue(path: url.path, configuration: configuration) }
        try ResultStore.describingFailures(url) { try db.write { db in
            if try !db.tableExists("runs") {
                let swept = sweptPaths.map { "\(quoted($0))" }
                let summary = summaryColumns.map { "\(quoted($0.name)) \($0.type)" }
                let columns = ["run_id TEXT PRIMARY KEY NOT NULL", "replicate INTEGER NOT NULL"] + swept
                    + ["status TEXT NOT NULL", "reason TEXT", "failed_step INTEGER", "seconds REAL", "cpu_seconds REAL"] + summary
                try db.execute(sql: "CREATE TABLE runs (\(columns.joined(separator: ", ")))")
                try db.execute(sql: """
                    CREATE TABLE series (run_id TEXT NOT NULL REFERENCES runs(run_id), metric TEXT NOT NULL,
                                         step INTEGER NOT NULL, component INTEGER NOT NULL, value REAL,
                                         layer INTEGER NOT NULL DEFAULT 0, direction TEXT NOT NULL DEFAULT 'forward')
                    """)
                try db.execute(sql: "CREATE INDEX series_by_run ON series(run_id, metric)")
                try db.execute(sql: "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)")
                try db.execute(sql: "INSERT INTO meta VALUES ('fingerprint', ?)", arguments: [fingerprint])
                try db.execute(sql: "INSERT INTO meta VALUES ('swept_paths', ?)", arguments: [sweptPaths.joined(separator: "\n")])
            } else {
                let stored = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'fingerprint'")
                guard stored == fingerprint else {
                    throw StoreMismatch(directory: directory.path)
                }
                // Stores written before stacked models lack the series' layer and direction.
                let columns = Set(try db.columns(in: "series").map(\.name))
                if !columns.contains("layer") { try db.execute(sql: "ALTER TABLE series ADD COLUMN layer INTEGER NOT NULL DEFAULT 0") }
                if !columns.contains("direction") { try db.execute(sql: "ALTER TABLE series ADD COLUMN direction TEXT NOT NULL DEFAULT 'forward'") }
                // Stores written before the cost model's calibration lack the CPU time.
                if try !db.columns(in: "runs").contains(where: { $0.name == "cpu_seconds" }) {
                    try db.execute(sql: "ALTER TABLE runs ADD COLUMN cpu_seconds REAL")
                }
            }
        } }
    }

    /// Runs `body`, turning SQLite's failures into a `RunError` that names the database file and the
    /// cause in words (corrupted, disk full, read-only, cannot open) with what to do.
    static func describingFailures<T>(_ url: URL, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as DatabaseError {
            let path = url.relativePath
            switch e.resultCode.primaryResultCode {
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                throw RunError("\(path): the database is corrupted (\(e.message ?? "SQLite error \(e.resultCode.rawValue)")); its results cannot be read — run the experiment again into a new directory (--fresh or another --out)")
            case .SQLITE_FULL:
                throw RunError("\(path): cannot write the database: the disk is full; what is stored is kept — free space, then continue with --resume")
            case .SQLITE_READONLY, .SQLITE_PERM:
                throw RunError("\(path): cannot write the database: it is read-only (\(e.message ?? "permission denied"))")
            case .SQLITE_CANTOPEN:
                throw RunError("\(path): cannot open the database (\(e.message ?? "unable to open"))")
            case .SQLITE_IOERR:
                throw RunError("\(path): input/output error on the database (\(e.message ?? "disk I/O error")); what is stored is kept — continue with --resume once the disk is fine")
            default:
                throw RunError("\(path): \(e.message ?? "SQLite error \(e.resultCode.rawValue)")")
            }
        }
    }

    /// Opens the store of an existing run directory for reading (plots, exports).
    public init(existing directory: URL) throws {
        url = directory.appendingPathComponent("results.sqlite")
        guard FileManager.default.fileExists(atPath: url.path) else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
                throw RunError("no run directory at \(directory.relativePath)")
            }
            guard isDirectory.boolValue else { throw RunError("\(directory.relativePath): is a file, not a run directory") }
            throw RunError("\(directory.relativePath) holds no run (no results.sqlite)")
        }
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let url = self.url
        let queue = try ResultStore.describingFailures(url) { try DatabaseQueue(path: url.path, configuration: configuration) }
        db = queue
        let paths = try ResultStore.describingFailures(url) { try queue.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'swept_paths'") } }
        sweptPaths = paths.map { $0.isEmpty ? [] : $0.components(separatedBy: "\n") } ?? []
    }

    /// Raised when a run directory holds a different experiment.
    public struct StoreMismatch: Error, CustomStringConvertible {
        public let directory: String
        public var description: String {
            "\(directory) holds results of a different experiment (its settings or swept keys differ); start over with --fresh or choose another --out"
        }
    }

    /// The run ids already stored.
    public func storedRunIDs() throws -> Set<String> {
        try ResultStore.describingFailures(url) { try db.read { db in Set(try String.fetchAll(db, sql: "SELECT run_id FROM runs")) } }
    }

    /// Number of stored runs by status.
    public func statusCounts() throws -> [String: Int] {
        try ResultStore.describingFailures(url) { try db.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM runs GROUP BY status") {
                counts[row["status"]] = row["n"]
            }
            return counts
        } }
    }

    /// Stores finished configurations — each one's `runs` row and all its series — in one
    /// transaction: all of them or none (`StoreWriter` commits what queued up since its last commit).
    /// A summary key without a column gets one (REAL, or TEXT for a text value) when first seen.
    public func insert<Spec>(_ batch: some Collection<FinishedConfiguration<Spec>>) throws {
        guard !batch.isEmpty else { return }
        try ResultStore.describingFailures(url) { try db.write { db in
            for finished in batch { try insert(finished, into: db) }
        } }
    }

    /// One configuration's row and series, inside the caller's transaction.
    private func insert<Spec>(_ finished: FinishedConfiguration<Spec>, into db: Database) throws {
        let configuration = finished.configuration, result = finished.result
        let summary = result.summary.sorted(by: { $0.key < $1.key })
        let existing = Set(try db.columns(in: "runs").map(\.name))
        for (key, value) in summary where !existing.contains(key) {
            let type = if case .text = value { "TEXT" } else { "REAL" }
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN \(quoted(key)) \(type)")
        }
        let runID = configuration.runID
        var names = ["run_id", "replicate"]
        var values: [DatabaseValueConvertible?] = [runID, configuration.replicate]
        for v in configuration.point.values {
            names.append(v.path)
            values.append(v.value.databaseValue)
        }
        names += ["status", "reason", "failed_step", "seconds", "cpu_seconds"]
        values += [result.status.rawValue, result.reason, result.failedStep, finished.seconds, finished.cpuSeconds]
        for (key, value) in summary where !ResultStore.fixedColumns.contains(key) && !sweptPaths.contains(key) {
            names.append(key)
            values.append(value.databaseValue)
        }
        let placeholders = Array(repeating: "?", count: names.count).joined(separator: ", ")
        try db.execute(sql: "INSERT INTO runs (\(names.map(quoted).joined(separator: ", "))) VALUES (\(placeholders))",
                       arguments: StatementArguments(values))
        let statement = try db.cachedStatement(sql: "INSERT INTO series (run_id, metric, step, component, value, layer, direction) VALUES (?, ?, ?, ?, ?, ?, ?)")
        for p in result.series {
            try statement.execute(arguments: [runID, p.metric, p.step, p.component, p.value, p.layer, p.direction])
        }
    }

    /// `layer, direction`, or their defaults for a read-only store written before stacked models.
    var layerColumns: String {
        let has = (try? db.read { db in try db.columns(in: "series").contains { $0.name == "layer" } }) ?? false
        return has ? "layer, direction" : "0 AS layer, 'forward' AS direction"
    }

    /// The rows of a query, as column names and values (for CSV export and plotting).
    public func table(_ sql: String, arguments: [String] = []) throws -> (columns: [String], rows: [[DatabaseValue]]) {
        try ResultStore.describingFailures(url) { try db.read { db in
            let statement = try db.makeStatement(sql: sql)
            try statement.setArguments(StatementArguments(arguments))
            let columns = statement.columnNames
            let rows = try Row.fetchAll(statement).map { row in (0..<row.count).map { row[$0] as DatabaseValue } }
            return (columns, rows)
        } }
    }

    /// Writes `runs.csv` and `series.csv` next to the database, each atomically (`AtomicFile`): a
    /// failed write (a full disk) leaves the previous file or none, never a partial one. The rows are
    /// streamed from one read transaction into the text (none is held as a value).
    public func exportCSV(to directory: URL, using writer: FileWriter = .posix) throws {
        let layer = layerColumns
        try ResultStore.describingFailures(url) { try db.read { db in
            try CSV.write(try db.makeStatement(sql: "SELECT * FROM runs ORDER BY rowid"),
                          to: directory.appendingPathComponent("runs.csv"), using: writer)
            try CSV.write(try db.makeStatement(sql: "SELECT run_id, metric, step, component, value, \(layer) FROM series ORDER BY rowid"),
                          to: directory.appendingPathComponent("series.csv"), using: writer)
        } }
    }
}

/// An SQL identifier in double quotes (dotted paths are column names).
func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

extension StoredValue {
    var databaseValue: DatabaseValue {
        switch self {
        case let .number(d): return d.databaseValue
        case let .integer(i): return i.databaseValue
        case let .text(s): return s.databaseValue
        }
    }
}

/// RFC 4180 CSV: a header row, fields quoted when they hold a comma, quote or line break; NULL is
/// empty; numbers in Swift's shortest round-trip form (`inf`, `-inf` as pandas reads them).
enum CSV {
    /// Writes the rows of `statement` under a header of its column names to `url` (atomically).
    static func write(_ statement: Statement, to url: URL, using writer: FileWriter = .posix) throws {
        var text = statement.columnNames.map(field).joined(separator: ",") + "\n"
        let rows = try Row.fetchCursor(statement)
        while let row = try rows.next() {
            for i in 0..<row.count {
                if i > 0 { text += "," }
                switch (row[i] as DatabaseValue).storage {
                case .null: break
                case let .int64(v): text += String(v)
                case let .double(v): text += String(v)
                case let .string(v): text += field(v)
                case let .blob(v): text += field(v.base64EncodedString())
                }
            }
            text += "\n"
        }
        try AtomicFile.write(text, to: url, using: writer)
    }

    /// `s`, quoted when it holds a comma, a quote, CR or LF (looked for in its UTF-8 bytes: a
    /// grapheme "\r\n" is one `Character`, equal to neither "\r" nor "\n", and a byte scan is what
    /// the export's hundred thousand fields can afford).
    static func field(_ s: String) -> String {
        s.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
