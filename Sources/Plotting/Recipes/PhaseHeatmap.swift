/// Inputs of the phase heatmap: a number (log10 gradient norm) over two swept axes.
public struct PhaseHeatmapChart: Sendable {
    /// Swept values along x (cell centres, increasing), e.g. spectral radius ρ.
    public var xs: [Double]
    /// Swept values along y (cell centres, increasing), e.g. sequence length T or lag.
    public var ys: [Double]
    /// `log10Norm[j * xs.count + i]` at (xs[i], ys[j]); NaN for missing cells (drawn light gray).
    public var log10Norm: [Double]
    public var xLabel: String
    public var yLabel: String
    public var colorLabel: String = "log_{10} ‖∂h_{T} / ∂h_{t}‖"
    public var title: String?
    /// The vanishing/exploding boundary: the contour at this level (0 = norm 1).
    public var boundaryLevel: Double? = 0
    public var xLog: Bool = false
    public var yLog: Bool = false
    /// Colour limits ±limit around 0; default: the largest finite |value|. −∞ (an exact zero) is drawn
    /// in the scale's zero colour, NaN (missing) light gray.
    public var colorLimit: Double?
    public init(xs: [Double], ys: [Double], log10Norm: [Double], xLabel: String, yLabel: String, title: String? = nil) {
        self.xs = xs; self.ys = ys; self.log10Norm = log10Norm; self.xLabel = xLabel; self.yLabel = yLabel; self.title = title
    }
}

extension Recipe {
    /// log10 gradient norm over two swept axes on a blue–white–red map centred at 0 (blue vanishing,
    /// red exploding), with the boundary (contour at `boundaryLevel`) drawn black on a white halo.
    public static func phaseHeatmap(_ chart: PhaseHeatmapChart) throws -> Figure {
        guard chart.log10Norm.count == chart.xs.count * chart.ys.count else {
            throw PlotError.invalidInput("phase-heatmap: log10Norm has \(chart.log10Norm.count) values but xs × ys is \(chart.xs.count) × \(chart.ys.count).")
        }
        var axes = Axes(title: nil, xLabel: chart.xLabel, yLabel: chart.yLabel,
                        xScale: chart.xLog ? .log10 : .linear, yScale: chart.yLog ? .log10 : .linear)
        let norm: ColorNorm = chart.colorLimit.map { .linear(lo: -$0, hi: $0) } ?? .diverging(chart.log10Norm)
        axes.colorScale = ColorScale(colormap: .blueWhiteRed, norm: norm, label: chart.colorLabel)
        axes.add(.heatmap(HeatmapMark(xs: chart.xs, ys: chart.ys, values: chart.log10Norm, contourLevel: chart.boundaryLevel,
                                      contourLabel: chart.boundaryLevel.map { $0 == 0 ? "boundary: norm = 1" : "level \($0)" })))
        axes.legend = .hidden
        // Label the boundary directly, beside its highest point.
        if let level = chart.boundaryLevel, let top = highestContourPoint(chart, level: level),
           let x0 = chart.xs.first, let x1 = chart.xs.last, let y0 = chart.ys.first, let y1 = chart.ys.last {
            let span = axes.xScale.forward(x1) - axes.xScale.forward(x0)
            // Right of the point, or left of it when the point is in the right third (the label would
            // run off the plot); the renderer also keeps every label inside the plot box.
            let onLeft = span > 0 && (axes.xScale.forward(top.x) - axes.xScale.forward(x0)) / span > 2.0 / 3
            let x = axes.xScale.inverse(axes.xScale.forward(top.x) + (onLeft ? -0.015 : 0.015) * span)
            // Above the highest point when there is room (the curve lies below it), else a little below.
            let ySpan = axes.yScale.forward(y1) - axes.yScale.forward(y0)
            let room = ySpan > 0 && (axes.yScale.forward(y1) - axes.yScale.forward(top.y)) / ySpan > 0.12
            let y = axes.yScale.inverse(axes.yScale.forward(top.y) + (room ? 0.05 : -0.04) * ySpan)
            axes.add(.text(TextMark(x: x, y: y, text: level == 0 ? "norm = 1" : "level \(level)", color: .black, hAlign: onLeft ? 1 : 0)))
        }
        return Figure(width: 480, height: 340, axes, title: chart.title)
    }

    /// The contour point with the largest y, in data coordinates (grid positions interpolated between the
    /// cell centres in the scales' transformed space).
    static func highestContourPoint(_ chart: PhaseHeatmapChart, level: Double) -> (x: Double, y: Double)? {
        let segments = contourSegments(values: chart.log10Norm, nx: chart.xs.count, ny: chart.ys.count, level: level)
        guard let top = segments.flatMap({ [$0.0, $0.1] }).max(by: { $0.y < $1.y }) else { return nil }
        return gridToData(top, xs: chart.xs, ys: chart.ys, xScale: chart.xLog ? .log10 : .linear, yScale: chart.yLog ? .log10 : .linear)
    }
}
