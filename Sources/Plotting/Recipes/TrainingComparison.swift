/// Charts comparing training methods (clipping kinds, initialisations, cells) across runs:
/// loss curves with the task's baseline, success rate against sequence length, gradient-norm traces
/// with the clip threshold, and the gradient-flow heatmap over (iteration, t).

/// One method's curve against iteration (loss or gradient norm): the mean over replicates, with an
/// optional min–max band; categorical colour by position among the curves of its panel.
public struct TrainingCurve: Sendable {
    public var iterations: [Double]
    public var values: [Double]
    public var lower: [Double]?
    public var upper: [Double]?
    /// The method, for the legend (e.g. "global-norm", "orthogonal").
    public var label: String?
    /// Panel name (e.g. "T = 100"); nil puts everything in one panel.
    public var facet: String?
    /// The replicates themselves, drawn as thin translucent lines in the method's colour (for runs
    /// of different lengths, where a mean would jump when a replicate stops).
    public var replicates: [(iterations: [Double], values: [Double])] = []
    /// How many replicates each point of `values` averages (nil: all of them). Where it is below
    /// `replicateCount` (some replicates stopped: solved or diverged), the line is dashed and labelled
    /// "n of N", so a mean never silently changes which replicates it averages.
    public var coverage: [Int]?
    /// The number of replicates N of the method.
    public var replicateCount = 1
    public init(iterations: [Double], values: [Double], lower: [Double]? = nil, upper: [Double]? = nil,
                label: String? = nil, facet: String? = nil) {
        self.iterations = iterations; self.values = values; self.lower = lower; self.upper = upper
        self.label = label; self.facet = facet
    }

    /// The stretches of the curve by how many replicates they average, in order: (first index, last
    /// index, count). Consecutive stretches share their boundary point so the drawn line is unbroken.
    public var coverageRuns: [(from: Int, to: Int, count: Int)] {
        let n = min(iterations.count, values.count)
        guard n > 0 else { return [] }
        guard let coverage, coverage.count >= n else { return [(0, n - 1, replicateCount)] }
        var runs: [(from: Int, to: Int, count: Int)] = []
        var start = 0
        for i in 1...n where i == n || coverage[i] != coverage[start] {
            runs.append((runs.isEmpty ? start : start - 1, i - 1, coverage[start]))
            start = i
        }
        return runs
    }
}

/// A horizontal reference line in one panel (nil facet: every panel).
public struct ReferenceLevel: Sendable {
    public var value: Double
    public var label: String
    public var facet: String?
    public init(value: Double, label: String, facet: String? = nil) { self.value = value; self.label = label; self.facet = facet }
}

/// Inputs of `Recipe.lossCurves` and `Recipe.gradientNormTrace`.
public struct TrainingCurvesChart: Sendable {
    public var curves: [TrainingCurve]
    /// Dashed gray rules: the task's baseline loss, or clip thresholds.
    public var references: [ReferenceLevel] = []
    public var yLabel: String
    public var logY: Bool = true
    public var title: String?
    public init(curves: [TrainingCurve], references: [ReferenceLevel] = [], yLabel: String, title: String? = nil) {
        self.curves = curves; self.references = references; self.yLabel = yLabel; self.title = title
    }
}

/// One method's success rate (0…1) against sequence length T.
public struct SuccessSeries: Sendable {
    public var lengths: [Double]
    public var rates: [Double]
    public var label: String?
    public var facet: String?
    public init(lengths: [Double], rates: [Double], label: String? = nil, facet: String? = nil) {
        self.lengths = lengths; self.rates = rates; self.label = label; self.facet = facet
    }
}

public struct SuccessRateChart: Sendable {
    public var series: [SuccessSeries]
    public var xLabel: String = "sequence length T"
    public var yLabel: String = "success rate"
    public var logX: Bool = false
    /// Horizontal offset in points between successive methods' lines and markers, so methods with equal
    /// rates (often all 0 or all 1) stay visible; the rates are drawn at their exact values (0 draws
    /// every method at its exact length too).
    public var dodge: Double = 3.5
    public var title: String?
    public init(series: [SuccessSeries], title: String? = nil) { self.series = series; self.title = title }
}

/// log10 ‖∂L/∂h_t‖ over training: `log10Norm[j * iterations.count + i]` at (iterations[i], steps[j]);
/// NaN for missing cells. One panel per map (e.g. per method).
public struct GradientFlowMap: Sendable {
    public var iterations: [Double]
    public var steps: [Double]
    public var log10Norm: [Double]
    public var title: String?
    public init(iterations: [Double], steps: [Double], log10Norm: [Double], title: String? = nil) {
        self.iterations = iterations; self.steps = steps; self.log10Norm = log10Norm; self.title = title
    }
}

