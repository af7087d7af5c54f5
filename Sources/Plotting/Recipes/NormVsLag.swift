/// One measured configuration: log10 of a gradient norm against lag, with an optional band over seeds.
public struct NormVsLagSeries: Sendable {
    /// Lags k = T − t (x values).
    public var lags: [Double]
    /// log10 ‖∂h_T/∂h_t‖ (or log10 ‖∂L/∂h_t‖), e.g. the mean over seeds; one per lag.
    public var log10Norm: [Double]
    /// Band over seeds (e.g. min–max or ±1 sd of log10 norms); both or neither.
    public var log10Lower: [Double]?
    public var log10Upper: [Double]?
    /// The swept value colouring the line (e.g. ρ); when nil, the line takes a categorical colour and `label`.
    public var colorValue: Double?
    public var label: String?
    /// Panel name for small multiples (e.g. "tanh", "relu"); nil puts everything in one panel.
    public var facet: String?
    /// What else tells this line apart from others of the same colour (e.g. "T = 50, H = 64", the values
    /// of zipped or other swept paths): with two or more styles in a chart, each gets its own marker shape
    /// along its lines and a legend entry, so lines of one colour are never silently overlaid.
    public var style: String?
    public init(lags: [Double], log10Norm: [Double], log10Lower: [Double]? = nil, log10Upper: [Double]? = nil,
                colorValue: Double? = nil, label: String? = nil, facet: String? = nil, style: String? = nil) {
        self.lags = lags; self.log10Norm = log10Norm; self.log10Lower = log10Lower; self.log10Upper = log10Upper
        self.colorValue = colorValue; self.label = label; self.facet = facet; self.style = style
    }
}

/// A theory line to set beside the measurements, in log10.
public struct TheoryLine: Sendable {
    public enum Kind: Sendable, Equatable {
        /// Pascanu et al. (2013) upper bound k · log10(γ λ₁): dotted.
        case pascanuBound
        /// ρ^k, i.e. k · log10 ρ: dashed.
        case spectralPower
        /// Anything else, dash-dotted, named in the legend.
        case other(String)
        var dash: [Double] {
            switch self { case .pascanuBound: return Dash.dotted; case .spectralPower: return Dash.dashed; case .other: return Dash.dashDot }
        }
        var legendLabel: String {
            switch self { case .pascanuBound: return "Pascanu bound"; case .spectralPower: return "ρ^{k}"; case .other(let s): return s }
        }
    }
    public var lags: [Double]
    public var log10Values: [Double]
    public var kind: Kind
    public var colorValue: Double?
    public var facet: String?
    /// The label of the measured series this line belongs to: without a `colorValue` it is drawn in that
    /// series' categorical colour (gray when there is none), so each method's ρ^k reads as its own.
    public var label: String?
    public init(lags: [Double], log10Values: [Double], kind: Kind, colorValue: Double? = nil, facet: String? = nil, label: String? = nil) {
        self.lags = lags; self.log10Values = log10Values; self.kind = kind; self.colorValue = colorValue; self.facet = facet
        self.label = label
    }
}

/// Inputs of the norm-vs-lag chart.
public struct NormVsLagChart: Sendable {
    public var series: [NormVsLagSeries]
    public var theory: [TheoryLine] = []
    /// Colorbar title for `colorValue` (e.g. "ρ", "spectral radius ρ").
    public var colorLabel: String = "ρ"
    public var colorLog: Bool = false
    public var title: String?
    public var xLabel: String = "lag k = T − t"
    public var yLabel: String = "log_{10} ‖∂h_{T} / ∂h_{t}‖"
    /// What the band shows, for the legend ("min–max over seeds").
    public var bandDescription: String = "min–max over seeds"
    /// Whole-number x ticks (for counts such as layers crossed).
    public var integerX = false
    public init(series: [NormVsLagSeries], theory: [TheoryLine] = [], colorLabel: String = "ρ", title: String? = nil) {
        self.series = series; self.theory = theory; self.colorLabel = colorLabel; self.title = title
    }
}

extension Recipe {
    /// log10 gradient norm against lag: one line per configuration coloured by its swept value (colorbar),
    /// seeds as a band, theory dashed (ρ^k) or dotted (Pascanu bound); one panel per facet with shared axes.
    public static func normVsLag(_ chart: NormVsLagChart) -> Figure {
        let values = chart.series.compactMap(\.colorValue) + chart.theory.compactMap(\.colorValue)
        let scale = RecipeSupport.colorScale(values, label: chart.colorLabel, log: chart.colorLog)
        let facets = RecipeSupport.facets(chart.series.map(\.facet) + chart.theory.map(\.facet))
        let styles = RecipeSupport.styles(chart.series.map(\.style))
        var panels: [Axes] = []
        for (k, facet) in facets.enumerated() {
            var axes = Axes(title: facet, xLabel: chart.xLabel, yLabel: chart.yLabel)
            axes.colorScale = scale
            axes.xIntegerTicks = chart.integerX
            var next = 0
            var categoricalByLabel: [String: Color] = [:]
            for s in chart.series where s.facet == facet {
                let categorical: Color? = s.colorValue == nil ? Palette.categorical(next) : nil
                if s.colorValue == nil { next += 1 }
                if let categorical, let label = s.label { categoricalByLabel[label] = categorical }
                if let lo = s.log10Lower, let hi = s.log10Upper {
                    axes.band(BandMark(xs: s.lags, lower: lo, upper: hi, color: categorical, colorValue: s.colorValue, opacity: 0.16))
                }
                axes.line(LineMark(xs: s.lags, ys: s.log10Norm, color: categorical, colorValue: s.colorValue, width: 1.6,
                                   label: s.colorValue == nil ? s.label : nil))
                if let shape = styles[s.style ?? ""] {
                    axes.scatter(RecipeSupport.styleMarkers(xs: s.lags, ys: s.log10Norm, shape: shape, color: categorical, colorValue: s.colorValue))
                }
            }
            for t in chart.theory where t.facet == facet {
                let own = t.label.flatMap { categoricalByLabel[$0] }
                axes.line(LineMark(xs: t.lags, ys: t.log10Values, color: t.colorValue == nil ? own ?? .gray(0.25) : nil,
                                   colorValue: t.colorValue, width: 1.2, dash: t.kind.dash))
            }
            // The legend goes with the last panel: when it must leave the plot box it sits at the figure's
            // right edge (beside the colour key), not between two panels.
            if k == facets.count - 1 {
                let gray = Color.gray(0.35)
                if chart.series.contains(where: { $0.colorValue != nil }) {
                    axes.legendEntries.append(.init(label: "measured", swatch: .line(color: gray, width: 1.6, dash: [], marker: .none)))
                }
                if chart.series.contains(where: { $0.log10Lower != nil }) {
                    axes.legendEntries.append(.init(label: chart.bandDescription, swatch: .area(gray.withAlpha(0.3))))
                }
                var kinds: [TheoryLine.Kind] = []
                for t in chart.theory where !kinds.contains(t.kind) { kinds.append(t.kind) }
                for kind in kinds {
                    axes.legendEntries.append(.init(label: kind.legendLabel, swatch: .line(color: gray, width: 1.2, dash: kind.dash, marker: .none)))
                }
                axes.legendEntries += RecipeSupport.styleEntries(chart.series.map(\.style), styles)
            }
            panels.append(axes)
        }
        return RecipeSupport.grid(panels, maxColumns: 3, panelWidth: 500, panelHeight: 330, shareX: true, shareY: true, title: chart.title)
    }
}
