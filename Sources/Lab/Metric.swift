import Foundation
import Sweeps
/// The metric catalog: every quantity a run stores, once — its name in `results.sqlite` and the
/// CSVs, its human title (axis and legend text in Plotting's markup: `_{…}` subscripts, `^{…}`
/// superscripts), its unit, what its index means and which measure or mode produces it.
///
/// Executors write `SeriesPoint(Metric.gradNormLog10, …)` and `summary[Metric.lambdaMax]`, charts
/// read the same constants and titles, the schema checks `plots:` channels against them, and
/// `gradlab list` and docs/experiments.md describe them. No metric name is a string literal
/// outside this file.
public struct Metric: Sendable, Hashable, CustomStringConvertible {
    /// What the `step` of a series row counts.
    public enum Index: String, Sendable, Hashable {
        /// Time step t = 0 … T (or 1 … T for stacked models).
        case step
        /// Lag k = T − t.
        case lag
        /// Position in a descending spectrum (0 = largest).
        case exponent
        /// Layers crossed d at the last step (stacked models).
        case layersCrossed = "layers crossed"
        /// Training iteration.
        case iteration
        /// Truncation length k of truncated BPTT (steps backpropagated through).
        case truncation = "truncation length k"
        /// A fixed or slow point of mode fixed-points (0 = smallest q, fixed points before slow ones).
        case point = "point (fixed before slow, by q)"
    }

    /// The stored name (a `series.metric` value or a `runs` column).
    public let name: String
    /// Axis and legend title.
    public let title: String
    /// Unit, or "" for counts, flags and labels.
    public let unit: String
    /// As a series: what `step` counts, and what `component` numbers ("" when always 0). Nil when
    /// the metric is only a summary column.
    public let index: Index?
    public let component: String
    /// As a summary column: its SQL type (`REAL`, `INTEGER`, `TEXT`). Nil when only a series.
    public let sqlType: String?
    /// The measure (gradient-flow), mode or block that produces it.
    public let producedBy: String

    public var description: String { name }

    /// The title as plain text (terminals, CSV headers): `log_{10} ‖∂L / ∂h_{t}‖` → `log10 ‖∂L / ∂h_t‖`.
    public var plainTitle: String { Metric.plainText(title) }

    /// Any title in Plotting's markup as plain text (metric titles, `ParameterTitle`s: `ρ(W_{hh})` → `ρ(W_hh)`).
    public static func plainText(_ title: String) -> String {
        title.replacingOccurrences(of: "log_{10}", with: "log10").replacingOccurrences(of: "_{", with: "_")
            .replacingOccurrences(of: "^{", with: "^").replacingOccurrences(of: "}", with: "")
    }

    init(_ name: String, _ title: String, unit: String = "", index: Index? = nil, component: String = "",
         summary sqlType: String? = nil, by producedBy: String) {
        self.name = name
        self.title = title
        self.unit = unit
        self.index = index
        self.component = component
        self.sqlType = sqlType
        self.producedBy = producedBy
    }

