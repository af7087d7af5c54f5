/// The lab's standard charts. Each takes a plain data struct (arrays of Double, labels, optional numeric
/// colour values, facets by string) and returns a `Figure`; write it with `figure.write(to:format:dpi:)`.
public enum Recipe: String, CaseIterable, Sendable {
    case normVsLag = "norm-vs-lag"
    case phaseHeatmap = "phase-heatmap"
    case depthTimeHeatmap = "depth-time-heatmap"
    case eigenvalues
    case singularValues = "singular-values"
    case lyapunov
    case training
    case lossCurves = "loss-curves"
    case successRate = "success-vs-length"
    case gradientNormTrace = "grad-norm-trace"
    case gradientFlowHeatmap = "grad-flow-heatmap"
    case summaryVsParameter = "summary-vs-parameter"
}

/// A curve to overlay (e.g. a theory density).
public struct Curve: Sendable {
    public var xs: [Double]
    public var ys: [Double]
    public var label: String?
    public init(xs: [Double], ys: [Double], label: String? = nil) { self.xs = xs; self.ys = ys; self.label = label }
}

/// Shared helpers of the recipes.
enum RecipeSupport {
    /// Distinct facet names in order of first appearance; `[nil]` when nothing is faceted.
    static func facets(_ names: [String?]) -> [String?] {
        var seen: [String?] = []
        for n in names where !seen.contains(where: { $0 == n }) { seen.append(n) }
        return seen.isEmpty ? [nil] : seen
    }

    /// A colour scale over the given values (viridis without its palest tenth, so lines stay visible on white).
    static func colorScale(_ values: [Double], label: String, log: Bool) -> ColorScale? {
        guard !values.isEmpty else { return nil }
        let map = Colormap(name: "viridis-lines", anchors: (0...24).map { Colormap.viridis.color(at: 0.9 * Double($0) / 24) })
        var s = ColorScale.spanning(values, colormap: map, log: log, label: label)
        if case .linear(let lo, let hi) = s.norm, lo == hi { s.norm = .linear(lo: lo - 0.5, hi: hi + 0.5) }
        if case .log(let lo, let hi) = s.norm, lo == hi { s.norm = .log(lo: lo / 2, hi: hi * 2) }
        return s
    }

    /// Facet panels in a grid of at most `maxColumns` columns; colorbars only on the last column.
    static func grid(_ panels: [Axes], maxColumns: Int, panelWidth: Double, panelHeight: Double,
                     shareX: Bool, shareY: Bool, title: String?) -> Figure {
        var panels = panels
        let columns = max(1, min(maxColumns, panels.count))
        for k in panels.indices where k % columns != columns - 1 && k != panels.count - 1 {
            panels[k].colorScale?.showsColorbar = false
        }
        if panels.count == 1 {
            return Figure(width: panelWidth, height: panelHeight, rows: 1, columns: 1, panels: panels, title: title)
        }
        return Figure.facets(panels, columns: columns, panelWidth: panelWidth * 0.8, panelHeight: panelHeight * 0.8,
                             shareX: shareX, shareY: shareY, title: title)
    }
}
