import Sweeps
import Lab
import Plotting

/// The `mode: train` plots of a run directory, from the series and runs columns the train executor
/// stores (docs/training.md): loss curves, success rate against T, gradient-norm traces, and the
/// gradient-flow heatmap. A method is a grid point's label (its swept `method`, else its swept
/// values except the channels'); replicates are averaged.
enum TrainingPlots {
    /// Replicates of `metric` averaged step by step over the replicates that have the step (runs
    /// stopped when solved end early), with the min–max band and how many replicates each step has.
    static func curve(_ metric: Metric, _ group: RunData.Group, _ data: RunData) throws
        -> (steps: [Int], mean: [Double], lower: [Double], upper: [Double], count: [Int])? {
        let byRun = try data.series(metric)
        var byStep: [Int: [Double]] = [:]
        for run in group.runs {
            for p in byRun[run.runID] ?? [] where p.component == 0 { byStep[p.step, default: []].append(p.value) }
        }
        guard !byStep.isEmpty else { return nil }
        let steps = byStep.keys.sorted()
        let values = steps.map { byStep[$0] ?? [] }
        return (steps, values.map { $0.reduce(0, +) / Double($0.count) }, values.map { $0.min() ?? .nan }, values.map { $0.max() ?? .nan },
                values.map(\.count))
    }

    /// The groups, ordered by the facet's numeric value when every facet value is a number
    /// (panels T = 50, 100, 200 whatever order the runs finished in); stable otherwise.
    static func facetOrdered(_ plot: PlotSpec, _ data: RunData) -> [RunData.Group] {
        let values = data.groups.map { data.number(plot.facet, $0) }
        guard plot.facet != nil, values.allSatisfy({ $0 != nil }) else { return data.groups }
        return zip(data.groups, values).enumerated()
            .sorted { ($0.element.1 ?? 0, $0.offset) < ($1.element.1 ?? 0, $1.offset) }
            .map(\.element.0)
    }

    /// Per method: the mean over replicates at every recorded iteration, with how many replicates it
    /// averages there (solid while all N are running; dashed and labelled "n of N" once some have
    /// stopped, solved or diverged), and each replicate as a thin line.
    static func replicateCurves(_ metric: Metric, _ plot: PlotSpec, _ data: RunData) throws -> [TrainingCurve] {
        try facetOrdered(plot, data).compactMap { group in
            let byRun = try data.series(metric)
            let runs = group.runs.map { (byRun[$0.runID] ?? []).filter { $0.component == 0 } }.filter { !$0.isEmpty }
            guard !runs.isEmpty, let s = try curve(metric, group, data) else { return nil }
            var c = TrainingCurve(iterations: s.steps.map(Double.init), values: s.mean,
                                  label: data.label(excluding: [plot.facet], group), facet: data.facetTitle(plot.facet, group))
            c.coverage = s.count
            c.replicateCount = runs.count
            if runs.count > 1 { c.replicates = runs.map { r in (r.map { Double($0.step) }, r.map(\.value)) } }
            return c
        }
    }

    static func curves(_ metric: Metric, _ plot: PlotSpec, _ data: RunData) throws -> [TrainingCurve] {
        try facetOrdered(plot, data).compactMap { group in
            guard let c = try curve(metric, group, data) else { return nil }
            let band = group.runs.count > 1
            var curve = TrainingCurve(iterations: c.steps.map(Double.init), values: c.mean, lower: band ? c.lower : nil, upper: band ? c.upper : nil,
                                      label: data.label(excluding: [plot.facet], group), facet: data.facetTitle(plot.facet, group))
            curve.coverage = c.count
            curve.replicateCount = c.count.max() ?? 1
            return curve
        }
    }

    /// A runs column per group: the mean over its replicates that have it.
    static func groupMean(_ column: [String: Double], _ group: RunData.Group) -> Double? {
        let v = group.runs.compactMap { column[$0.runID] }
        return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
    }

