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

    /// `gridOrder` (the grid order of the run's experiment file, `GridOrder`) puts the groups in grid
    /// order, so that a method keeps its colour and legend position in every chart of a run and across
    /// runs; without it (or for a run it does not know) the store's row order, which is the order in
    /// which configurations *finished* and varies with `--jobs`.
    init(store: ResultStore, title: String? = nil, gridOrder: GridOrder = GridOrder()) throws {
        self.store = store
        self.title = title
        var order: [String] = [], byKey: [String: [StoredRun]] = [:]
        for run in try store.runs() where run.status == "ok" {
            if byKey[run.pointKey] == nil { order.append(run.pointKey) }
            byKey[run.pointKey, default: []].append(run)
        }
        let stored = order.compactMap { key in byKey[key].map { Group(values: $0[0].values, runs: $0) } }
        groups = gridOrder.sorted(stored) { $0.runs[0].runID }
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

    /// `T = 50, H = 64`: a group's swept values except `excluded` by their symbols (a legend label; every
    /// zipped path's value, so zipped combinations read as what they are). A swept `method` (a name the
    /// file gives the configuration) is the whole label when present.
    func label(excluding excluded: [String?], _ group: Group) -> String? {
        label(of: group.values.keys.filter { !excluded.contains($0) }, group)
    }

    /// The label of a group by the swept paths that take two or more values among `members` (the
    /// groups of one figure): a panel title that says only what tells the panels apart.
    func label(varyingAmong members: [Group], _ group: Group) -> String? {
        let varying = Set(members.flatMap(\.values.keys)).filter { path in Set(members.map { text(path, $0) }).count > 1 }
        return label(of: Array(varying), group)
    }

    private func label(of paths: [String], _ group: Group) -> String? {
        if paths.contains(ExperimentSpec.methodKey), let method = group.values[ExperimentSpec.methodKey] { return method.description }
        let parts = paths.sorted().compactMap { path in group.values[path].map { "\(ParameterTitle.symbol(for: path)) = \($0)" } }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// Per group (in `groups` order), what tells its line apart from the others of its panel that share
    /// its `color` value: the swept paths that take two or more values among the groups of one panel
    /// (`facet` value) and one colour value, labelled by their symbols ("T = 50, H = 64" for a zip of
    /// sequence.length and model.hidden). nil for every group when colour alone tells the lines apart,
    /// and when there is no colour channel (then the lines are labelled one by one).
    func styleLabels(color: String?, facet: String?) -> [String?] {
        guard color != nil else { return groups.map { _ in nil } }
        var classes: [String: [Group]] = [:]
        for g in groups { classes["\(text(facet, g) ?? "")\u{1}\(text(color, g) ?? "")", default: []].append(g) }
        let paths = Set(groups.flatMap(\.values.keys)).filter { path in
            path != color && path != facet && classes.values.contains { members in Set(members.map { text(path, $0) }).count > 1 }
        }
        guard !paths.isEmpty else { return groups.map { _ in nil } }
        return groups.map { label(of: Array(paths), $0) }
    }
}
