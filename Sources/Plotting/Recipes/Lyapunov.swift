/// A Lyapunov spectrum λ₁ ≥ λ₂ ≥ … (per step, natural log), plotted against index 1, 2, …
public struct LyapunovSeries: Sendable {
    public var exponents: [Double]
    public var colorValue: Double?
    public var label: String?
    public var facet: String?
    /// What else tells this spectrum apart from others of the same colour (see `NormVsLagSeries.style`):
    /// two or more styles get one marker shape each and a legend entry.
    public var style: String?
    public init(exponents: [Double], colorValue: Double? = nil, label: String? = nil, facet: String? = nil, style: String? = nil) {
        self.exponents = exponents; self.colorValue = colorValue; self.label = label; self.facet = facet; self.style = style
    }
}

public struct LyapunovChart: Sendable {
    public var series: [LyapunovSeries]
    public var colorLabel: String = "g"
    public var title: String?
    public var yLabel: String = "Lyapunov exponent λ_{i} (per step)"
    public init(series: [LyapunovSeries], colorLabel: String = "g", title: String? = nil) {
        self.series = series; self.colorLabel = colorLabel; self.title = title
    }
}

extension Recipe {
    /// Exponents against index with λ = 0 (the edge of chaos) marked; coloured by a swept value when given.
    public static func lyapunov(_ chart: LyapunovChart) -> Figure {
        let scale = RecipeSupport.colorScale(chart.series.compactMap(\.colorValue), label: chart.colorLabel, log: false)
        let styles = RecipeSupport.styles(chart.series.map(\.style))
        var panels: [Axes] = []
        let facets = RecipeSupport.facets(chart.series.map(\.facet))
        for (k, facet) in facets.enumerated() {
            var axes = Axes(title: facet, xLabel: "index i", yLabel: chart.yLabel)
            axes.colorScale = scale
            axes.rule(RuleMark(.horizontal, at: 0, color: .gray(0.2), width: 1, dash: Dash.dashed, label: "λ = 0"))
            var next = 0
            for s in chart.series where s.facet == facet {
                let idx = s.exponents.indices.map { Double($0 + 1) }
                let c: Color? = s.colorValue == nil ? Palette.categorical(next) : nil
                if s.colorValue == nil { next += 1 }
                let shape = styles[s.style ?? ""]
                axes.line(LineMark(xs: idx, ys: s.exponents, color: c, colorValue: s.colorValue, width: 1.3,
                                   marker: shape == nil && s.exponents.count <= 64 ? .circle : .none, markerSize: 3.5,
                                   label: s.colorValue == nil ? s.label : nil))
                if let shape { axes.scatter(RecipeSupport.styleMarkers(xs: idx, ys: s.exponents, shape: shape, color: c, colorValue: s.colorValue)) }
            }
            if k == facets.count - 1 { axes.legendEntries += RecipeSupport.styleEntries(chart.series.map(\.style), styles) }
            panels.append(axes)
        }
        return RecipeSupport.grid(panels, maxColumns: 3, panelWidth: 480, panelHeight: 320, shareX: true, shareY: true, title: chart.title)
    }
}