    public static func == (a: Metric, b: Metric) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

// MARK: - Gradient flow (mode gradient-flow), stacked models and Lyapunov spectra

extension Metric {
    public static let gradNormLog10 = Metric("grad_norm_log10", "log_{10} ‖∂L / ∂h_{t}‖", unit: "log10", index: .step, by: "measure grad_norm")
    public static let jacobianNormLog10 = Metric("jacobian_norm_log10", "log_{10} ‖∂h_{T} / ∂h_{t}‖_{2}", unit: "log10", index: .lag, by: "measure jacobian_norm")
    public static let jacobianFrobeniusLog10 = Metric("jacobian_frobenius_log10", "log_{10} ‖∂h_{T} / ∂h_{t}‖_{F}", unit: "log10", index: .lag, by: "measure jacobian_norm")
    public static let pascanuBoundLog10 = Metric("pascanu_bound_log10", "log_{10} (γ‖W_{hh}‖_{2})^{k}", unit: "log10", index: .lag, by: "measure jacobian_norm")
    public static let spectralPowerLog10 = Metric("spectral_power_log10", "log_{10} ρ(W_{hh})^{k}", unit: "log10", index: .lag, by: "measure jacobian_norm")
    public static let diagonalPowerLog10 = Metric("diagonal_power_log10", "log_{10} max_{j} |m_{j}|^{k}", unit: "log10", index: .lag,
                                                  by: "measure jacobian_norm (diagonal cells: IndRNN's m_j = u_j; the closed form ‖diag(m)^k‖₂)")
    public static let depthJacobianNormLog10 = Metric("depth_jacobian_norm_log10", "log_{10} ‖∂h_{T}^{top} / ∂h_{T}^{top−d}‖_{2}", unit: "log10", index: .layersCrossed,
                                                      component: "0 at t = T, 1 at t = 1", by: "measure jacobian_norm (stacked models)")
    public static let singularValueLog10 = Metric("singular_value_log10", "log_{10} σ_{i}(∂h_{T} / ∂h_{t})", unit: "log10", index: .lag, component: "i (0 = largest)", by: "measure singular_values")
    public static let singularValue = Metric("singular_value", "σ_{i}(∂h_{T} / ∂h_{t})", index: .lag, component: "i (0 = largest); only where |log10 σ| < 300", by: "measure singular_values")
    public static let lyapunov = Metric("lyapunov", "Lyapunov exponent λ_{i}", unit: "nats/step", index: .exponent, by: "measure lyapunov, mode lyapunov")
    public static let contributionLog10 = Metric("contribution_log10", "log_{10} ‖(∂L/∂z_{t}) h_{t−1}^{T}‖_{F}", unit: "log10", index: .step,
                                                 by: "measure contributions (per layer and direction in stacked models)")

