import Sweeps

/// The charts a run can declare in `plots:` (drawn by module ExperimentPlots), with what each reads
/// on which channel, so `gradlab validate` refuses a channel the chart would ignore or a column the
/// store will not have, and `gradlab list` explains them.
public enum PlotRecipe: String, CaseIterable, SchemaChoice {
    case normVsLag = "norm-vs-lag"
    case phaseHeatmap = "phase-heatmap"
    case depthTimeHeatmap = "depth-time-heatmap"
    case depthProfile = "depth-profile"
    case singularValues = "singular-values"
    case lyapunov
    case lossCurves = "loss-curves"
    case successVsLength = "success-vs-length"
    case gradNormTrace = "grad-norm-trace"
    case gradFlowHeatmap = "grad-flow-heatmap"
    case summaryVsParameter = "summary-vs-parameter"
    case activationsThroughTime = "activations-through-time"
    case trainingTrace = "training-trace"
    // mode fixed-points (docs/dynamics.md)
    case fixedPointStates = "fixed-point-states"
    case fixedPointEigenvalues = "fixed-point-eigenvalues"
    // measure grad_units (docs/dynamics.md)
    case unitGradientMaps = "unit-gradient-maps"

    /// The channels of a `plots:` entry.
    public enum Channel: String, Sendable { case color, x, y, facet, theory }

    public var explanation: String {
        switch self {
        case .normVsLag: "log10 ‖∂h_T/∂h_t‖ (or `y`: grad_norm_log10, contribution_log10) against lag, one line per grid point coloured by `color`, replicates as a band, theory (ρ^k, Pascanu bound) dashed/dotted"
        case .phaseHeatmap: "log10 ‖∂h_T/∂h_t‖ over `x` (swept) × `y` (lag or swept), blue vanishing, red exploding, the norm = 1 boundary drawn, one file per `facet` (colour range per file or `scale: shared`)"
        case .depthTimeHeatmap: "log10 ‖∂L/∂h_t^ℓ‖ over step t × layer ℓ (stacked models), one panel per grid point, one figure per `facet`, colour range per panel or `scale: shared`"
        case .depthProfile: "log10 ‖∂h_T^top/∂h_T^ℓ‖ of stacked models against the layers crossed, one line per grid point coloured by `color`, replicates as a band, one panel per `facet`"
        case .singularValues: "histograms of log10 singular values of ∂h_T/∂h_t at the largest recorded lag, one per grid point (its replicates pooled), one figure per `facet`"
        case .lyapunov: "Lyapunov spectrum against index, coloured by `color`, one panel per `facet`"
        case .lossCurves: "train: `y` (eval_loss, default, or loss, accuracy) against iteration, log y, one colour per method, the task's baseline dashed, one panel per `facet`"
        case .successVsLength: "train: `y` (solved, default: fraction of replicates that solved; or final_accuracy) against `x` (the swept task.length), one line per method"
        case .gradNormTrace: "train: gradient norm before clipping (or `y: grad_norm_clipped`) against iteration, log y, the clip threshold dashed, one panel per `facet`"
        case .gradFlowHeatmap: "train: log10 ‖∂L/∂h_t‖ over (iteration, t) from training.snapshot_every, one panel per grid point, one file per `facet`, colour range per panel or `scale: shared`"
        case .summaryVsParameter: "a summary column `y` (e.g. lambda_max) against a swept path `x`, one line with markers per value of `color` (a swept path), replicates as a min–max band, an optional `theory` summary column dashed black, y = 0 drawn when crossed, one panel per `facet`"
        case .activationsThroughTime: "a forward statistic (`y`: hidden_norm, default, or cell_norm, saturated_fraction, inactive_fraction, preactivation_q, gate_mean, gate_saturated_fraction) against step t, one line per grid point (and per gate), replicates as a min–max band, one panel per `facet`"
        case .fixedPointStates: "fixed-points: each run's fixed and slow points and its first 8 autonomous runs in the top two principal components of the start pool, one marker per class (stable, marginal, saddle, unstable; fixed or slow), one figure per run"
        case .fixedPointEigenvalues: "fixed-points: the eigenvalues of ∂F/∂s at each point against the unit circle, one panel per point (the first 12 by q), one figure per run"
        case .unitGradientMaps: "log10 |∂L/∂h_t,i| over step t × unit i from each run's unit-map sidecar files, one panel for ∂L/∂h and one per gate (LSTM/GRU; stacked models: one ∂L/∂h panel per layer and direction), the 128 units of largest total gradient when H > 128 (stated in the title), one figure per run"
        case .trainingTrace: "train: a per-iteration record (`y`, required: sigma_max, spectral_radius, gradient_reach, floss_lambda_1, …) against iteration (linear y), window median with min–max band, one colour per method, one panel per `facet`"
        }
    }

