/// One training run: loss and global gradient norm per iteration.
public struct TrainingRun: Sendable {
    public var iterations: [Double]
    public var loss: [Double]
    public var gradientNorm: [Double]
    public var label: String?
    public var colorValue: Double?
    public init(iterations: [Double], loss: [Double], gradientNorm: [Double], label: String? = nil, colorValue: Double? = nil) {
        self.iterations = iterations; self.loss = loss; self.gradientNorm = gradientNorm; self.label = label; self.colorValue = colorValue
    }
}

public struct TrainingChart: Sendable {
    public var runs: [TrainingRun]
    /// Gradient-norm clipping threshold (a rule on the gradient panel).
    public var clipThreshold: Double?
    /// The task's trivial baseline loss (a rule on the loss panel), e.g. predicting the mean.
    public var baselineLoss: Double?
    public var baselineLabel: String = "baseline"
    public var logLoss: Bool = true
    public var logGradient: Bool = true
    public var colorLabel: String = "ρ"
    public var title: String?
    public init(runs: [TrainingRun], clipThreshold: Double? = nil, baselineLoss: Double? = nil, title: String? = nil) {
        self.runs = runs; self.clipThreshold = clipThreshold; self.baselineLoss = baselineLoss; self.title = title
    }
}

extension Recipe {
    /// Loss (top) and gradient norm (bottom) against iteration, sharing x; baseline and clip threshold as rules.
    public static func training(_ chart: TrainingChart) -> Figure {
        let scale = RecipeSupport.colorScale(chart.runs.compactMap(\.colorValue), label: chart.colorLabel, log: false)
        var loss = Axes(title: nil, xLabel: "iteration", yLabel: "loss", yScale: chart.logLoss ? .log10 : .linear)
        var grad = Axes(title: nil, xLabel: "iteration", yLabel: "‖∇_{θ} L‖", yScale: chart.logGradient ? .log10 : .linear)
        loss.colorScale = scale; grad.colorScale = scale
        grad.colorScale?.showsColorbar = false   // one colorbar serves both panels
        for (k, run) in chart.runs.enumerated() {
            let c: Color? = run.colorValue == nil ? Palette.categorical(k) : nil
            loss.line(LineMark(xs: run.iterations, ys: run.loss, color: c, colorValue: run.colorValue, width: 1.2,
                               label: run.colorValue == nil ? run.label : nil))
            grad.line(LineMark(xs: run.iterations, ys: run.gradientNorm, color: c, colorValue: run.colorValue, width: 0.9))
        }
        if let b = chart.baselineLoss { loss.rule(RuleMark(.horizontal, at: b, color: .gray(0.15), width: 1.1, dash: Dash.dashed, label: chart.baselineLabel)) }
        if let t = chart.clipThreshold { grad.rule(RuleMark(.horizontal, at: t, color: Color(hex: 0xD55E00), width: 1.1, dash: Dash.dashed, label: "clip threshold")) }
        var fig = Figure(width: 500, height: 420, rows: 2, columns: 1, panels: [loss, grad], shareX: true, title: chart.title)
        fig.theme.panelGap = 8
        return fig
    }
}