    public static let spectralRadius = Metric("spectral_radius", "ρ(W_{hh})", index: .iteration, summary: "REAL", by: "gradient-flow, lyapunov (of W_hh); train (per iteration, rnn cells)")
    public static let sigmaMax = Metric("sigma_max", "‖W_{hh}‖_{2}", index: .iteration, summary: "REAL", by: "gradient-flow, lyapunov (of W_hh); train (per iteration, rnn cells)")
    public static let slopeLog10PerStep = Metric("slope_log10_per_step", "slope of log_{10} ‖∂h_{T} / ∂h_{t}‖ per step", unit: "decades/step", summary: "REAL", by: "mode gradient-flow")
    public static let label = Metric("label", "regime", summary: "TEXT", by: "mode gradient-flow (vanishing, exploding, stable)")
    public static let horizon = Metric("horizon", "gradient horizon (lag where the norm falls below 10^{−6})", unit: "steps", summary: "INTEGER", by: "mode gradient-flow")
    public static let lambdaMax = Metric("lambda_max", "λ_{max}", unit: "nats/step", summary: "REAL", by: "measure lyapunov, mode lyapunov")
    public static let kaplanYorkeDimension = Metric("kaplan_yorke_dimension", "Kaplan–Yorke dimension", summary: "REAL", by: "measure lyapunov, mode lyapunov")
    public static let meanFieldLambdaMax = Metric("mean_field_lambda_max", "λ_{max} (mean field)", unit: "nats/step", summary: "REAL", by: "measure lyapunov, mode lyapunov (tanh cells: Gaussian mean-field theory)")
    public static let meanExponent = Metric("mean_exponent", "mean Lyapunov exponent", unit: "nats/step", summary: "REAL", by: "mode lyapunov")
    public static let timeSlopeLog10PerStep = Metric("time_slope_log10_per_step", "slope of log_{10} ‖∂L / ∂h_{t}^{ℓ}‖ per step", unit: "decades/step", summary: "REAL", by: "gradient-flow (stacked models)")
    public static let depthSlopeLog10PerLayer = Metric("depth_slope_log10_per_layer", "slope of log_{10} ‖∂L / ∂h_{T}^{ℓ}‖ per layer", unit: "decades/layer", summary: "REAL", by: "gradient-flow (stacked models)")
    public static let dominantPathTimeMoves = Metric("dominant_path_time_moves", "time moves of the dominant path", summary: "INTEGER", by: "gradient-flow (stacked models)")
    public static let dominantPathDepthMoves = Metric("dominant_path_depth_moves", "depth moves of the dominant path", summary: "INTEGER", by: "gradient-flow (stacked models)")
}

// MARK: - The gallery's diagnostics classics (experiments/classic: Pascanu bound, dynamical isometry,
// non-normal growth, truncated BPTT; docs/diagnostics.md, *Classic measures*)

extension Metric {
    public static let boundGapMinLog10 = Metric("bound_gap_min_log10", "min_{k} [log_{10} (γ‖W_{hh}‖_{2})^{k} − log_{10} ‖∂h_{T} / ∂h_{T−k}‖_{2}]", unit: "decades", summary: "REAL",
                                                by: "measure jacobian_norm (rnn cells; ≥ 0 up to rounding: the bound holds)")
    public static let boundGapLastLog10 = Metric("bound_gap_last_log10", "Pascanu bound − measured at k = T", unit: "decades", summary: "REAL",
                                                 by: "measure jacobian_norm (rnn cells; how loose the bound is at the largest lag)")
    public static let singularSpreadLog10 = Metric("singular_spread_log10", "log_{10} σ_{max} − log_{10} σ_{median} of ∂h_{T} / ∂h_{t}", unit: "decades", index: .lag,
                                                   by: "measure singular_spread (at diagnostics.singular_value_lags)")
    public static let singularKeptFraction = Metric("singular_kept_fraction", "fraction of σ_{i}(∂h_{T} / ∂h_{t}) within two decades of σ_{max}", index: .lag,
                                                    by: "measure singular_spread (at diagnostics.singular_value_lags)")
    public static let finalSingularSpreadLog10 = Metric("final_singular_spread_log10", "log_{10} σ_{max} − log_{10} σ_{median} at the largest singular-value lag", unit: "decades",
                                                        summary: "REAL", by: "measure singular_spread")
    public static let finalSingularKept = Metric("final_singular_kept", "directions within two decades of σ_{max} at the largest singular-value lag", summary: "INTEGER",
                                                 by: "measure singular_spread")
    public static let matrixPowerNormLog10 = Metric("matrix_power_norm_log10", "log_{10} ‖W_{hh}^{k}‖_{2}", unit: "log10", index: .lag, by: "measure matrix_power (rnn cells)")
    public static let peakMatrixPowerNorm = Metric("peak_matrix_power_norm", "max_{k} ‖W_{hh}^{k}‖_{2}", summary: "REAL", by: "measure matrix_power (over the lags of diagnostics.lags)")
    public static let peakLag = Metric("peak_lag", "lag k of max_{k} ‖W_{hh}^{k}‖_{2}", unit: "steps", summary: "INTEGER", by: "measure matrix_power")
    public static let truncatedCosine = Metric("truncated_cosine", "cos(∂L/∂W_{hh} truncated to k steps, exact ∂L/∂W_{hh})", index: .truncation,
                                               by: "measure truncation (at diagnostics.truncation)")
    public static let truncatedNormRatio = Metric("truncated_norm_ratio", "‖∂L/∂W_{hh} truncated to k steps‖ / ‖exact ∂L/∂W_{hh}‖", index: .truncation,
                                                  by: "measure truncation (at diagnostics.truncation)")