    /// What the recipe needs, in words (for `gradlab list` and the "drew nothing" warning).
    public var needs: String {
        switch self {
        case .normVsLag: "measure jacobian_norm or grad_norm"
        case .phaseHeatmap: "an `x` channel and measure jacobian_norm or grad_norm"
        case .depthTimeHeatmap: "measure grad_norm (a single-layer model is one row)"
        case .depthProfile: "stacked models (model.layers > 1) with measure jacobian_norm"
        case .singularValues: "measure singular_values (single-layer models)"
        case .lyapunov: "mode lyapunov (or measure lyapunov)"
        case .lossCurves, .gradNormTrace: "mode train"
        case .successVsLength: "mode train with task.length swept as `x`"
        case .gradFlowHeatmap: "mode train with training.snapshot_every"
        case .summaryVsParameter: "an `x` channel (a swept path) and a `y` summary column the mode and measures store"
        case .activationsThroughTime: "measure forward (stacked models: the top layer's forward direction is drawn)"
        case .trainingTrace: "mode train and a `y` channel"
        case .fixedPointStates, .fixedPointEigenvalues: "mode fixed-points"
        case .unitGradientMaps: "measure grad_units"
        }
    }

    /// The values `channel` may take: swept paths where the recipe reads a swept value there, and
    /// the recipe's own axes and metric choices. Empty: the recipe does not read the channel.
    public func choices(for channel: Channel, sweptPaths: [String]) -> [String] {
        switch (self, channel) {
        case (.fixedPointStates, _), (.fixedPointEigenvalues, _), (.unitGradientMaps, _): return []
        case (_, .facet): return sweptPaths
        case (.normVsLag, .color), (.depthProfile, .color), (.lyapunov, .color), (.summaryVsParameter, .color): return sweptPaths
        case (.summaryVsParameter, .x): return sweptPaths
        case (.summaryVsParameter, .y), (.summaryVsParameter, .theory): return PlotRecipe.summaryMetrics.map(\.name)
        case (.normVsLag, .x): return ["lag"]
        case (.normVsLag, .y): return PlotRecipe.lagMetrics.map(\.name)
        case (.phaseHeatmap, .x), (.successVsLength, .x): return sweptPaths
        case (.phaseHeatmap, .y): return ["lag"] + sweptPaths
        case (.lossCurves, .y): return PlotRecipe.lossCurveMetrics.map(\.name)
        case (.gradNormTrace, .y): return [Metric.gradNorm.name, Metric.gradNormClipped.name]
        case (.trainingTrace, .y): return PlotRecipe.traceMetrics.map(\.name)
        case (.successVsLength, .y): return [Metric.solved.name, Metric.finalAccuracy.name]
        case (.activationsThroughTime, .y): return PlotRecipe.forwardMetrics.map(\.name)
        default: return []
        }
    }

    /// The metrics `norm-vs-lag` draws on y (by lag; series by step t at lag T − t).
    public static let lagMetrics = [Metric.jacobianNormLog10, .gradNormLog10, .contributionLog10] + classicLagMetrics.map(\.metric)

    /// The classics' series `norm-vs-lag` draws on y, with the measure that stores each.
    static let classicLagMetrics: [(metric: Metric, measure: Measure)] = [
        (.matrixPowerNormLog10, .matrixPower), (.singularSpreadLog10, .singularSpread), (.singularKeptFraction, .singularSpread),
        (.truncatedCosine, .truncation), (.truncatedNormRatio, .truncation),
    ]

    /// The numeric summary columns (`summary-vs-parameter` draws them on y and as theory).
    public static var summaryMetrics: [Metric] { Metric.all.filter { $0.sqlType == "REAL" || $0.sqlType == "INTEGER" } }

