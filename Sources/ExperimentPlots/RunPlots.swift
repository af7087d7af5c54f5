import Sweeps
import Lab
import Foundation
import Plotting

/// Draws the `plots:` of a run directory from its stored results into `plots/`.
///
/// Data conventions (docs/experiments.md): only runs with status `ok` are drawn; replicates of one grid
/// point become one line (their mean) with a min–max band; swept paths not named by `color`, `x`, `y`
/// or `facet` are separate lines (norm-vs-lag, lyapunov) or averaged (phase-heatmap).
public enum RunPlots {
    /// The names of the recipes a run can draw (`PlotRecipe`, module Lab).
    public static var recipeNames: [String] { PlotRecipe.allCases.map(\.rawValue) }

    /// One drawn figure of a declared plot (a recipe that draws one figure per facet value gives several).
    public struct DrawnFigure: Sendable {
        /// The plot's position in `plots:` (1-based, as in the file names).
        public let number: Int
        public let plot: PlotSpec
        /// The facet value of a one-figure-per-facet recipe (nil otherwise).
        public let facet: String?
        /// The catalog metric the chart reads on its value axis, where the recipe reads a choice of them.
        public let metric: Metric?
        public let figure: Figure
        /// `1-norm-vs-lag`, `2-phase-heatmap-tanh`: the file name without its extension.
        public var fileStem: String { "\(number)-\(plot.recipe.rawValue)" + (facet.map { "-" + RunPlots.fileSafe($0) } ?? "") }
    }