    /// The classics' metrics, in catalog order.
    static let classics: [Metric] = [
        boundGapMinLog10, boundGapLastLog10, singularSpreadLog10, singularKeptFraction, finalSingularSpreadLog10, finalSingularKept,
        matrixPowerNormLog10, peakMatrixPowerNorm, peakLag, truncatedCosine, truncatedNormRatio,
    ]
}

// MARK: - Training (mode train)

extension Metric {
    public static let loss = Metric("loss", "training loss", index: .iteration, by: "mode train")
    public static let evalLoss = Metric("eval_loss", "held-out loss", index: .iteration, by: "mode train")
    public static let accuracy = Metric("accuracy", "held-out accuracy", index: .iteration, by: "mode train")
    public static let learningRate = Metric("learning_rate", "learning rate", index: .iteration, by: "mode train")
    public static let omega = Metric("omega", "Ω regularizer", index: .iteration, by: "mode train (training.omega)")
    public static let gradNorm = Metric("grad_norm", "gradient norm before clipping", index: .iteration, by: "mode train")
    public static let gradNormClipped = Metric("grad_norm_clipped", "gradient norm after clipping", index: .iteration, by: "mode train")
    public static let clipped = Metric("clipped", "clipped (0/1)", index: .iteration, by: "mode train")
    public static let guarded = Metric("guarded", "non-finite guard fired (0/1)", index: .iteration, by: "mode train")
    public static let gradientReach = Metric("gradient_reach", "gradient reach", unit: "steps", index: .iteration, by: "mode train")
    public static let gradFlowLog10 = Metric("grad_flow_log10", "log_{10} ‖∂L / ∂h_{t}‖", unit: "log10", index: .iteration, component: "t (1-based)", by: "mode train (training.snapshot_every)")

    public static let solved = Metric("solved", "solved (0/1; charts average it over replicates)", summary: "INTEGER", by: "mode train")
    public static let iterationsToSolve = Metric("iterations_to_solve", "iterations to solve", summary: "INTEGER", by: "mode train")
    public static let iterations = Metric("iterations", "iterations run", summary: "INTEGER", by: "mode train")
    public static let diverged = Metric("diverged", "diverged (0/1)", summary: "INTEGER", by: "mode train")
    public static let finalLoss = Metric("final_loss", "final training loss", summary: "REAL", by: "mode train")
    public static let finalEvalLoss = Metric("final_eval_loss", "final held-out loss", summary: "REAL", by: "mode train")
    public static let finalAccuracy = Metric("final_accuracy", "final held-out accuracy", summary: "REAL", by: "mode train")
    public static let baselineLoss = Metric("baseline_loss", "baseline (best constant)", summary: "REAL", by: "mode train")
    public static let clippedFraction = Metric("clipped_fraction", "fraction of iterations clipped", summary: "REAL", by: "mode train")
    public static let clipThreshold = Metric("clip_threshold", "clip threshold", summary: "REAL", by: "mode train (norm clipping)")
    public static let sequenceLength = Metric("sequence_length", "sequence length T", unit: "steps", summary: "INTEGER", by: "mode train")
}

// MARK: - Forward dynamics (measure forward; docs/dynamics.md)

extension Metric {
    public static let hiddenNorm = Metric("hidden_norm", "‖h_{t}‖_{2}", index: .step, by: "measure forward")
    public static let cellNorm = Metric("cell_norm", "‖c_{t}‖_{2}", index: .step, by: "measure forward (LSTM)")
    public static let saturatedFraction = Metric("saturated_fraction", "fraction of saturated units (φ′/sup φ′ < 0.01)", index: .step, by: "measure forward (rnn cells)")
    public static let inactiveFraction = Metric("inactive_fraction", "fraction of units with z ≤ 0", index: .step, by: "measure forward (relu, leaky-relu)")
    public static let preactivationQ = Metric("preactivation_q", "q_{t} = mean z_{t}^{2}", index: .step, by: "measure forward (rnn cells)")
    public static let gateMean = Metric("gate_mean", "mean gate value", index: .step, component: "gate (CellFamily order: LSTM i, f, g, o; GRU r, z, n)", by: "measure forward (gated cells)")
    public static let gateSaturatedFraction = Metric("gate_saturated_fraction", "fraction of saturated gate units", index: .step, component: "gate (CellFamily order)", by: "measure forward (gated cells)")
    public static let forwardRegime = Metric("forward_regime", "forward regime", summary: "TEXT", by: "measure forward (stable, saturating, exploding, vanishing, dead)")
    public static let forwardRegimeStep = Metric("forward_regime_step", "step the forward regime began", unit: "steps", summary: "INTEGER", by: "measure forward")
    public static let meanFieldQ = Metric("mean_field_q", "q* (mean field)", summary: "REAL", by: "measure forward (rnn cells)")
    public static let deadUnits = Metric("dead_units", "dead units (z ≤ 0 at every step)", summary: "INTEGER", by: "measure forward (relu, leaky-relu)")
}

// MARK: - Mitigations (mode train: training.constraint, training.dropout, model.parametrization, training.flossing)

extension Metric {
    public static let constrained = Metric("constrained", "constraint changed W_{hh} (0/1)", index: .iteration, by: "mode train (training.constraint)")
    public static let spectralRadiusBefore = Metric("spectral_radius_before", "ρ(W_{hh}) before the constraint", index: .iteration, by: "mode train (training.constraint)")
    public static let sigmaMaxBefore = Metric("sigma_max_before", "‖W_{hh}‖_{2} before the constraint", index: .iteration, by: "mode train (training.constraint)")

