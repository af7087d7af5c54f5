import Sweeps
import Lab

/// A run directory's `ok` runs grouped by grid point, with helpers mapping plot channels to values.
final class RunData {
    /// The runs of one grid point (its replicates).
    struct Group {
        let values: [String: StoredValue]
        let runs: [StoredRun]
    }

    let store: ResultStore
    let groups: [Group]
    let metrics: Set<String>
    let title: String?
    private var cache: [String: [String: [SeriesValue]]] = [:]

    init(store: ResultStore, title: String? = nil) throws {
        self.store = store
        self.title = title
        var order: [String] = [], byKey: [String: [StoredRun]] = [:]
        for run in try store.runs() where run.status == "ok" {
            if byKey[run.pointKey] == nil { order.append(run.pointKey) }
            byKey[run.pointKey, default: []].append(run)
        }
        groups = order.compactMap { key in byKey[key].map { Group(values: $0[0].values, runs: $0) } }
        metrics = Set(try store.metrics())
    }

    /// The series a lag chart draws: `y` when given (a catalog name the schema allowed), else
    /// `jacobian_norm_log10` when measured, else `grad_norm_log10` (series by step t are shown at lag T − t).
    func lagMetric(_ y: String? = nil) throws -> Metric? {
        if let y, let metric = Metric.named(y) { return metrics.contains(metric.name) ? metric : nil }
        if metrics.contains(Metric.jacobianNormLog10.name) { return .jacobianNormLog10 }
        if metrics.contains(Metric.gradNormLog10.name) { return .gradNormLog10 }
        return nil
    }

    /// A group's replicates of `metric` (the top layer's forward direction of a stacked model; for
    /// `depth_jacobian_norm_log10`, whose step is the number of layers crossed, every layer's),
    /// summarised; `grad_norm_log10` is re-indexed by lag T − t.
    func summary(_ metric: Metric, _ group: Group) throws -> ReplicateSummary {
        guard metrics.contains(metric.name) else { return ReplicateSummary([]) }
        let byRun = try series(metric)
        let replicates = group.runs.map { run -> [SeriesValue] in
            // Stacked models: the top layer's forward direction (where the loss enters), as for one layer.
            let all = byRun[run.runID] ?? [], top = all.map(\.layer).max() ?? 0
            let points = all.filter { ($0.layer == top || metric == .depthJacobianNormLog10) && $0.direction == "forward" }
            guard metric.index == .step, let T = points.map(\.step).max() else { return points }
            return points.map { SeriesValue(step: T - $0.step, component: $0.component, value: $0.value) }
        }
        return ReplicateSummary(replicates)
    }

    /// A metric's series by run id, read once.
    func series(_ metric: Metric) throws -> [String: [SeriesValue]] {
        if let cached = cache[metric.name] { return cached }
        let byRun = try store.series(metric.name)
        cache[metric.name] = byRun
        return byRun
    }

    /// The numeric value of a swept path in a group (nil when absent, not swept or text).
    func number(_ path: String?, _ group: Group) -> Double? {
        path.flatMap { group.values[$0]?.number }
    }

    /// The text of a swept path in a group (nil when `path` is nil).
    func text(_ path: String?, _ group: Group) -> String? {
        path.flatMap { group.values[$0]?.description }
    }

    /// A panel title for a facet value: the value alone for text and for `method`, else the path's
    /// symbol and the value (`L = 2`, `T = 100`, `ρ(W_hh) = 0.9`).
    static func facetTitle(_ path: String?, _ value: String?) -> String? {
        guard let path, let value else { return value }
        if path == ExperimentSpec.methodKey || Double(value) == nil { return value }
        return "\(ParameterTitle.symbol(for: path)) = \(value)"
    }

    /// The panel title of a group's facet value (nil without a facet).
    func facetTitle(_ path: String?, _ group: Group) -> String? {
        RunData.facetTitle(path, text(path, group))
    }

    /// Distinct values of a facet path in group order; `[nil]` without a facet.
    func facetValues(_ path: String?) -> [String?] {
        guard path != nil else { return [nil] }
        var seen: [String?] = []
        for g in groups where !seen.contains(text(path, g)) { seen.append(text(path, g)) }
        return seen
    }

    /// `path=value` of a group's swept values except `excluded` (a legend label).
    /// A swept `method` (a name the file gives the configuration) is the whole label when present.
    func label(excluding excluded: [String?], _ group: Group) -> String? {
        if !excluded.contains(ExperimentSpec.methodKey), let method = group.values[ExperimentSpec.methodKey] { return method.description }
        let parts = group.values.filter { !excluded.contains($0.key) }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }
}
