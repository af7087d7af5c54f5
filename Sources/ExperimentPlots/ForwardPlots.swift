import Sweeps
import Lab
import Plotting

/// `activations-through-time`: the series of `measure: forward` against step t (docs/dynamics.md).
enum ForwardPlots {
    static func activationsThroughTime(_ plot: PlotSpec, _ data: RunData) throws -> Figure? {
        let metric = try TrainingPlots.channelMetric(plot.y, default: .hiddenNorm, among: PlotRecipe.forwardMetrics, recipe: .activationsThroughTime)
        let byRun = try data.series(metric)
        let gated = metric == .gateMean || metric == .gateSaturatedFraction
        var curves: [ActivationCurve] = []
        // q_t is drawn with each grid point's mean-field q* (mean over its replicates), dashed.
        let qStar = metric == .preactivationQ ? try data.store.summaryColumn(Metric.meanFieldQ.name) : [:]
        for group in TrainingPlots.facetOrdered(plot, data) {
            // Stacked models: the top layer's forward direction (where the loss enters), as the other recipes.
            let points = group.runs.flatMap { run -> [SeriesValue] in
                let all = byRun[run.runID] ?? [], top = all.map(\.layer).max() ?? 0
                return all.filter { $0.layer == top && $0.direction == "forward" }
            }
            let components = Set(points.map(\.component)).sorted()
            for component in components {
                var byStep: [Int: [Double]] = [:]
                for p in points where p.component == component { byStep[p.step, default: []].append(p.value) }
                let steps = byStep.keys.sorted(), values = steps.map { byStep[$0] ?? [] }
                let band = group.runs.count > 1
                var label = data.label(excluding: [plot.facet], group)
                if gated { label = [label, "gate \(Metric.forwardGateName(component, gates: components.count))"].compactMap { $0 }.joined(separator: ", ") }
                curves.append(ActivationCurve(steps: steps.map(Double.init), values: values.map { $0.reduce(0, +) / Double($0.count) },
                                              lower: band ? values.map { $0.min() ?? .nan } : nil, upper: band ? values.map { $0.max() ?? .nan } : nil,
                                              label: label, facet: data.facetTitle(plot.facet, group),
                                              reference: TrainingPlots.groupMean(qStar, group)))
            }
        }
        guard !curves.isEmpty else { return nil }
        let logY = metric == .hiddenNorm || metric == .cellNorm || metric == .preactivationQ
        var chart = ActivationsChart(curves: curves, yLabel: metric.title, logY: logY, title: data.title)
        if metric == .preactivationQ { chart.referenceLabel = "mean-field q* (dashed, per colour)" }
        return Recipe.activationsThroughTime(chart)
    }
}