    public static let finalBitsPerChar = Metric("final_bits_per_char", "held-out bits per character", unit: "bits/char", summary: "REAL", by: "mode train (task char-lm)")
    public static let baselineBitsPerChar = Metric("baseline_bits_per_char", "unigram baseline", unit: "bits/char", summary: "REAL", by: "mode train (task char-lm)")
    public static let vocabularySize = Metric("vocabulary_size", "vocabulary size", summary: "INTEGER", by: "mode train (task char-lm)")

    public static let flossLoss = Metric("floss_loss", "flossing loss α Σ (λ_{i} − target)^{2}", index: .iteration, by: "mode train (training.flossing)")
    public static let flossLambda1 = Metric("floss_lambda_1", "λ_{1} over the flossing window", unit: "nats/step", index: .iteration, by: "mode train (training.flossing)")

    public static let flossPhaseLambda = Metric("floss_phase_lambda", "λ_{i} during the flossing phase", unit: "nats/step", index: .iteration,
                                                component: "i (exponent, 1-based); step = phase iteration", by: "mode train (training.flossing.before)")
    public static let flossProbeLambda = Metric("floss_probe_lambda", "λ_{i} on the probe sequence", unit: "nats/step", index: .iteration,
                                                component: "i (exponent, 1-based); step 0 = before, N = after the phase", by: "mode train (training.flossing.before)")
    public static let flossLambda1Before = Metric("floss_lambda_1_before", "λ_{1} before the flossing phase", unit: "nats/step", summary: "REAL", by: "mode train (training.flossing.before)")
    public static let flossLambda1After = Metric("floss_lambda_1_after", "λ_{1} after the flossing phase", unit: "nats/step", summary: "REAL", by: "mode train (training.flossing.before)")

