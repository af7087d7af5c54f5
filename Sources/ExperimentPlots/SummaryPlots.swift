import Sweeps
import Lab
import Plotting

/// `summary-vs-parameter`: a summary column (one number per run) against a swept path, from the
/// `runs` table. A line is the grid points that share every swept value but `x` (and the facet),
/// named by the `color` path when that is the only other one ("H = 256"), else by all of them;
/// replicates give the mean and a min–max band. The `theory` column is averaged over all runs of
/// the panel at each x and drawn as one dashed curve.
enum SummaryPlots {
    static func summaryVsParameter(_ plot: PlotSpec, _ data: RunData) throws -> Figure? {
        guard let xPath = plot.x else { throw RunError("summary-vs-parameter needs x: a swept path") }
        guard let yName = plot.y, let yMetric = Metric.named(yName) else { throw RunError("summary-vs-parameter needs y: a summary column") }
        let column = try data.store.summaryColumn(yMetric.name)
        struct Line { var label: String?; var facet: String?; var sortKey: Double?; var points: [(x: Double, values: [Double])] = [] }
        var lines: [String: Line] = [:], order: [String] = []
        var theoryPoints: [String: [Double: [Double]]] = [:] // facet → x → values
        let theoryColumn = try plot.theory.flatMap(Metric.named).map { try data.store.summaryColumn($0.name) }
        for group in data.groups {
            guard let x = data.number(xPath, group) else { continue }
            let facet = data.facetTitle(plot.facet, group)
            let values = group.runs.compactMap { column[$0.runID] }.filter(\.isFinite)
            if !values.isEmpty {
                // Lines are told apart by every other swept value; named by the colour path alone when
                // given (its zipped partners vary with it), "H = 256".
                let full = data.label(excluding: [xPath, plot.facet], group)
                let label = plot.color != nil ? RunData.facetTitle(plot.color, data.text(plot.color, group)) : full
                let key = (full ?? "") + "\u{1}" + (facet ?? "")
                if lines[key] == nil { order.append(key); lines[key] = Line(label: label, facet: facet, sortKey: data.number(plot.color, group)) }
                lines[key]?.points.append((x, values))
            }
            if let theoryColumn {
                for v in group.runs.compactMap({ theoryColumn[$0.runID] }) where v.isFinite { theoryPoints[facet ?? "", default: [:]][x, default: []].append(v) }
            }
        }
        guard !order.isEmpty else { return nil }
        let sortedKeys = order.enumerated().sorted { a, b in
            let ka = lines[a.element]?.sortKey, kb = lines[b.element]?.sortKey
            if let ka, let kb, ka != kb { return ka < kb }
            return a.offset < b.offset
        }.map(\.element)
        let series = sortedKeys.compactMap { key -> SummarySeries? in
            guard let line = lines[key] else { return nil }
            let points = line.points.sorted { $0.x < $1.x }
            let many = points.contains { $0.values.count > 1 }
            return SummarySeries(xs: points.map(\.x), ys: points.map { $0.values.reduce(0, +) / Double($0.values.count) },
                                 lower: many ? points.map { $0.values.min() ?? .nan } : nil,
                                 upper: many ? points.map { $0.values.max() ?? .nan } : nil,
                                 label: line.label, facet: line.facet)
        }
        var chart = SummaryVsParameterChart(series: series, xLabel: ParameterTitle.title(for: xPath),
                                            yLabel: yMetric.title + (yMetric.unit.isEmpty ? "" : " (\(yMetric.unit))"), title: data.title)
        if let name = plot.theory, let theory = Metric.named(name) {
            for (facet, byX) in theoryPoints.sorted(by: { $0.key < $1.key }) {
                let xs = byX.keys.sorted()
                let ys = xs.map { x in let v = byX[x] ?? []; return v.reduce(0, +) / Double(max(v.count, 1)) }
                chart.theory.append((facet.isEmpty ? nil : facet, Curve(xs: xs, ys: ys, label: theory.title)))
            }
        }
        return Recipe.summaryVsParameter(chart)
    }
}
