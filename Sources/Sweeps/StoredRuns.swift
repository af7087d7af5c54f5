import Foundation
import GRDB

/// One stored row of `runs`: its swept values and status.
public struct StoredRun: Sendable {
    public let runID: String
    public let replicate: Int
    public let status: String
    /// Swept path → value.
    public let values: [String: StoredValue]

    /// The grid point: the swept values as `path=value` sorted by path (replicates share it).
    public var pointKey: String { values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }
}

/// One (step, component, value) of a series.
public struct SeriesValue: Sendable, Equatable {
    public let step: Int
    public let component: Int
    public let value: Double
    /// The layer and direction of a stacked model's series (0, `forward` otherwise).
    public let layer: Int
    public let direction: String

    public init(step: Int, component: Int, value: Double, layer: Int = 0, direction: String = "forward") {
        self.step = step
        self.component = component
        self.value = value
        self.layer = layer
        self.direction = direction
    }
}

extension ResultStore {
    /// Every stored run, in insertion order.
    public func runs() throws -> [StoredRun] {
        let columns = ["run_id", "replicate", "status"] + sweptPaths
        let t = try table("SELECT \(columns.map(quoted).joined(separator: ", ")) FROM runs ORDER BY rowid")
        return t.rows.map { row in
            var values: [String: StoredValue] = [:]
            for (i, path) in sweptPaths.enumerated() {
                switch row[3 + i].storage {
                case let .int64(v): values[path] = .integer(v)
                case let .double(v): values[path] = .number(v)
                case let .string(v): values[path] = .text(v)
                case .null, .blob: break
                }
            }
            return StoredRun(runID: String.fromDatabaseValue(row[0]) ?? "", replicate: Int.fromDatabaseValue(row[1]) ?? 0,
                             status: String.fromDatabaseValue(row[2]) ?? "", values: values)
        }
    }

    /// A numeric `runs` column (a summary metric) by run id; empty when no run has the column.
    public func summaryColumn(_ name: String) throws -> [String: Double] {
        let columns = try table("SELECT name FROM pragma_table_info('runs')").rows.compactMap { String.fromDatabaseValue($0[0]) }
        guard columns.contains(name) else { return [:] }
        var out: [String: Double] = [:]
        for row in try table("SELECT run_id, \(quoted(name)) FROM runs").rows {
            if let id = String.fromDatabaseValue(row[0]), let v = Double.fromDatabaseValue(row[1]) { out[id] = v }
        }
        return out
    }

    /// A text `runs` column (e.g. a sidecar reference) by run id; empty when no run has the column.
    public func summaryTextColumn(_ name: String) throws -> [String: String] {
        let columns = try table("SELECT name FROM pragma_table_info('runs')").rows.compactMap { String.fromDatabaseValue($0[0]) }
        guard columns.contains(name) else { return [:] }
        var out: [String: String] = [:]
        for row in try table("SELECT run_id, \(quoted(name)) FROM runs").rows {
            if let id = String.fromDatabaseValue(row[0]), let v = String.fromDatabaseValue(row[1]) { out[id] = v }
        }
        return out
    }

    /// The metrics present in `series`.
    public func metrics() throws -> [String] {
        try table("SELECT DISTINCT metric FROM series ORDER BY metric").rows.compactMap { String.fromDatabaseValue($0[0]) }
    }

    /// A metric's values by run id, ordered by layer, direction, step, component.
    public func series(_ metric: String) throws -> [String: [SeriesValue]] {
        let t = try table("SELECT run_id, step, component, value, \(layerColumns) FROM series WHERE metric = ? ORDER BY run_id, layer, direction, step, component",
                          arguments: [metric])
        var out: [String: [SeriesValue]] = [:]
        for row in t.rows {
            guard let id = String.fromDatabaseValue(row[0]) else { continue }
            out[id, default: []].append(SeriesValue(step: Int.fromDatabaseValue(row[1]) ?? 0, component: Int.fromDatabaseValue(row[2]) ?? 0,
                                                    value: Double.fromDatabaseValue(row[3]) ?? .nan, layer: Int.fromDatabaseValue(row[4]) ?? 0,
                                                    direction: String.fromDatabaseValue(row[5]) ?? "forward"))
        }
        return out
    }
}

/// Replicates of one grid point summarised step by step: the mean and the min–max band, at the steps
/// every replicate has (component 0 only).
public struct ReplicateSummary: Sendable, Equatable {
    public let steps: [Int]
    public let mean: [Double]
    public let lower: [Double]
    public let upper: [Double]

    public init(_ replicates: [[SeriesValue]]) {
        let perReplicate = replicates.map { r in
            Dictionary(r.filter { $0.component == 0 }.map { ($0.step, $0.value) }, uniquingKeysWith: { a, _ in a })
        }
        let common = perReplicate.dropFirst().reduce(Set(perReplicate.first?.keys ?? [:].keys)) { $0.intersection($1.keys) }
        steps = common.sorted()
        var mean: [Double] = [], lower: [Double] = [], upper: [Double] = []
        for s in steps {
            let v = perReplicate.compactMap { $0[s] }
            mean.append(v.reduce(0, +) / Double(v.count))
            lower.append(v.min() ?? .nan)
            upper.append(v.max() ?? .nan)
        }
        self.mean = mean
        self.lower = lower
        self.upper = upper
    }
}
