/// One forward statistic against step t: one line per (grid point, gate), replicates as a min–max band.
public struct ActivationCurve: Sendable {
    public var steps: [Double]
    public var values: [Double]
    public var lower: [Double]?
    public var upper: [Double]?
    public var label: String?
    public var facet: String?
    /// A level drawn dashed across the panel in the curve's colour (e.g. its mean-field q*).
    public var reference: Double?
    public init(steps: [Double], values: [Double], lower: [Double]? = nil, upper: [Double]? = nil, label: String? = nil, facet: String? = nil,
                reference: Double? = nil) {
        self.steps = steps; self.values = values; self.lower = lower; self.upper = upper; self.label = label; self.facet = facet
        self.reference = reference
    }
}

public struct ActivationsChart: Sendable {
    public var curves: [ActivationCurve]
    public var yLabel: String
    public var logY: Bool
    /// The legend entry of the curves' dashed reference levels (e.g. "dashed: mean-field q*").
    public var referenceLabel: String?
    public var title: String?
    public init(curves: [ActivationCurve], yLabel: String, logY: Bool, title: String? = nil) {
        self.curves = curves; self.yLabel = yLabel; self.logY = logY; self.title = title
    }
}

extension Recipe {
    /// Forward statistics through time (`activations-through-time`): x = step t, one panel per facet.
    public static func activationsThroughTime(_ chart: ActivationsChart) -> Figure {
        var panels: [Axes] = []
        for facet in RecipeSupport.facets(chart.curves.map(\.facet)) {
            var axes = Axes(title: facet, xLabel: "step t", yLabel: chart.yLabel, yScale: chart.logY ? .log10 : .linear)
            axes.xIntegerTicks = true
            for (k, c) in chart.curves.enumerated() where c.facet == facet {
                let color = Palette.categorical(k)
                if let lo = c.lower, let hi = c.upper { axes.band(BandMark(xs: c.steps, lower: lo, upper: hi, color: color)) }
                axes.line(LineMark(xs: c.steps, ys: c.values, color: color, label: c.label))
                if let r = c.reference, r.isFinite, !chart.logY || r > 0 {
                    axes.rule(RuleMark(.horizontal, at: r, color: color, width: 1.0, dash: Dash.dashed, label: k == 0 ? chart.referenceLabel : nil))
                }
            }
            panels.append(axes)
        }
        return RecipeSupport.grid(panels, maxColumns: 3, panelWidth: 520, panelHeight: 340, shareX: true, shareY: true, title: chart.title)
    }
}
