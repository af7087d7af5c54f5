import Foundation

public struct SingularValuesChart: Sendable {
    public var values: [Double]
    public var bins: Int = 40
    /// A density to overlay, e.g. `QuarterCircleLaw.curve(sigma:)`.
    public var theory: Curve?
    public var title: String?
    public var xLabel: String = "singular value σ"
    public var label: String? = "measured"
    /// The histogram's range; nil = [0, max] (singular values are ≥ 0). Set it for log10 values.
    public var range: ClosedRange<Double>? = nil
    public init(values: [Double], bins: Int = 40, theory: Curve? = nil, title: String? = nil) {
        self.values = values; self.bins = bins; self.theory = theory; self.title = title
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
    /// Histogram (density) of singular values with an optional theory density.
    public static func singularValues(_ chart: SingularValuesChart) -> Figure {
        var axes = Axes(title: nil, xLabel: chart.xLabel, yLabel: "density")
        let hi = max(chart.values.filter(\.isFinite).max() ?? 1, chart.theory?.xs.max() ?? 0)
        axes.add(.histogram(HistogramMark(values: chart.values, bins: chart.bins, range: chart.range ?? 0...hi, density: true,
                                          color: Palette.categorical(0), label: chart.label)))
        if let t = chart.theory {
            axes.line(LineMark(xs: t.xs, ys: t.ys, color: Palette.categorical(1), width: 1.8, label: t.label))
        }
        return Figure(width: 460, height: 320, axes, title: chart.title)
    }
}