public struct GradientFlowHeatmapChart: Sendable {
    public var maps: [GradientFlowMap]
    public var colorLabel: String = "log_{10} ‖∂L / ∂h_{t}‖"
    /// Colours span [max − range, max] (deeper values saturate), so a vanishing gradient's 10^−40 does
    /// not wash out the informative top decades; exact zeros (−∞) take the scale's zero colour.
    public var colorRange: Double = 12
    /// One colour scale over all maps, or each map its own [max − range, max] and colour bar.
    public var sharedColorScale = true
    /// Fixed colour bounds for a shared scale (e.g. one range over several figures); nil: from the maps.
    public var colorBounds: ClosedRange<Double>?
    public var title: String?

    /// The shared scale's bounds: [max − range, max] over every map's finite values.
    public var sharedBounds: ClosedRange<Double> { Self.bounds(maps.flatMap(\.log10Norm), range: colorRange) }

    static func bounds(_ values: [Double], range: Double) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        let hi = finite.max() ?? 0
        let lo = max(finite.min() ?? hi - 1, hi - range)
        return lo...(hi > lo ? hi : lo + 1)
    }
    public init(maps: [GradientFlowMap], title: String? = nil) { self.maps = maps; self.title = title }
}

extension Recipe {
    /// Curves against iteration (log y by default): one colour per method, min–max bands or thin
    /// replicate lines, reference levels dashed gray; one panel per facet, shared axes.
    public static func lossCurves(_ chart: TrainingCurvesChart) -> Figure {
        curvePanels(chart, xLabel: "iteration")
    }

    /// The gradient norm before clipping against iteration (log y), the clip thresholds as dashed
    /// rules: clipping keeps the *update* below the rule while the measured norm may spike above it.
    public static func gradientNormTrace(_ chart: TrainingCurvesChart) -> Figure {
        curvePanels(chart, xLabel: "iteration")
    }

    static func curvePanels(_ chart: TrainingCurvesChart, xLabel: String) -> Figure {
        let facets = RecipeSupport.facets(chart.curves.map(\.facet))
        let labels = distinctLabels(chart.curves.map(\.label))
        // A method or reference is named in the legend of the first panel that draws it; a panel whose
        // only curve is named by the panel title needs no legend for it.
        var named: Set<String> = []
        var panels: [Axes] = []
        var partial = false
        for facet in facets {
            var axes = Axes(title: facet, xLabel: xLabel, yLabel: chart.yLabel, yScale: chart.logY ? .log10 : .linear)
            let curves = chart.curves.filter { $0.facet == facet }
            for c in curves {
                let color = Palette.categorical(labels.firstIndex(of: c.label) ?? 0)
                if let lo = c.lower, let hi = c.upper {
                    axes.band(BandMark(xs: c.iterations, lower: lo, upper: hi, color: color, opacity: 0.16))
                }
                for r in c.replicates {
                    axes.line(LineMark(xs: r.iterations, ys: r.values, color: color.withAlpha(0.4), width: 0.7))
                }
                var label: String? = nil
                if let l = c.label, !named.contains(l), !(curves.count == 1 && facet != nil) { label = l; named.insert(l) }
                for run in c.coverageRuns {
                    let xs = Array(c.iterations[run.from...run.to]), ys = Array(c.values[run.from...run.to])
                    if run.count >= c.replicateCount {
                        axes.line(LineMark(xs: xs, ys: ys, color: color, width: 1.3, label: label))
                        label = nil
                    } else {
                        partial = true
                        axes.line(LineMark(xs: xs, ys: ys, color: color, width: 1.3, dash: Dash.dashed))
                        if let x = xs.last, let y = ys.last {
                            axes.add(.text(TextMark(x: x, y: y, text: "\(run.count) of \(c.replicateCount)", color: color.mixed(with: .black, 0.3), hAlign: 1.05)))
                        }
                    }
                }
                if let label { axes.line(LineMark(xs: [], ys: [], color: color, width: 1.3, label: label)) }
            }
            for r in chart.references where r.facet == nil || r.facet == facet {
                let label = named.contains(r.label) ? nil : r.label
                named.insert(r.label)
                axes.rule(RuleMark(.horizontal, at: r.value, color: .gray(0.2), width: 1.1, dash: Dash.dashed, label: label))
            }
            if !axes.marks.contains(where: { mark in
                switch mark { case .line(let l): return l.label != nil; case .rule(let r): return r.label != nil; default: return false }
            }) { axes.legend = .hidden }
            panels.append(axes)
        }
        var figure = RecipeSupport.grid(panels, maxColumns: 2, panelWidth: 520, panelHeight: 340, shareX: true, shareY: true, title: chart.title)
        if partial {
            figure.note = "Solid: the mean of all of a method's replicates. Dashed, labelled \"n of N\": where some replicates had stopped"
                + " (solved or diverged), the mean of the n still running; it is not the mean of all N."
        }
        return figure
    }

