import ExperimentPlots
import Foundation
import GRDB
import Lab
import Sweeps

/// Everything a report shows of one run directory, read once: the resolved `experiment.yaml` (name,
/// description, mode), `manifest.json` (version, commit, host, times), every row of `runs` in
/// `results.sqlite` and the declared charts drawn from the store. Nothing is recomputed from the
/// experiment: the numbers are the stored numbers.
public struct ReportedRun: Sendable {
    /// The directory as given on the command line, and its last path component (the run's label in comparisons).
    public let directory: URL
    public var label: String { directory.standardizedFileURL.lastPathComponent }

    public let name: String
    public let description: String?
    /// The `mode:` of the experiment (`gradient-flow`, `lyapunov`, `train`).
    public let mode: String
    /// The resolved experiment file and the manifest, verbatim (shown collapsed).
    public let experimentText: String
    public let manifestText: String?
    public let manifest: RunManifest?

    /// The swept paths, in the store's column order.
    public let sweptPaths: [String]
    /// Every `runs` row, in the grid order of the run's experiment.yaml (`GridOrder`; the store's order for
    /// runs of no grid point).
    public let rows: [RunRow]
    /// The summary columns of `runs` (after the fixed and swept columns) that some run filled.
    public let summaryColumns: [String]
    /// The declared charts, drawn from the store (only `ok` runs are drawn).
    public let figures: [RunPlots.DrawnFigure]
    /// Declared plots that drew nothing, as sentences naming what they need.
    public let emptyPlots: [String]

    /// Reads `directory`; throws `RunError` when it holds no run, `ExperimentError` for an unreadable experiment file.
    public init(directory: URL) throws {
        self.directory = directory
        let experimentPath = directory.appendingPathComponent("experiment.yaml").path
        let store = try ResultStore(existing: directory) // says "holds no run" first when results.sqlite is missing
        guard let data = FileManager.default.contents(atPath: experimentPath) else {
            throw RunError("\(directory.path) holds no run (no experiment.yaml)")
        }
        experimentText = String(decoding: data, as: UTF8.self)
        let tree = try ConfigNode.parse(yaml: experimentText, path: experimentPath)
        func scalar(_ key: String) -> String? { if case let .scalar(s)? = tree[key] { return s.text } else { return nil } }
        name = scalar("name") ?? directory.standardizedFileURL.lastPathComponent
        description = scalar("description")
        mode = scalar("mode") ?? Mode.gradientFlow.rawValue

        let manifestURL = directory.appendingPathComponent("manifest.json")
        manifestText = (try? Data(contentsOf: manifestURL)).map { String(decoding: $0, as: UTF8.self) }
        manifest = manifestText.flatMap { try? JSONDecoder.iso8601.decode(RunManifest.self, from: Data($0.utf8)) }

        sweptPaths = store.sweptPaths
        let table = try store.table("SELECT * FROM runs ORDER BY rowid")
        // In the experiment file's grid order (the store's is the order configurations finished).
        let rows = GridOrder(runDirectory: directory, spec: ExperimentSpec.self).sorted(
            table.rows.map { RunRow(columns: table.columns, values: $0, sweptPaths: store.sweptPaths) }) { $0.runID }
        self.rows = rows
        summaryColumns = table.columns.filter { c in
            !RunRow.fixedColumns.contains(c) && !store.sweptPaths.contains(c) && rows.contains { $0.summary[c] != nil }
        }
        var empty: [String] = []
        figures = try RunPlots.figures(runDirectory: directory) { empty.append($0) }
        emptyPlots = empty
    }

    /// Runs by status (`ok`, `failed`, `nonfinite`), every status listed.
    public var statusCounts: [(status: String, count: Int)] {
        ConfigurationResult.Status.allCases.map { s in (s.rawValue, rows.filter { $0.status == s.rawValue }.count) }
    }
}

/// One row of `runs`: identity, swept values, status and summary values as stored.
public struct RunRow: Sendable {
    public let runID: String
    public let replicate: Int
    public let status: String
    public let reason: String?
    public let failedStep: Int?
    public let seconds: Double?
    /// Swept path → value (absent where NULL).
    public let swept: [String: StoredValue]
    /// Summary column → value (absent where NULL).
    public let summary: [String: StoredValue]

    /// A row as given (tests).
    init(runID: String, replicate: Int, status: String, reason: String? = nil, failedStep: Int? = nil, seconds: Double? = nil,
         swept: [String: StoredValue], summary: [String: StoredValue]) {
        self.runID = runID
        self.replicate = replicate
        self.status = status
        self.reason = reason
        self.failedStep = failedStep
        self.seconds = seconds
        self.swept = swept
        self.summary = summary
    }

    /// The columns every `runs` table starts with besides the swept ones (docs of `ResultStore`).
    static let fixedColumns: Set<String> = ["run_id", "replicate", "status", "reason", "failed_step", "seconds"]

    init(columns: [String], values: [DatabaseValue], sweptPaths: [String]) {
        var byName: [String: StoredValue] = [:]
        for (c, v) in zip(columns, values) {
            switch v.storage {
            case let .int64(i): byName[c] = .integer(i)
            case let .double(d): byName[c] = .number(d)
            case let .string(s): byName[c] = .text(s)
            case .null, .blob: break
            }
        }
        runID = byName["run_id"]?.description ?? ""
        func integer(_ v: StoredValue?) -> Int? { if case let .integer(i)? = v { Int(exactly: i) } else { nil } }
        replicate = integer(byName["replicate"]) ?? 0
        status = byName["status"]?.description ?? ""
        reason = byName["reason"]?.description
        failedStep = integer(byName["failed_step"])
        seconds = byName["seconds"]?.number
        swept = byName.filter { sweptPaths.contains($0.key) }
        summary = byName.filter { !RunRow.fixedColumns.contains($0.key) && !sweptPaths.contains($0.key) }
    }

    /// The grid point as read: `ρ(W_hh) = 0.5, activation = tanh` (swept keys by their titles; "" without any).
    public func pointTitle(_ paths: [String]) -> String {
        paths.map { "\(Metric.plainText(ParameterTitle.title(for: $0))) = \(swept[$0]?.description ?? "–")" }.joined(separator: ", ")
    }

    /// The grid point over `paths`: `path=value` in the order given (replicates and matching runs of
    /// other directories share it).
    public func pointKey(_ paths: [String]) -> String {
        paths.map { "\($0)=\(swept[$0]?.description ?? "")" }.joined(separator: ", ")
    }
}

/// The fields of `manifest.json` a report shows (written by the runner; every field optional so an older
/// or hand-edited manifest still reports).
public struct RunManifest: Decodable, Sendable {
    public var gradlabVersion: String?
    public var gitCommit: String?
    public var host: String?
    public var started: Date?
    public var finished: Date?
    public var gridPoints: Int?
    public var replicates: Int?
    public var gridSize: Int?
    public var jobs: Int?

    enum CodingKeys: String, CodingKey {
        case gradlabVersion = "gradlab_version", gitCommit = "git_commit", host, started, finished
        case gridPoints = "grid_points", replicates, gridSize = "grid_size", jobs
    }

    /// Wall-clock seconds from start to finish (nil while running or when either is missing).
    public var seconds: Double? {
        guard let started, let finished else { return nil }
        return finished.timeIntervalSince(started)
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}