    /// Distinct reference levels of a runs column per facet (one unfaceted level when every group has
    /// it and all agree: a clip threshold of one method must not be drawn in the panels of the others).
    static func references(_ metric: Metric, _ plot: PlotSpec, _ data: RunData) throws -> [ReferenceLevel] {
        let column = try data.store.summaryColumn(metric.name), label = metric.title
        var levels: [ReferenceLevel] = []
        var everyGroup = true
        for group in data.groups {
            guard let v = groupMean(column, group) else { everyGroup = false; continue }
            let facet = data.facetTitle(plot.facet, group)
            if !levels.contains(where: { $0.value == v && $0.facet == facet }) { levels.append(ReferenceLevel(value: v, label: label, facet: facet)) }
        }
        if everyGroup || plot.facet == nil, Set(levels.map(\.value)).count == 1, let first = levels.first {
            return [ReferenceLevel(value: first.value, label: label)]
        }
        return levels
    }

    static func lossCurves(_ plot: PlotSpec, _ data: RunData) throws -> Figure? {
        let metric = try channelMetric(plot.y, default: .evalLoss, among: PlotRecipe.lossCurveMetrics, recipe: .lossCurves)
        // The per-iteration batch loss is drawn in windows (median, min–max band) like the gradient
        // norm; held-out values (every eval_every) as the replicates' mean and thin replicate lines.
        let curves = metric == .loss ? try curves(metric, plot, data).map { windowed($0, maxPoints: 300) }
                                      : try replicateCurves(metric, plot, data)
        guard !curves.isEmpty else { return nil }
        var chart = TrainingCurvesChart(curves: curves, references: metric == .accuracy ? [] : try references(.baselineLoss, plot, data),
                                        yLabel: metric == .loss ? metric.title + " (batch; window median, min–max)" : metric.title, title: data.title)
        chart.logY = metric != .accuracy
        return Recipe.lossCurves(chart)
    }

    static func gradientNormTrace(_ plot: PlotSpec, _ data: RunData) throws -> Figure? {
        let metric = try channelMetric(plot.y, default: .gradNorm, among: [.gradNorm, .gradNormClipped], recipe: .gradNormTrace)
        let curves = try curves(metric, plot, data).map { windowed($0, maxPoints: 300) }
        guard !curves.isEmpty else { return nil }
        let what = metric == .gradNorm ? "before" : "after"
        let chart = TrainingCurvesChart(curves: curves, references: try references(.clipThreshold, plot, data),
                                        yLabel: "‖∇_{θ} L‖ \(what) clipping (window median, min–max)", title: data.title)
        return Recipe.gradientNormTrace(chart)
    }

    /// Any per-iteration record (`y`) against iteration, windowed like the gradient norm; linear y.
    static func trainingTrace(_ plot: PlotSpec, _ data: RunData) throws -> Figure? {
        let metric = try channelMetric(plot.y, default: .sigmaMax, among: PlotRecipe.traceMetrics, recipe: .trainingTrace)
        let curves = try curves(metric, plot, data).map { windowed($0, maxPoints: 300) }
        guard !curves.isEmpty else { return nil }
        var chart = TrainingCurvesChart(curves: curves, references: [], yLabel: metric.title + " (window median, min–max)", title: data.title)
        chart.logY = false
        return Recipe.gradientNormTrace(chart)
    }

    /// The metric a `y` channel names (validated by the schema; checked again for hand-edited run files).
    static func channelMetric(_ y: String?, default fallback: Metric, among allowed: [Metric], recipe: PlotRecipe) throws -> Metric {
        guard let y else { return fallback }
        guard let metric = allowed.first(where: { $0.name == y }) else {
            throw RunError("\(recipe.rawValue): y must be one of \(allowed.map(\.name).joined(separator: ", ")), got '\(y)'")
        }
        return metric
    }

    /// A per-iteration curve in at most `maxPoints` windows of consecutive records: the window's
    /// median as the line and its min–max as the band, so isolated spikes stay visible. A window's
    /// coverage is the fewest replicates any of its records averages.
    static func windowed(_ c: TrainingCurve, maxPoints: Int) -> TrainingCurve {
        let n = c.values.count
        guard n > maxPoints else { return c }
        let width = (n + maxPoints - 1) / maxPoints
        var xs: [Double] = [], median: [Double] = [], lower: [Double] = [], upper: [Double] = [], coverage: [Int] = []
        for start in stride(from: 0, to: n, by: width) {
            let range = start..<min(start + width, n)
            let v = c.values[range].sorted()
            xs.append(c.iterations[range].reduce(0, +) / Double(range.count))
            median.append(v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2)
            lower.append(v.first ?? .nan)
            upper.append(v.last ?? .nan)
            coverage.append(c.coverage.map { $0[range].min() ?? c.replicateCount } ?? c.replicateCount)
        }
        var w = TrainingCurve(iterations: xs, values: median, lower: lower, upper: upper, label: c.label, facet: c.facet)
        w.coverage = coverage
        w.replicateCount = c.replicateCount
        return w
    }

