/// A summary quantity (one number per run, e.g. λ_max) against a swept parameter (e.g. the gain g):
/// one line with markers per group (e.g. per hidden size N), replicates as a min–max band, a theory
/// curve dashed black (e.g. the mean-field prediction), and a thin rule at y = 0 when the data
/// cross it (a sign change is what such charts are read for).

/// One group's summary against the parameter: the mean over replicates at each x, optionally the
/// min–max band over replicates.
public struct SummarySeries: Sendable {
    public var xs: [Double]
    public var ys: [Double]
    public var lower: [Double]?
    public var upper: [Double]?
    /// The group, for the legend (e.g. "N = 256"); nil for a single unnamed group.
    public var label: String?
    /// Panel name; nil puts everything in one panel.
    public var facet: String?
    public init(xs: [Double], ys: [Double], lower: [Double]? = nil, upper: [Double]? = nil, label: String? = nil, facet: String? = nil) {
        self.xs = xs; self.ys = ys; self.lower = lower; self.upper = upper; self.label = label; self.facet = facet
    }
}

/// Inputs of `Recipe.summaryVsParameter`.
public struct SummaryVsParameterChart: Sendable {
    public var series: [SummarySeries]
    /// Theory curves (one per facet at most; `Curve.label` names them in the legend), dashed black.
    public var theory: [(facet: String?, curve: Curve)] = []
    public var xLabel: String
    public var yLabel: String
    public var logX = false
    /// Draw a thin rule at y = 0 when the plotted values (or theory) take both signs.
    public var zeroLine = true
    public var title: String?
    public init(series: [SummarySeries], xLabel: String, yLabel: String, title: String? = nil) {
        self.series = series; self.xLabel = xLabel; self.yLabel = yLabel; self.title = title
    }
}

extension Recipe {
    /// A summary against a swept parameter: one categorical colour and marker per group (legend outside
    /// on the right), replicate bands, theory dashed black, y = 0 drawn when crossed.
    public static func summaryVsParameter(_ chart: SummaryVsParameterChart) -> Figure {
        let facets = RecipeSupport.facets(chart.series.map(\.facet) + chart.theory.map(\.facet))
        let labels = distinctLabels(chart.series.map(\.label))
        let markers: [MarkerShape] = [.circle, .square, .triangle, .diamond, .cross]
        var panels: [Axes] = []
        for (k, facet) in facets.enumerated() {
            var axes = Axes(title: facet, xLabel: chart.xLabel, yLabel: chart.yLabel, xScale: chart.logX ? .log10 : .linear)
            var ys: [Double] = []
            for s in chart.series where s.facet == facet {
                let index = labels.firstIndex(where: { $0 == s.label }) ?? 0
                let color = Palette.categorical(index)
                if let lo = s.lower, let hi = s.upper {
                    axes.band(BandMark(xs: s.xs, lower: lo, upper: hi, color: color, opacity: 0.18))
                    ys += lo + hi
                }
                axes.line(LineMark(xs: s.xs, ys: s.ys, color: color, width: 1.4, marker: markers[index % markers.count],
                                   markerSize: 5, label: k == 0 ? s.label : nil))
                ys += s.ys
            }
            for t in chart.theory where t.facet == facet {
                axes.line(LineMark(xs: t.curve.xs, ys: t.curve.ys, color: .gray(0.1), width: 1.3, dash: Dash.dashed,
                                   label: k == 0 ? t.curve.label : nil))
                ys += t.curve.ys
            }
            let finite = ys.filter(\.isFinite)
            if chart.zeroLine, let lo = finite.min(), let hi = finite.max(), lo < 0, hi > 0 {
                axes.rule(RuleMark(.horizontal, at: 0, color: .gray(0.45), width: 0.8, dash: Dash.solid))
            }
            axes.legend = k == 0 && (labels.contains { $0 != nil } || chart.theory.contains { $0.curve.label != nil }) ? .outsideRight : .hidden
            panels.append(axes)
        }
        return RecipeSupport.grid(panels, maxColumns: 3, panelWidth: 560, panelHeight: 340, shareX: true, shareY: true, title: chart.title)
    }
}