    /// The mitigations' metrics, in catalog order.
    static let mitigations: [Metric] = [constrained, spectralRadiusBefore, sigmaMaxBefore, flossLoss, flossLambda1,
                                        flossPhaseLambda, flossProbeLambda, flossLambda1Before, flossLambda1After,
                                        finalBitsPerChar, baselineBitsPerChar, vocabularySize]
}

// MARK: - Fixed and slow points (mode fixed-points; docs/dynamics.md)

extension Metric {
    public static let fixedPointCount = Metric("fixed_point_count", "fixed points (q ≤ fixed tolerance)", summary: "INTEGER", by: "mode fixed-points")
    public static let slowPointCount = Metric("slow_point_count", "slow points (fixed < q ≤ slow tolerance)", summary: "INTEGER", by: "mode fixed-points")
    public static let stablePoints = Metric("stable_points", "stable points (every |λ| < 1 − band)", summary: "INTEGER", by: "mode fixed-points")
    public static let marginalPoints = Metric("marginal_points", "marginal points (none unstable, some |λ| ≈ 1)", summary: "INTEGER", by: "mode fixed-points")
    public static let saddlePoints = Metric("saddle_points", "saddle points (some |λ| > 1 + band)", summary: "INTEGER", by: "mode fixed-points")
    public static let unstablePoints = Metric("unstable_points", "unstable points (every |λ| > 1 + band)", summary: "INTEGER", by: "mode fixed-points")
    public static let discardedStarts = Metric("discarded_starts", "starts whose minimum had q above the slow tolerance", summary: "INTEGER", by: "mode fixed-points")

    public static let pointQ = Metric("point_q", "q = ½‖F(s*) − s*‖^{2}", index: .point, by: "mode fixed-points")
    public static let pointFixed = Metric("point_fixed", "fixed (1) or slow (0)", index: .point, by: "mode fixed-points")
    public static let pointStability = Metric("point_stability", "stability (0 stable, 1 marginal, 2 saddle, 3 unstable)", index: .point, by: "mode fixed-points")
    public static let pointSpectralRadius = Metric("point_spectral_radius", "max |λ| of ∂F / ∂s at the point", index: .point, by: "mode fixed-points")
    public static let pointUnstableModes = Metric("point_unstable_modes", "unstable modes (|λ| > 1 + band)", index: .point, by: "mode fixed-points")
    public static let pointMarginalModes = Metric("point_marginal_modes", "marginal modes (||λ| − 1| ≤ band)", index: .point, by: "mode fixed-points")
    public static let pointHits = Metric("point_hits", "starts that reached the point", index: .point, by: "mode fixed-points")
    public static let pointState = Metric("point_state", "s*_{i}", index: .point, component: "state entry i (h, then c for an LSTM)", by: "mode fixed-points")
    public static let pointOutput = Metric("point_output", "read-out W_{head} h* + b_{head}", index: .point, component: "output o", by: "mode fixed-points (models with a head)")
    public static let pointEigenvalueRe = Metric("point_eigenvalue_re", "Re λ_{i}(∂F / ∂s)", index: .point, component: "eigenvalue i (LAPACK order)", by: "mode fixed-points")
    public static let pointEigenvalueIm = Metric("point_eigenvalue_im", "Im λ_{i}(∂F / ∂s)", index: .point, component: "eigenvalue i (LAPACK order)", by: "mode fixed-points")
    public static let pointPC = Metric("point_pc", "the point in the start pool's principal components", index: .point, component: "PC j (0, 1)", by: "mode fixed-points")
    public static let trajectoryPC = Metric("trajectory_pc", "an autonomous run in the start pool's principal components", index: .step,
                                            component: "2·r + j: PC j of run r (the first 8 runs of fixed_points.trajectories)", by: "mode fixed-points")
    public static let poolExplainedVariance = Metric("pool_explained_variance", "share of the start pool's variance", index: .exponent, component: "", by: "mode fixed-points (step = PC j)")