    /// The declared plots (or only those of `recipe`) of a run directory, drawn in memory from its store.
    /// A missing run directory is a `RunError` saying so ("no run directory at …").
    /// `drewNothing` hears of each declared plot that found nothing to draw, as a sentence naming what it needs.
    public static func figures(runDirectory: URL, recipe: PlotRecipe? = nil,
                               drewNothing: ((String) -> Void)? = nil) throws -> [DrawnFigure] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runDirectory.path, isDirectory: &isDirectory) else {
            throw RunError("no run directory at \(runDirectory.relativePath)")
        }
        guard isDirectory.boolValue else { throw RunError("\(runDirectory.relativePath): is a file, not a run directory") }
        let experimentPath = runDirectory.appendingPathComponent("experiment.yaml").path
        let declared = try DeclaredPlots(resolvedExperiment: experimentPath)
        let store = try ResultStore(existing: runDirectory)
        // Lines in grid order (the file's order); a run whose experiment no longer loads (e.g. a file it
        // names was moved) keeps the store's order.
        let data = try RunData(store: store, title: declared.name, gridOrder: GridOrder(runDirectory: runDirectory, spec: ExperimentSpec.self))
        var drawn: [DrawnFigure] = []
        for (i, plot) in declared.plots.enumerated() where recipe == nil || plot.recipe == recipe {
            let figures = try figures(for: plot, data: data)
            if figures.isEmpty, let report = drewNothing {
                report("plot \(i + 1) (\(plot.recipe.rawValue)) drew nothing: it needs \(plot.recipe.needs), and ok runs that recorded it")
            }
            let metric = [.normVsLag, .phaseHeatmap].contains(plot.recipe) ? try data.lagMetric(plot.recipe == .normVsLag ? plot.y : nil) : nil
            drawn += figures.map { DrawnFigure(number: i + 1, plot: plot, facet: $0.0, metric: metric, figure: $0.1) }
        }
        return drawn
    }

    /// Renders the declared plots (or only those of `recipe`) in each format into `plots/`; returns the files written.
    /// `drewNothing` hears of each declared plot that found nothing to draw, as a sentence naming what it needs.
    public static func render(runDirectory: URL, recipe: PlotRecipe? = nil, formats: [OutputFormat],
                              drewNothing: ((String) -> Void)? = nil) throws -> [String] {
        let drawn = try figures(runDirectory: runDirectory, recipe: recipe, drewNothing: drewNothing)
        let plotsDirectory = runDirectory.appendingPathComponent("plots")
        if !drawn.isEmpty { try FileManager.default.createDirectory(at: plotsDirectory, withIntermediateDirectories: true) }
        var written: [String] = []
        for d in drawn {
            for format in formats {
                let path = plotsDirectory.appendingPathComponent(d.fileStem + "." + format.fileExtension).path
                try d.figure.write(to: path, format: format)
                written.append(path)
            }
        }
        return written
    }

    /// The figures of one plot, with a file-name suffix when a recipe draws one figure per facet.
    static func figures(for plot: PlotSpec, data: RunData) throws -> [(String?, Figure)] {
        switch plot.recipe {
        case .normVsLag: return try normVsLag(plot, data).map { [(nil, $0)] } ?? []
        case .phaseHeatmap: return try phaseHeatmaps(plot, data)
        case .depthTimeHeatmap: return try depthTimeHeatmaps(plot, data)
        case .depthProfile: return try depthProfile(plot, data).map { [(nil, $0)] } ?? []
        case .singularValues: return try singularValues(plot, data)
        case .lyapunov: return try lyapunov(plot, data).map { [(nil, $0)] } ?? []
        case .lossCurves: return try TrainingPlots.lossCurves(plot, data).map { [(nil, $0)] } ?? []
        case .successVsLength: return try TrainingPlots.successRate(plot, data).map { [(nil, $0)] } ?? []
        case .gradNormTrace: return try TrainingPlots.gradientNormTrace(plot, data).map { [(nil, $0)] } ?? []
        case .trainingTrace: return try TrainingPlots.trainingTrace(plot, data).map { [(nil, $0)] } ?? []
        case .gradFlowHeatmap: return try TrainingPlots.gradientFlowHeatmaps(plot, data)
        case .summaryVsParameter: return try SummaryPlots.summaryVsParameter(plot, data).map { [(nil, $0)] } ?? []
        case .activationsThroughTime: return try ForwardPlots.activationsThroughTime(plot, data).map { [(nil, $0)] } ?? []
        case .fixedPointStates: return try FixedPointPlots.states(plot, data)
        case .fixedPointEigenvalues: return try FixedPointPlots.eigenvalues(plot, data)
        case .unitGradientMaps: return try UnitMapFigure.runs(data)
        }
    }

    static func normVsLag(_ plot: PlotSpec, _ data: RunData) throws -> Figure? {
        guard let metric = try data.lagMetric(plot.y) else { return nil }
        return try lineChart(metric, plot, data)
    }

    /// `depth-profile`: the depth axis of a stacked model, log10 ‖∂h_T^top/∂h_T^ℓ‖₂ (diag(φ′)·W_ih products
    /// at the last step) against the number of layers crossed d = top − ℓ.
    static func depthProfile(_ plot: PlotSpec, _ data: RunData) throws -> Figure? {
        guard data.metrics.contains(Metric.depthJacobianNormLog10.name) else { return nil }
        return try lineChart(.depthJacobianNormLog10, plot, data)
    }

    /// The legend of a diagonal cell's closed-form line (dash-dotted).
    static let diagonalLegend = "closed form max_{j} |m_{j}|^{k}"

    /// One line per grid point of `metric` against its step (mean over replicates, min–max band), with the
    /// theory lines a run recorded for the time axis; labelled for the metric.
    private static func lineChart(_ metric: Metric, _ plot: PlotSpec, _ data: RunData) throws -> Figure? {
        // ρ^k and the Pascanu bound are time-axis theory (by lag); a diagonal cell's closed form
        // max_j |m_j|^k (where a run stored one) replaces both, which equal it for W_hh = diag(u).
        // ‖W^k‖₂ is set beside ρ^k only (the bound ‖W‖₂^k is its trivial upper bound).
        let theoryMetrics: [(Metric, TheoryLine.Kind)] = [.jacobianNormLog10, .gradNormLog10].contains(metric)
            ? [(.spectralPowerLog10, .spectralPower), (.pascanuBoundLog10, .pascanuBound), (.diagonalPowerLog10, .other(Self.diagonalLegend))]
            : metric == .matrixPowerNormLog10 ? [(.spectralPowerLog10, .spectralPower)] : []
        var series: [NormVsLagSeries] = [], theory: [TheoryLine] = []
        let styles = data.styleLabels(color: plot.color, facet: plot.facet)
        for (group, style) in zip(data.groups, styles) {
            let s = try data.summary(metric, group)
            guard !s.steps.isEmpty else { continue }
            let many = group.runs.count > 1
            series.append(NormVsLagSeries(lags: s.steps.map(Double.init), log10Norm: s.mean,
                                          log10Lower: many ? s.lower : nil, log10Upper: many ? s.upper : nil,
                                          colorValue: data.number(plot.color, group), label: data.label(excluding: [plot.facet], group),
                                          facet: data.facetTitle(plot.facet, group), style: style))
            let closedForm = metric == .jacobianNormLog10 ? try data.summary(.diagonalPowerLog10, group).steps : []
            let diagonal = !closedForm.isEmpty
            for (name, kind) in theoryMetrics {
                if diagonal && name != .diagonalPowerLog10 { continue }
                if name == .diagonalPowerLog10 && metric != .jacobianNormLog10 { continue }
                let t = try data.summary(name, group)
                guard !t.steps.isEmpty else { continue }
                theory.append(TheoryLine(lags: t.steps.map(Double.init), log10Values: t.mean, kind: kind,
                                         colorValue: data.number(plot.color, group), facet: data.facetTitle(plot.facet, group),
                                         label: data.label(excluding: [plot.facet], group)))
            }
        }
        guard !series.isEmpty else { return nil }
        var chart = NormVsLagChart(series: series, theory: theory, colorLabel: plot.color.map(ParameterTitle.title(for:)) ?? "", title: data.title)
        if metric != .jacobianNormLog10 { chart.yLabel = metric.title }
        if metric.index == .truncation { chart.xLabel = "truncation length k (steps backpropagated)" }
        if metric == .depthJacobianNormLog10 {
            chart.xLabel = "layers crossed d (at the last step T)"
            chart.yLabel = Metric.depthJacobianNormLog10.title
            chart.integerX = true
        }
        return Recipe.normVsLag(chart)
    }

    static func phaseHeatmaps(_ plot: PlotSpec, _ data: RunData) throws -> [(String?, Figure)] {
        guard let xPath = plot.x, let metric = try data.lagMetric() else { return [] }
        let yPath = plot.y ?? "lag"
        var charts: [(String?, PhaseHeatmapChart)] = []
        for facet in data.facetValues(plot.facet) {
            var cells: [Double: [Double: [Double]]] = [:] // x → y → values
            for group in data.groups where data.text(plot.facet, group) == facet {
                guard let x = data.number(xPath, group) else { continue }
                let s = try data.summary(metric, group)
                if yPath == "lag" {
                    // Lag 0 is the identity (norm 1 everywhere): it carries no information and puts the boundary on the axis.
                    for (lag, v) in zip(s.steps, s.mean) where lag > 0 { cells[x, default: [:]][Double(lag), default: []].append(v) }
                } else if let y = data.number(yPath, group), let last = s.mean.last {
                    cells[x, default: [:]][y, default: []].append(last)
                }
            }
            let xs = cells.keys.sorted()
            let ys = Set(cells.values.flatMap(\.keys)).sorted()
            guard !xs.isEmpty, !ys.isEmpty else { continue }
            var values: [Double] = []
            for y in ys {
                for x in xs {
                    let v = cells[x]?[y] ?? []
                    values.append(v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count))
                }
            }
            var chart = PhaseHeatmapChart(xs: xs, ys: ys, log10Norm: values, xLabel: ParameterTitle.title(for: xPath),
                                          yLabel: yPath == "lag" ? "lag k = T − t" : ParameterTitle.title(for: yPath), title: [data.title, facet].compactMap { $0 }.joined(separator: " — "))
            if metric == .gradNormLog10 {
                chart.colorLabel = yPath == "lag" ? "log_{10} ‖∂L / ∂h_{t}‖" : "log_{10} ‖∂L / ∂h_{0}‖"
            } else if yPath != "lag" {
                chart.colorLabel = "log_{10} ‖∂h_{T} / ∂h_{0}‖"
            }
            charts.append((facet, chart))
        }
        // scale: shared gives every facet's file the same ±limit; per-facet (default) each its own.
        let shared = (plot.scale ?? .perFacet) == .shared
        let limit = charts.flatMap { $0.1.log10Norm }.filter(\.isFinite).map(abs).max().map { max($0, 1e-12) }
        return try charts.map { facet, chart in
            var chart = chart
            if shared { chart.colorLimit = limit }
            var figure = try Recipe.phaseHeatmap(chart)
            figure.note = scaleNote(shared: shared, panels: 1, files: charts.count)
            return (facet, figure)
        }
    }

    /// `singular-values`: per facet value one figure, per grid point one histogram of log10 σ_i of
    /// ∂h_T/∂h_{T−k} at the point's largest recorded lag k, its replicates pooled (and nothing else:
    /// grid points that differ in ρ, T, … are never pooled). Exact zeros (−∞) are counted in the note.
    static func singularValues(_ plot: PlotSpec, _ data: RunData) throws -> [(String?, Figure)] {
        let byRun = try data.series(.singularValueLog10)
        var figures: [(String?, Figure)] = []
        for facet in data.facetValues(plot.facet) {
            let members = data.groups.filter { data.text(plot.facet, $0) == facet }
            var sets: [SingularValueSet] = [], lags: Set<Int> = [], zeros = 0, replicates: Set<Int> = []
            for group in members {
                let points = group.runs.flatMap { byRun[$0.runID] ?? [] }
                guard let lag = points.map(\.step).max() else { continue }
                // log10 σ: the singular values of a long product span many decades, below 10^−308 too.
                let atLag = points.filter { $0.step == lag }
                let values = atLag.map(\.value).filter(\.isFinite)
                guard !values.isEmpty else { continue }
                zeros += atLag.filter { $0.value == -.infinity }.count
                lags.insert(lag)
                replicates.insert(group.runs.count)
                let point = data.label(varyingAmong: members, group)
                sets.append(SingularValueSet(values: values, title: point.map { "\($0), lag \(lag)" } ?? "lag \(lag)"))
            }
            let all = sets.flatMap(\.values)
            guard let lo = all.min(), let hi = all.max() else { continue }
            let title = [data.title, RunData.facetTitle(plot.facet, facet)].compactMap { $0 }.joined(separator: " — ")
            var chart = SingularValuesChart(sets: sets, title: title)
            chart.xLabel = lags.count == 1 ? "log_{10} σ_{i} of ∂h_{T}/∂h_{T−\(lags.first ?? 0)}" : "log_{10} σ_{i} of ∂h_{T}/∂h_{T−k}"
            chart.bins = sets.count > 1 ? 30 : 40
            let pad = max((hi - lo) * 0.05, 0.25)
            chart.range = (lo - pad)...(hi + pad)
            let pooled = replicates.count == 1 ? Plural.count(replicates.first ?? 0, "replicate") : "its replicates"
            chart.note = (sets.count > 1 ? "One histogram per grid point: \(pooled) pooled, nothing else." : "The histogram pools \(pooled), nothing else.")
                + (zeros > 0 ? " \(Plural.count(zeros, "singular value")) exactly 0 (log10 = −∞) not drawn." : "")
            figures.append((facet, Recipe.singularValues(chart)))
        }
        return figures
    }

    static func lyapunov(_ plot: PlotSpec, _ data: RunData) throws -> Figure? {
        var series: [LyapunovSeries] = []
        let styles = data.styleLabels(color: plot.color, facet: plot.facet)
        for (group, style) in zip(data.groups, styles) {
            let s = try data.summary(.lyapunov, group)
            guard !s.steps.isEmpty else { continue }
            series.append(LyapunovSeries(exponents: s.mean, colorValue: data.number(plot.color, group),
                                         label: data.label(excluding: [plot.facet], group), facet: data.facetTitle(plot.facet, group),
                                         style: style))
        }
        guard !series.isEmpty else { return nil }
        return Recipe.lyapunov(LyapunovChart(series: series, colorLabel: plot.color.map(ParameterTitle.title(for:)) ?? "", title: data.title))
    }

    /// The note of a heatmap plot saying how its colour range is shared (nil for one panel in one file).
    static func scaleNote(shared: Bool, panels: Int, files: Int) -> String? {
        guard panels > 1 || files > 1 else { return nil }
        if shared {
            return "Colour scale: shared (scale: shared) by " + (files > 1 ? "every panel of all \(files) files of this plot" : "every panel")
                + ", so they compare by colour."
        }
        return (panels > 1 ? "Colour scale: each panel its own range and colour bar" : "Colour scale: this file's own range")
            + " (scale: per-facet, the default; scale: shared gives one range to all); compare colours only within a panel."
    }

    static func fileSafe(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
    }
}