    /// Success rate against T, one line with markers per method (dodged sideways by a few points, the
    /// rates exact), y in [0, 1], the legend outside on the right.
    public static func successRate(_ chart: SuccessRateChart) -> Figure {
        let facets = RecipeSupport.facets(chart.series.map(\.facet))
        let labels = distinctLabels(chart.series.map(\.label))
        let markers: [MarkerShape] = [.circle, .square, .triangle, .diamond, .cross]
        var panels: [Axes] = []
        for (k, facet) in facets.enumerated() {
            var axes = Axes(title: facet, xLabel: chart.xLabel, yLabel: chart.yLabel, xScale: chart.logX ? .log10 : .linear)
            axes.yDomain = -0.05...1.05
            for s in chart.series where s.facet == facet {
                let index = labels.firstIndex(of: s.label) ?? 0
                // Methods with equal rates would hide each other: each line is drawn a few points left or
                // right of the true length (centred on it), never above or below its true rate, so no
                // rate is ever drawn outside [0, 1].
                let dodge = chart.dodge * (Double(index) - Double(labels.count - 1) / 2)
                axes.line(LineMark(xs: s.lengths, ys: s.rates, color: Palette.categorical(index), width: 1.5,
                                   marker: markers[index % markers.count], markerSize: 6, label: k == 0 ? s.label : nil,
                                   xOffset: dodge))
            }
            axes.legend = k == 0 ? .outsideRight : .hidden
            panels.append(axes)
        }
        return RecipeSupport.grid(panels, maxColumns: 3, panelWidth: 480, panelHeight: 330, shareX: true, shareY: true, title: chart.title)
    }

    /// log10 ‖∂L/∂h_t‖ over (iteration, t) on viridis (bright = large gradient reaching step t), one
    /// panel per map with a shared colour scale; a gradient that vanishes shows as a dark band at
    /// small t, one that explodes as a bright spot.
    public static func gradientFlowHeatmap(_ chart: GradientFlowHeatmapChart) throws -> Figure {
        for m in chart.maps where m.log10Norm.count != m.iterations.count * m.steps.count {
            throw PlotError.invalidInput("grad-flow-heatmap: a map has \(m.log10Norm.count) values but iterations × steps is \(m.iterations.count) × \(m.steps.count).")
        }
        func scale(_ b: ClosedRange<Double>) -> ColorScale {
            ColorScale(colormap: .viridis, norm: .linear(lo: b.lowerBound, hi: b.upperBound), label: chart.colorLabel)
        }
        let shared = scale(chart.colorBounds ?? chart.sharedBounds)
        let panels = chart.maps.map { m -> Axes in
            var axes = Axes(title: m.title, xLabel: "iteration", yLabel: "step t")
            let s = chart.sharedColorScale ? shared : scale(GradientFlowHeatmapChart.bounds(m.log10Norm, range: chart.colorRange))
            axes.colorScale = s
            // Below the range saturates at its bottom colour; −∞ (an exact zero) keeps its own colour.
            let lo = s.norm.bounds.lo
            axes.add(.heatmap(HeatmapMark(xs: m.iterations, ys: m.steps, values: m.log10Norm.map { $0 == -.infinity ? $0 : max($0, lo) })))
            axes.legend = .hidden
            axes.grid = false
            return axes
        }
        var figure = RecipeSupport.grid(panels, maxColumns: 4, panelWidth: 420, panelHeight: 320, shareX: false, shareY: false, title: chart.title)
        if panels.count > 1 { figure.note = RecipeSupport.colorScaleNote(shared: chart.sharedColorScale) }
        // Each panel its own scale: each shows its own bar, even where two ranges happen to coincide.
        if !chart.sharedColorScale { for k in figure.panels.indices { figure.panels[k].colorScale?.showsColorbar = true } }
        return figure
    }

    /// Distinct labels in order of first appearance (one colour each across panels).
    static func distinctLabels(_ labels: [String?]) -> [String?] {
        var seen: [String?] = []
        for l in labels where !seen.contains(where: { $0 == l }) { seen.append(l) }
        return seen
    }
}
