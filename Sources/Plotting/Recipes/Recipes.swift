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

    /// At most this many distinct values get a discrete key (one swatch each) rather than a colour bar.
    static let maxDiscreteLevels = 8

    /// A colour scale over the given values (viridis without its palest tenth, so lines stay visible on
    /// white): discrete, with a key of one swatch per value, for at most `maxDiscreteLevels` distinct
    /// values; continuous, with a colour bar, beyond.
    static func colorScale(_ values: [Double], label: String, log: Bool) -> ColorScale? {
        guard !values.isEmpty else { return nil }
        let map = Colormap(name: "viridis-lines", anchors: (0...24).map { Colormap.viridis.color(at: 0.9 * Double($0) / 24) })
        let distinct = Set(values.filter(\.isFinite))
        if !distinct.isEmpty && distinct.count <= maxDiscreteLevels { return .discrete(values, colormap: map, label: label) }
        var s = ColorScale.spanning(values, colormap: map, log: log, label: label)
        if case .linear(let lo, let hi) = s.norm, lo == hi { s.norm = .linear(lo: lo - 0.5, hi: hi + 0.5) }
        if case .log(let lo, let hi) = s.norm, lo == hi { s.norm = .log(lo: lo / 2, hi: hi * 2) }
        return s
    }

    /// The marker shapes that tell apart lines of one colour (`style`), in order of first appearance.
    static let styleShapes: [MarkerShape] = [.circle, .square, .triangle, .diamond, .cross]

    /// A marker shape per distinct style, when there are two or more (one style needs no marker).
    static func styles(_ styles: [String?]) -> [String: MarkerShape] {
        var seen: [String] = []
        for s in styles.compactMap({ $0 }) where !seen.contains(s) { seen.append(s) }
        guard seen.count > 1 else { return [:] }
        return Dictionary(uniqueKeysWithValues: seen.enumerated().map { ($0.element, styleShapes[$0.offset % styleShapes.count]) })
    }

    /// Legend rows "marker shape: style" (gray, as the colour is the line's), in order of first appearance.
    static func styleEntries(_ all: [String?], _ shapes: [String: MarkerShape]) -> [LegendEntry] {
        var seen: [String] = []
        for s in all.compactMap({ $0 }) where shapes[s] != nil && !seen.contains(s) { seen.append(s) }
        return seen.map { LegendEntry(label: $0, swatch: .line(color: .gray(0.35), width: 1.6, dash: [], marker: shapes[$0] ?? .circle)) }
    }

    /// About eight markers spread evenly in x along a line (at the points nearest to 8 evenly spaced x
    /// positions, the first and last point included, so log-spaced lags do not crowd them), in its colour.
    static func styleMarkers(xs: [Double], ys: [Double], shape: MarkerShape, color: Color?, colorValue: Double?) -> ScatterMark {
        let n = min(xs.count, ys.count)
        var idx: [Int] = []
        if n > 0, let lo = xs[0..<n].min(), let hi = xs[0..<n].max() {
            for k in 0...7 {
                let target = lo + (hi - lo) * Double(k) / 7
                if let i = (0..<n).min(by: { abs(xs[$0] - target) < abs(xs[$1] - target) }), !idx.contains(i) { idx.append(i) }
            }
        }
        return ScatterMark(xs: idx.map { xs[$0] }, ys: idx.map { ys[$0] }, color: color,
                           values: colorValue.map { v in idx.map { _ in v } }, size: 5.5, marker: shape, opacity: 1)
    }

    /// The note of a figure whose panels colour values by one scale or by one each.
    static func colorScaleNote(shared: Bool) -> String {
        shared ? "Colour scale: one for all panels (panels compare by colour)."
               : "Colour scale: each panel its own (read each panel against its own colour bar)."
    }

    /// Facet panels in a grid of at most `maxColumns` columns. A colour key is drawn once per row for
    /// panels that share a scale (on the last of them in the row); a panel with a scale of its own keeps its key.
    static func grid(_ panels: [Axes], maxColumns: Int, panelWidth: Double, panelHeight: Double,
                     shareX: Bool, shareY: Bool, title: String?) -> Figure {
        var panels = panels
        let columns = max(1, min(maxColumns, panels.count))
        for k in panels.indices {
            guard let cs = panels[k].colorScale else { continue }
            let rowEnd = min((k / columns + 1) * columns, panels.count)
            if (k + 1..<rowEnd).contains(where: { panels[$0].colorScale.map(cs.sameMapping) ?? false }) {
                panels[k].colorScale?.showsColorbar = false
            }
        }
        if panels.count == 1 {
            return Figure(width: panelWidth, height: panelHeight, rows: 1, columns: 1, panels: panels, title: title)
        }
        return Figure.facets(panels, columns: columns, panelWidth: panelWidth * 0.8, panelHeight: panelHeight * 0.8,
                             shareX: shareX, shareY: shareY, title: title)
    }
}