    /// The series `activations-through-time` draws on y (first: the default).
    public static let forwardMetrics = [Metric.hiddenNorm, .cellNorm, .saturatedFraction, .inactiveFraction, .preactivationQ,
                                        .gateMean, .gateSaturatedFraction]

    /// The per-iteration records `training-trace` draws on y.
    public static let traceMetrics = [Metric.sigmaMax, .spectralRadius, .gradientReach, .flossLambda1, .sigmaMaxBefore,
                                      .spectralRadiusBefore, .learningRate, .omega, .flossLoss] + Metric.trainingForward

    /// The metrics `loss-curves` draws on y.
    public static let lossCurveMetrics = [Metric.evalLoss, .loss, .accuracy]

    /// Why an experiment with this mode, these measures and this `x` cannot feed the recipe (nil if it can).
    func unmetNeed(mode: Mode, measures: [Measure], x: String?, y: String?) -> String? {
        let measured = Set(measures)
        switch self {
        case .normVsLag where PlotRecipe.classicLagMetrics.contains { $0.metric.name == y }:
            let need = PlotRecipe.classicLagMetrics.first { $0.metric.name == y }?.measure ?? .jacobianNorm
            return measured.contains(need) ? nil : "measure \(need.rawValue) for y: \(y ?? "")"
        case .normVsLag where y == Metric.contributionLog10.name:
            return measured.contains(.contributions) ? nil : "measure contributions for y: contribution_log10"
        case .normVsLag where y == Metric.gradNormLog10.name:
            return measured.contains(.gradNorm) ? nil : "measure grad_norm for y: grad_norm_log10"
        case .normVsLag where y == Metric.jacobianNormLog10.name:
            return measured.contains(.jacobianNorm) ? nil : "measure jacobian_norm for y: jacobian_norm_log10"
        case .normVsLag, .phaseHeatmap:
            if self == .phaseHeatmap && x == nil { return "an x channel (a swept path)" }
            return measured.isDisjoint(with: [.gradNorm, .jacobianNorm]) ? "measure grad_norm or jacobian_norm" : nil
        case .depthTimeHeatmap: return measured.contains(.gradNorm) ? nil : "measure grad_norm"
        case .depthProfile: return measured.contains(.jacobianNorm) ? nil : "measure jacobian_norm (of stacked models)"
        case .singularValues: return measured.contains(.singularValues) ? nil : "measure singular_values"
        case .lyapunov: return measured.contains(.lyapunov) ? nil : "measure lyapunov (mode lyapunov or gradient-flow)"
        case .lossCurves, .gradNormTrace, .gradFlowHeatmap: return mode == .train ? nil : "mode train"
        case .summaryVsParameter:
            if x == nil { return "an x channel (a swept path)" }
            return y == nil ? "a y channel (a summary column, e.g. lambda_max)" : nil
        case .activationsThroughTime: return measured.contains(.forward) ? nil : "measure forward"
        case .trainingTrace:
            if mode != .train { return "mode train" }
            return y == nil ? "a y channel (\(PlotRecipe.traceMetrics.map(\.name).joined(separator: ", ")))" : nil
        case .fixedPointStates, .fixedPointEigenvalues: return mode == .fixedPoints ? nil : "mode fixed-points"
        case .unitGradientMaps: return measured.contains(.gradUnits) ? nil : "measure grad_units"
        case .successVsLength:
            if mode != .train { return "mode train" }
            return x == nil ? "an x channel: the swept task.length" : nil
        }
    }
}

// MARK: - `scale:` of a plots entry (heatmap recipes)

/// How the panels and files of one heatmap plot share the colour range of the plotted values.
public enum PlotScale: String, CaseIterable, SchemaChoice {
    /// Every panel (small multiple) its own colour range and colour bar: a panel of small values is
    /// not washed out by one of large values. The default.
    case perFacet = "per-facet"
    /// One colour range for every panel and every facet file of the plot: panels compare by colour.
    case shared

    public var explanation: String {
        switch self {
        case .perFacet: "heatmaps: every panel its own colour range and colour bar (default; the chart's note says so)"
        case .shared: "heatmaps: one colour range for every panel and facet file, so they compare by colour"
        }
    }

    /// The recipes that colour measured values, where `scale:` applies.
    public static let recipes: [PlotRecipe] = [.phaseHeatmap, .depthTimeHeatmap, .gradFlowHeatmap]
}