    static func successRate(_ plot: PlotSpec, _ data: RunData) throws -> Figure? {
        guard let xPath = plot.x else { throw RunError("success-vs-length needs x: the swept sequence length (task.length)") }
        let metric = try channelMetric(plot.y, default: .solved, among: [.solved, .finalAccuracy], recipe: .successVsLength)
        let column = try data.store.summaryColumn(metric.name)
        var points: [String: [(x: Double, y: Double)]] = [:], order: [String] = []
        for group in data.groups {
            guard let x = data.number(xPath, group), let y = groupMean(column, group) else { continue }
            let label = data.label(excluding: [xPath, plot.facet], group) ?? ""
            let key = label + "\u{1}" + (data.text(plot.facet, group) ?? "")
            if points[key] == nil { order.append(key) }
            points[key, default: []].append((x, y))
        }
        guard !order.isEmpty else { return nil }
        let series = order.map { key -> SuccessSeries in
            let parts = key.split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init)
            let sorted = (points[key] ?? []).sorted { $0.x < $1.x }
            return SuccessSeries(lengths: sorted.map(\.x), rates: sorted.map(\.y), label: parts[0].isEmpty ? nil : parts[0],
                                 facet: parts[1].isEmpty ? nil : parts[1])
        }
        var chart = SuccessRateChart(series: series, title: data.title)
        chart.xLabel = ParameterTitle.title(for: xPath)
        chart.yLabel = metric == .solved ? "fraction of runs solved" : metric.title
        return Recipe.successRate(chart)
    }

    /// `grad-flow-heatmap`: per facet value one figure, per grid point one panel (replicates averaged);
    /// `scale: per-facet` (default) gives each panel its own top-12-decade range, `shared` one range over
    /// every panel and file.
    static func gradientFlowHeatmaps(_ plot: PlotSpec, _ data: RunData) throws -> [(String?, Figure)] {
        let byRun = try data.series(.gradFlowLog10)
        var charts: [(String?, GradientFlowHeatmapChart)] = []
        for facet in data.facetValues(plot.facet) {
            var maps: [GradientFlowMap] = []
            for group in data.groups where data.text(plot.facet, group) == facet {
                var cells: [Int: [Int: [Double]]] = [:] // iteration → t → replicate values
                for run in group.runs {
                    for p in byRun[run.runID] ?? [] { cells[p.step, default: [:]][p.component, default: []].append(p.value) }
                }
                let iterations = cells.keys.sorted()
                guard let maxT = cells.values.flatMap(\.keys).max() else { continue }
                let steps = Array(1...maxT)
                var values: [Double] = []
                for t in steps {
                    for i in iterations {
                        let v = cells[i]?[t] ?? []
                        values.append(v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count))
                    }
                }
                maps.append(GradientFlowMap(iterations: iterations.map(Double.init), steps: steps.map(Double.init), log10Norm: values,
                                            title: data.label(excluding: [plot.facet], group)))
            }
            guard !maps.isEmpty else { continue }
            let title = [data.title, RunData.facetTitle(plot.facet, facet)].compactMap { $0 }.joined(separator: " — ")
            charts.append((facet, GradientFlowHeatmapChart(maps: maps, title: title)))
        }
        let shared = (plot.scale ?? .perFacet) == .shared
        // Shared across files: one chart of every map fixes the range, each file then draws its own maps in it.
        let all = GradientFlowHeatmapChart(maps: charts.flatMap(\.1.maps))
        return try charts.map { facet, chart in
            var chart = chart
            chart.sharedColorScale = shared
            if shared && charts.count > 1 { chart.colorBounds = all.sharedBounds }
            var figure = try Recipe.gradientFlowHeatmap(chart)
            figure.note = RunPlots.scaleNote(shared: shared, panels: chart.maps.count, files: charts.count)
            return (facet, figure)
        }
    }
}