    /// The fixed-point metrics, in catalog order.
    static let fixedPoints: [Metric] = [
        fixedPointCount, slowPointCount, stablePoints, marginalPoints, saddlePoints, unstablePoints, discardedStarts,
        pointQ, pointFixed, pointStability, pointSpectralRadius, pointUnstableModes, pointMarginalModes, pointHits,
        pointState, pointOutput, pointEigenvalueRe, pointEigenvalueIm, pointPC, trajectoryPC, poolExplainedVariance,
    ]
}

// MARK: - Forward statistics in training records (mode train, evaluation iterations; docs/dynamics.md)

extension Metric {
    public static let evalHiddenNorm = Metric("eval_hidden_norm", "‖h_{t}‖_{2} (held-out mean)", index: .iteration, by: "mode train (evaluation iterations)")
    public static let evalSaturatedFraction = Metric("eval_saturated_fraction", "saturated fraction (held-out)", index: .iteration,
                                                     by: "mode train (evaluation iterations; tanh, sigmoid rnn cells; φ′/sup φ′ < 0.01)")
    public static let evalDeadFraction = Metric("eval_dead_fraction", "dead fraction (held-out)", index: .iteration,
                                                by: "mode train (evaluation iterations; relu, leaky-relu rnn cells; z ≤ 0 at every step)")
    public static let evalForgetGateMean = Metric("eval_forget_gate_mean", "forget gate f_{t} (held-out mean)", index: .iteration, by: "mode train (evaluation iterations; LSTM)")
    public static let evalUpdateGateMean = Metric("eval_update_gate_mean", "update gate z_{t} (held-out mean)", index: .iteration, by: "mode train (evaluation iterations; GRU)")

    /// The forward statistics of training records, in `TrainingForward.probe`'s order.
    static let trainingForward: [Metric] = [evalHiddenNorm, evalSaturatedFraction, evalDeadFraction, evalForgetGateMean, evalUpdateGateMean]
}

// MARK: - Per-unit gradient maps (measure grad_units; docs/dynamics.md)

extension Metric {
    /// The directory of a run's `.npy` sidecar files (`UnitMapSidecar`), relative to the run directory.
    public static let unitMaps = Metric("unit_maps", "per-unit gradient maps (directory of .npy sidecar files)", summary: "TEXT", by: "measure grad_units (unit-maps/<run id>)")
}

// MARK: - Memory of the backward sweep (diagnostics.memory_budget, --memory-budget; docs/diagnostics.md)

extension Metric {
    /// `full-tape` or `checkpointed` (`BPTTStrategy.name`): how the gradient-flow sweep kept its trajectory.
    public static let bpttStrategy = Metric("bptt_strategy", "BPTT memory strategy", summary: "TEXT",
                                            by: "mode gradient-flow (full-tape, or checkpointed above diagnostics.memory_budget; stacked models keep full-tape)")
    /// K, the steps between checkpoints (null for the full tape).
    public static let bpttInterval = Metric("bptt_interval", "steps between checkpoints K", unit: "steps", summary: "INTEGER", by: "mode gradient-flow (checkpointed)")
    /// Bytes the sweep's tape kept (estimate from the array sizes).
    public static let tapeBytes = Metric("tape_bytes", "bytes kept by the backward sweep's tape", unit: "bytes", summary: "REAL", by: "mode gradient-flow")
    /// The budget the strategy was chosen under, in bytes.
    public static let memoryBudget = Metric("memory_budget", "memory budget of the backward sweep", unit: "bytes", summary: "INTEGER",
                                            by: "mode gradient-flow (diagnostics.memory_budget, or run --memory-budget)")
    static let memory: [Metric] = [bpttStrategy, bpttInterval, tapeBytes, memoryBudget]
}

// MARK: - The catalog

extension Metric {
    /// Every metric, in the order `gradlab list` and the docs show them.
    public static let all: [Metric] = [
        gradNormLog10, jacobianNormLog10, jacobianFrobeniusLog10, pascanuBoundLog10, spectralPowerLog10, diagonalPowerLog10,
        depthJacobianNormLog10, singularValueLog10, singularValue, lyapunov, contributionLog10,
        spectralRadius, sigmaMax, slopeLog10PerStep, label, horizon, lambdaMax, kaplanYorkeDimension,
        meanFieldLambdaMax, meanExponent, timeSlopeLog10PerStep, depthSlopeLog10PerLayer,
        dominantPathTimeMoves, dominantPathDepthMoves,
    ] + classics + [
        loss, evalLoss, accuracy, learningRate, omega, gradNorm, gradNormClipped, clipped, guarded,
        gradientReach, gradFlowLog10,
        solved, iterationsToSolve, iterations, diverged, finalLoss, finalEvalLoss, finalAccuracy,
        baselineLoss, clippedFraction, clipThreshold, sequenceLength,
        hiddenNorm, cellNorm, saturatedFraction, inactiveFraction, preactivationQ, gateMean, gateSaturatedFraction,
        forwardRegime, forwardRegimeStep, meanFieldQ, deadUnits,
    ] + mitigations + fixedPoints + [unitMaps] + trainingForward + memory

