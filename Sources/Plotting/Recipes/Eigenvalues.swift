/// A set of eigenvalues λ = real + i·imag (one colour per set).
public struct EigenvalueSet: Sendable {
    public var real: [Double]
    public var imag: [Double]
    public var label: String?
    public var facet: String?
    public init(real: [Double], imag: [Double], label: String? = nil, facet: String? = nil) {
        self.real = real; self.imag = imag; self.label = label; self.facet = facet
    }
}

public struct EigenvaluesChart: Sendable {
    public var sets: [EigenvalueSet]
    public var title: String?
    /// Draws |λ| = 1 (the stability boundary of a linear recurrence).
    public var unitCircle: Bool = true
    public init(sets: [EigenvalueSet], title: String? = nil) { self.sets = sets; self.title = title }
}

extension Recipe {
    /// Eigenvalues in the complex plane with the unit circle, equal aspect; one panel per facet.
    public static func eigenvalues(_ chart: EigenvaluesChart) -> Figure {
        var radius = 1.0
        for s in chart.sets {
            for (re, im) in zip(s.real, s.imag) {
                let m: Double = (re * re + im * im).squareRoot()
                if m.isFinite { radius = max(radius, m) }
            }
        }
        let lim: Double = radius * 1.12
        var panels: [Axes] = []
        for facet in RecipeSupport.facets(chart.sets.map(\.facet)) {
            var axes = Axes(title: facet, xLabel: "Re λ", yLabel: "Im λ")
            axes.equalAspect = true
            axes.xDomain = -lim...lim
            axes.yDomain = -lim...lim
            if chart.unitCircle { axes.add(.circle(CircleMark(radius: 1, color: .gray(0.2), width: 1.1, label: "|λ| = 1"))) }
            axes.rule(RuleMark(.horizontal, at: 0, color: .gray(0.75), width: 0.6, dash: []))
            axes.rule(RuleMark(.vertical, at: 0, color: .gray(0.75), width: 0.6, dash: []))
            for (k, s) in chart.sets.enumerated() where s.facet == facet {
                axes.scatter(ScatterMark(xs: s.real, ys: s.imag, color: Palette.categorical(k), size: 4, opacity: 0.75, label: s.label))
            }
            panels.append(axes)
        }
        let fig = RecipeSupport.grid(panels, maxColumns: 3, panelWidth: 540, panelHeight: 400, shareX: true, shareY: true, title: chart.title)
        return fig
    }
}
