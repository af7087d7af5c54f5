import Foundation

/// One stacked model's gradient map: log10 ‖∂L/∂h_t^ℓ‖ over steps t (x) and layers ℓ (y).
public struct DepthTimePanel: Sendable {
    /// Steps t (cell centres, increasing).
    public var steps: [Double]
    /// Layers ℓ (cell centres, increasing; 0 = the layer that reads the inputs).
    public var layers: [Double]
    /// `log10Norm[j * steps.count + i]` at (steps[i], layers[j]); NaN for missing cells (light gray),
    /// −∞ (an exactly zero gradient) in the scale's distinct zero colour, with an "exactly 0" swatch.
    public var log10Norm: [Double]
    public var title: String?
    public init(steps: [Double], layers: [Double], log10Norm: [Double], title: String? = nil) {
        self.steps = steps; self.layers = layers; self.log10Norm = log10Norm; self.title = title
    }
}

/// Inputs of the depth × time heatmap: one panel per model, one shared colour scale.
public struct DepthTimeHeatmapChart: Sendable {
    public var panels: [DepthTimePanel]
    public var colorLabel = "log_{10} ‖∂L / ∂h_{t}^{ℓ}‖"
    public var xLabel = "step t"
    public var yLabel = "layer ℓ"
    public var title: String?
    /// Colour limits ±limit around 0; default: the largest finite |value| over all panels (shared) or
    /// over each panel (not shared).
    public var colorLimit: Double?
    /// One colour scale for every panel (compare panels by colour; a panel of small values may look
    /// flat beside one of large values), or each panel its own ±limit and colour bar (`colorLimit` unset).
    public var sharedColorScale = true
    /// A contour drawn at this level in every panel (e.g. −6: a millionth of the gradient at the loss).
    public var contourLevel: Double?
    public var maxColumns = 4
    public init(panels: [DepthTimePanel], title: String? = nil) { self.panels = panels; self.title = title }
}

extension Recipe {
    /// log10 ‖∂L/∂h_t^ℓ‖ over (t, ℓ), one panel per model, on the phase heatmap's blue–white–red map
    /// centred at 0 (blue: the gradient is smaller than at the loss; red: larger); with `sharedColorScale`
    /// every panel uses the same colour limits, so panels compare by colour, else each has its own.
    /// With several panels the figure's note says which.
    public static func depthTimeHeatmap(_ chart: DepthTimeHeatmapChart) throws -> Figure {
        guard !chart.panels.isEmpty else { throw PlotError.invalidInput("depth-time-heatmap: no panels.") }
        for p in chart.panels where p.log10Norm.count != p.steps.count * p.layers.count {
            throw PlotError.invalidInput("depth-time-heatmap: a panel has \(p.log10Norm.count) values but steps × layers is \(p.steps.count) × \(p.layers.count).")
        }
        func limit(_ values: [Double]) -> Double {
            chart.colorLimit ?? max(values.filter(\.isFinite).map(abs).max() ?? 1, 1e-12)
        }
        let sharedLimit = limit(chart.panels.flatMap(\.log10Norm))
        let axes = chart.panels.map { p -> Axes in
            var a = Axes(title: p.title, xLabel: chart.xLabel, yLabel: chart.yLabel)
            a.yIntegerTicks = true   // layers are whole numbers
            let l = chart.sharedColorScale ? sharedLimit : limit(p.log10Norm)
            a.colorScale = ColorScale(colormap: .blueWhiteRed, norm: .linear(lo: -l, hi: l), label: chart.colorLabel)
            a.add(.heatmap(HeatmapMark(xs: p.steps, ys: p.layers, values: p.log10Norm, contourLevel: chart.contourLevel,
                                       contourLabel: chart.contourLevel.map { "level \($0)" })))
            a.legend = .hidden
            a.grid = false
            return a
        }
        var figure = RecipeSupport.grid(axes, maxColumns: chart.maxColumns, panelWidth: 400, panelHeight: 300,
                                        shareX: false, shareY: false, title: chart.title)
        if axes.count > 1 { figure.note = RecipeSupport.colorScaleNote(shared: chart.sharedColorScale) }
        // Each panel its own scale: each shows its own bar, even where two ranges happen to coincide.
        if !chart.sharedColorScale { for k in figure.panels.indices { figure.panels[k].colorScale?.showsColorbar = true } }
        return figure
    }
}