    /// The summary columns every `runs` table starts with (after the fixed and swept columns), in order.
    public static let standardSummaryColumns: [Metric] = [spectralRadius, sigmaMax, slopeLog10PerStep, label, horizon, lambdaMax]

    /// The metric stored as `name`, if the catalog has one.
    public static func named(_ name: String) -> Metric? { byName[name] }

    private static let byName: [String: Metric] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
}

/// Human titles of the experiment keys people sweep, for axes, legends and colour bars
/// (`init.weight_hh.spectral_radius` → "ρ(W_hh)"); any other path is shown as written.
public enum ParameterTitle {
    public static func title(for path: String) -> String {
        if let exact = exact[path] { return exact }
        let parts = path.split(separator: ".").map(String.init)
        // init.<parameter>.<key>: the key's symbol of that parameter.
        if parts.count == 3, parts[0] == "init", let parameter = parameters[parts[1]], let key = initKeys[parts[2]] {
            return key(parameter)
        }
        return path
    }

    /// The short symbol of a path for panel titles (`T = 100`, `L = 4`): the letter of a size, the
    /// title itself for a symbolic one (`ρ(W_hh) = 0.9`), the title otherwise.
    public static func symbol(for path: String) -> String {
        symbols[path] ?? title(for: path)
    }

    private static let symbols = ["sequence.length": "T", "task.length": "T", "model.hidden": "H", "model.input": "D", "model.layers": "L"]

    private static let exact: [String: String] = [
        "model.cell": "cell", "model.activation": "activation", "model.hidden": "hidden size H",
        "model.input": "input size D", "model.layers": "layers L", "model.bidirectional": "bidirectional",
        "sequence.length": "sequence length T", "sequence.input.std": "input std", "sequence.h0": "h_{0}",
        "task.length": "sequence length T", "task.name": "task", "optimizer.lr": "learning rate",
        "optimizer.kind": "optimizer", "clipping.kind": "clipping", "clipping.threshold": "clip threshold",
        "training.omega": "Ω weight", "training.constraint.kind": "weight constraint", "training.constraint.threshold": "constraint threshold", "method": "method", "seed": "seed",
    ]

    private static let parameters = ["weight_hh": "W_{hh}", "weight_ih": "W_{ih}", "bias_hh": "b_{hh}", "bias_ih": "b_{ih}"]

    private static let initKeys: [String: @Sendable (String) -> String] = [
        "spectral_radius": { "ρ(\($0))" },
        "spectral_norm": { "‖\($0)‖_{2}" },
        "gain": { "gain of \($0)" },
        "kind": { "init of \($0)" },
        "std": { "std of \($0)" },
        "scale": { "scale of \($0)" },
        "forget_bias": { _ in "forget-gate bias" },
    ]
}

extension SeriesPoint {
    /// A point of `metric`'s series (see `Metric.index` for what `step` counts).
    public init(_ metric: Metric, step: Int, component: Int = 0, value: Double, layer: Int = 0, direction: String = "forward") {
        self.init(metric.name, step: step, component: component, value: value, layer: layer, direction: direction)
    }
}

extension Dictionary where Key == String, Value == StoredValue {
    /// A summary column by its catalog entry.
    public subscript(metric: Metric) -> StoredValue? {
        get { self[metric.name] }
        set { self[metric.name] = newValue }
    }
}
