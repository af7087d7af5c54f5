import Linalg
import Recurrent

/// Everything one training run needs besides the model and the random stream.
public struct TrainingConfiguration: Sendable {
    public var task: any SequenceTask
    public var optimizer: any Optimizer
    public var schedule: LearningRateSchedule = .constant
    public var clipping: GradientClipping = .none
    /// Pascanu et al.'s guard (W_hh-only shrink step on a NaN/∞/huge norm); applied before clipping.
    public var nonFiniteGuard: Bool = false
    /// α in L + α·Ω (Pascanu et al.'s regularizer; vanilla cells only; 0 = off).
    public var omegaWeight: Double = 0
    /// Sequences per training minibatch (fresh every iteration).
    public var batchSize: Int = 20
    /// The iteration budget.
    public var iterations: Int = 1000
    /// Evaluate on the held-out set every this many iterations (and at iteration 0 and at the end).
    public var evaluationInterval: Int = 100
    /// The held-out set: this many batches of `evaluationBatchSize` sequences, generated once.
    public var evaluationBatches: Int = 5
    public var evaluationBatchSize: Int = 100
    /// Keep a record every this many iterations (evaluation iterations are always kept).
    public var recordInterval: Int = 1
    /// Compute ρ(W_hh) and σ_max(W_hh) on kept records every this many iterations (and at every
    /// evaluation); other records carry NaN. An eigen- plus a singular-value decomposition per
    /// record costs more than the BPTT step itself from H ≈ 100 (H = 128, T = 50, B = 20: 10 ms
    /// against 7 ms, one thread), hence the default 10.
    public var spectralInterval: Int = 10
    /// Keep a gradient-flow snapshot every this many iterations (0 = never).
    public var snapshotInterval: Int = 0
    /// Stop at the first evaluation that meets the task's success criterion.
    public var stopWhenSolved: Bool = true
    /// ‖∂L/∂h_t‖ counts as "reached" when above this fraction of ‖∂L/∂h_T‖.
    public var reachThreshold: Double = 1e-20
    /// A projection of W_hh after every update (weight clipping, spectral-norm ball; docs/training.md).
    public var constraint: WeightConstraint = .none
    /// Variational dropout during training (rnn cells; off at evaluation; docs/training.md).
    public var dropout = RecurrentDropout()
    /// Orthogonal-constrained W_hh = exp(A) or Cayley(A)·D per gate block (one-layer rnn/lstm/gru; `OrthogonalParametrization`); nil = W_hh trained directly.
    public var parametrization: OrthogonalParametrization? = nil
    /// Gradient flossing (tanh rnn cells; `GradientFlossing`); nil = off.
    public var flossing: GradientFlossing? = nil
    /// Measurements of the model on the first held-out batch at every evaluation (iteration 0, every
    /// `evaluationInterval`, the end), stored in `TrainingRecord.evaluationProbe`; the caller gives
    /// the numbers their meaning (Lab: forward statistics, docs/dynamics.md). nil = none.
    public var evaluationProbe: (@Sendable (RecurrentModel, TaskBatch) throws -> [Double])? = nil

    public init(task: any SequenceTask, optimizer: any Optimizer) {
        self.task = task
        self.optimizer = optimizer
    }
}

/// One row of the series table (per iteration, or every `recordInterval`).
///
/// Iteration 0 is the untrained model (evaluation only; training fields NaN). Training fields
/// describe the update of that iteration: `gradNorm` before and `gradNormClipped` after clipping
/// (including α·∂Ω/∂W_hh when Ω is on), `clipped` whether clipping changed the gradient,
/// `guarded` whether Pascanu's guard replaced it, `skipped` whether the update was skipped.
/// `spectralRadius` (NaN for gated cells, whose W_hh is not square) and `sigmaMax` describe W_hh
/// after the update. `gradientReach` is the fraction of steps t with ‖∂L/∂h_t‖ > threshold·‖∂L/∂h_T‖.
public struct TrainingRecord: Sendable, Equatable {
    public var iteration: Int
    public var learningRate: Double = .nan
    public var loss: Double = .nan
    public var omega: Double = .nan
    public var evalLoss: Double? = nil
    public var accuracy: Double? = nil
    public var gradNorm: Double = .nan
    public var gradNormClipped: Double = .nan
    public var clipped: Bool = false
    public var guarded: Bool = false
    public var skipped: Bool = false
    public var spectralRadius: Double = .nan
    public var sigmaMax: Double = .nan
    public var gradientReach: Double = .nan
    /// Whether `TrainingConfiguration.constraint` changed W_hh at this update.
    public var constrained: Bool = false
    /// ρ(W_hh) and σ_max(W_hh) after the optimizer step but before the constraint's projection
    /// (constraint on, on records where ρ and σ_max are computed; NaN otherwise).
    public var spectralRadiusBefore: Double = .nan
    public var sigmaMaxBefore: Double = .nan
    /// Gradient flossing at this iteration: its loss α Σ (λ_i − target)² and λ_1 over the window (NaN otherwise).
    public var flossLoss: Double = .nan
    public var flossLambda1: Double = .nan
    /// `TrainingConfiguration.evaluationProbe`'s numbers at an evaluation (empty otherwise).
    public var evaluationProbe: [Double] = []
}

/// log10 ‖∂L/∂h_t‖ (over the batch) for t = 1 … T at one iteration: a column of the gradient-flow
/// heatmap. −∞ where the norm is exactly zero.
public struct GradientFlowSnapshot: Sendable, Equatable {
    public var iteration: Int
    public var log10Norms: [Double]
}

/// The outcome of a run: the series, the snapshots, and the runs-table summary.
public struct TrainingResult: Sendable {
    public var records: [TrainingRecord]
    public var snapshots: [GradientFlowSnapshot]
    public var solved: Bool
    /// The iteration of the first evaluation that met the criterion.
    public var iterationsToSolve: Int?
    /// Iterations actually run.
    public var iterations: Int
    /// Whether training stopped because the parameters became non-finite.
    public var diverged: Bool
    public var finalLoss: Double
    public var finalEvalLoss: Double
    public var finalAccuracy: Double?
    public var baselineLoss: Double
    public var model: RecurrentModel
    /// Gradient flossing's pre-training phase (`GradientFlossing.before` > 0); nil without one.
    public var flossingPhase: FlossingPhaseResult? = nil
}

/// A configuration the training loop cannot run, phrased for the user.
public struct TrainingError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
