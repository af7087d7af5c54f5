import Foundation

/// One histogram of a singular-values chart: one matrix, or one grid point's replicates pooled.
public struct SingularValueSet: Sendable {
    public var values: [Double]
    /// Panel title (e.g. the grid point's swept values); nil for a chart of one set.
    public var title: String?
    public init(values: [Double], title: String? = nil) { self.values = values; self.title = title }
}

/// Singular values as density histograms: one panel per set (shared axes), never one pooled histogram
/// of sets that differ.
public struct SingularValuesChart: Sendable {
    public var sets: [SingularValueSet]
    public var bins: Int = 40
    /// A density to overlay in every panel, e.g. `QuarterCircleLaw.curve(sigma:)`.
    public var theory: Curve?
    public var title: String?
    public var xLabel: String = "singular value σ"
    public var label: String? = "measured"
    /// The histograms' range; nil = [0, max] (singular values are ≥ 0). Set it for log10 values.
    public var range: ClosedRange<Double>? = nil
    /// Small print under the panels (what each histogram pools).
    public var note: String?
    public init(values: [Double], bins: Int = 40, theory: Curve? = nil, title: String? = nil) {
        self.init(sets: [SingularValueSet(values: values)], bins: bins, theory: theory, title: title)
    }
    public init(sets: [SingularValueSet], bins: Int = 40, theory: Curve? = nil, title: String? = nil) {
        self.sets = sets; self.bins = bins; self.theory = theory; self.title = title
    }
}

/// The quarter-circle law: singular values of an N × N matrix with i.i.d. entries of variance σ²/N have,
/// as N → ∞, density p(s) = √(4σ² − s²) / (πσ²) on [0, 2σ] (Marchenko–Pastur with ratio 1, in s = √λ).
public enum QuarterCircleLaw {
    public static func density(_ s: Double, sigma: Double) -> Double {
        guard s >= 0, s <= 2 * sigma, sigma > 0 else { return 0 }
        return (4 * sigma * sigma - s * s).squareRoot() / (Double.pi * sigma * sigma)
    }
    /// The density sampled at `points` points on [0, 2σ], labelled for a legend.
    public static func curve(sigma: Double, points: Int = 200) -> Curve {
        let xs = (0...points).map { 2 * sigma * Double($0) / Double(points) }
        return Curve(xs: xs, ys: xs.map { density($0, sigma: sigma) }, label: "quarter-circle law")
    }
}

extension Recipe {
    /// Density histograms of singular values, one panel per set (one bin width and x range for all, so
    /// the panels compare), with an optional theory density in each.
    public static func singularValues(_ chart: SingularValuesChart) -> Figure {
        let hi = max(chart.sets.flatMap(\.values).filter(\.isFinite).max() ?? 1, chart.theory?.xs.max() ?? 0)
        let range = chart.range ?? 0...hi
        let panels = chart.sets.enumerated().map { k, set -> Axes in
            var axes = Axes(title: set.title, xLabel: chart.xLabel, yLabel: "density")
            axes.add(.histogram(HistogramMark(values: set.values, bins: chart.bins, range: range, density: true,
                                              color: Palette.categorical(0), label: k == 0 ? chart.label : nil)))
            if let t = chart.theory {
                axes.line(LineMark(xs: t.xs, ys: t.ys, color: Palette.categorical(1), width: 1.8, label: k == 0 ? t.label : nil))
            }
            if k > 0 { axes.legend = .hidden }
            return axes
        }
        var figure = panels.count == 1 ? Figure(width: 460, height: 320, panels[0], title: chart.title)
            : RecipeSupport.grid(panels, maxColumns: 4, panelWidth: 360, panelHeight: 280, shareX: true, shareY: false, title: chart.title)
        figure.note = chart.note
        return figure
    }
}
