import Linalg

/// When a task counts as solved on a held-out set.
///
/// The per-sequence rules follow the papers: a sequence is *wrong* when
/// - `absoluteError`: |y − target| ≥ tolerance (Hochreiter & Schmidhuber 1997: correct if < 0.04);
/// - `squaredError`: Σ_o (y_o − target_o)² > tolerance (Pascanu et al. 2013 code: wrong if > 0.04);
/// - `allStepsCorrect`: the argmax (or, for a binary output, logit > 0) is wrong at any scored step
///   (Pascanu et al. 2013 code: "report all" for memorization; one step for last-step tasks).
/// The task is solved when the fraction of wrong sequences is ≤ `maxErrorRate` (Pascanu et al. use
/// 1%). `meanLossBelow(x)` instead asks for a held-out loss < x (for the adding problem of Le et al.
/// 2015 / Arjovsky et al. 2016, which report only the MSE).
public enum SuccessCriterion: Sendable, Equatable {
    case absoluteError(tolerance: Double, maxErrorRate: Double)
    case squaredError(tolerance: Double, maxErrorRate: Double)
    case allStepsCorrect(maxErrorRate: Double)
    case meanLossBelow(Double)

    /// Whether an accuracy (fraction of correct sequences) is defined for this criterion.
    public var definesAccuracy: Bool {
        if case .meanLossBelow = self { return false }
        return true
    }
}

/// How scored steps are chosen: the last step of each sequence, or every step.
public enum ScoredSteps: String, Sendable, Equatable {
    case last, all
}

/// A sequence task: a seeded generator of minibatches with a documented definition, a success
/// criterion and a trivial baseline.
///
/// `baselineLoss` is the loss (as `TaskLoss` defines it: the mean over scored (b, t) entries) of the
/// best predictor that ignores the inputs: for last-step tasks the best constant predictor (the
/// target variance, or the target entropy), for all-step tasks the best input-free predictor per step
/// (the "memoryless" baseline of Arjovsky et al. 2016).
public protocol SequenceTask: Sendable {
    /// The catalogue name, e.g. "adding-pascanu2013".
    var name: String { get }
    /// T, the nominal sequence length the task was configured with.
    var nominalLength: Int { get }
    /// D, the input size.
    var inputSize: Int { get }
    var output: TaskOutput { get }
    var scoredSteps: ScoredSteps { get }
    var criterion: SuccessCriterion { get }
    /// The loss of the best input-free predictor (see the protocol documentation).
    var baselineLoss: Double { get }
    /// A fresh batch of `batchSize` sequences; all randomness comes from `rng`.
    func makeBatch(batchSize: Int, rng: inout RandomStream) -> TaskBatch
    /// A batch of the held-out set (default: `makeBatch`).
    func makeEvaluationBatch(batchSize: Int, rng: inout RandomStream) -> TaskBatch
}

/// A problem with a task's configuration, named so a user can act on it.
public enum TaskError: Error, CustomStringConvertible, Equatable {
    case unknownTask(String, known: [String])
    case lengthTooShort(task: String, length: Int, minimum: Int)
    case invalidParameter(task: String, detail: String)

    public var description: String {
        switch self {
        case .unknownTask(let name, let known):
            "unknown task '\(name)'; known tasks: \(known.joined(separator: ", "))"
        case .lengthTooShort(let task, let length, let minimum):
            "task '\(task)' needs a sequence length of at least \(minimum), got \(length)"
        case .invalidParameter(let task, let detail):
            "task '\(task)': \(detail)"
        }
    }
}

func requireLength(_ task: String, _ length: Int, atLeast minimum: Int) throws {
    guard length >= minimum else { throw TaskError.lengthTooShort(task: task, length: length, minimum: minimum) }
}

extension SequenceTask {
    /// A batch of the held-out set; tasks with a fixed held-out split (char-lm) override it, the
    /// generated tasks draw from the same distribution as training.
    public func makeEvaluationBatch(batchSize: Int, rng: inout RandomStream) -> TaskBatch {
        makeBatch(batchSize: batchSize, rng: &rng)
    }
}
