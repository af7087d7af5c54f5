import Foundation
import Recurrent

/// The loss of a batch and per-sequence correctness under a task's success criterion, for
/// evaluation (training gradients come from the recurrent core's `Objective`, which computes the
/// same losses for uniform last-step / all-step batches, with the same per-element
/// `binaryCrossEntropy` and `logSumExp`).
///
/// Outputs are (B, T, O) row-major like the batch: `outputs[(b·T + t)·O + o]`; entries at steps
/// without loss are ignored. With N = `batch.scoredCount` scored (b, t) entries:
/// - regression: L = (1/N) Σ_{scored} Σ_o (y_o − target_o)²  (Pascanu et al.'s `lastLinear` cost);
/// - classification: L = (1/N) Σ_{scored} −log softmax(y)_{target}, evaluated stably (log-sum-exp);
/// - binary: L = (1/N) Σ_{scored} [softplus(y) − target·y] = BCE(sigmoid(y), target), stable for any y.
/// For O = 1 (every regression task here) the regression loss equals PyTorch's `MSELoss`.
public struct TaskLoss: Sendable {
    public var loss: Double
    /// Per sequence: whether it is correct under the per-sequence rule of `criterion`
    /// (all true for `meanLossBelow`, which has no per-sequence rule).
    public var sequenceCorrect: [Bool]

    /// Fraction of correct sequences.
    public var accuracy: Double {
        Double(sequenceCorrect.filter { $0 }.count) / Double(max(sequenceCorrect.count, 1))
    }

    /// Throws `TaskError.invalidParameter` unless `outputs` has B·T·O values.
    public init(outputs: [Double], batch: TaskBatch, criterion: SuccessCriterion) throws {
        let (bs, tl, o) = (batch.batchSize, batch.length, batch.output.size)
        guard outputs.count == bs * tl * o else {
            throw TaskError.invalidParameter(task: "loss", detail: "\(outputs.count) outputs for (B, T, O) = (\(bs), \(tl), \(o))")
        }
        let n = Double(max(batch.scoredCount, 1))
        var loss = 0.0
        var correct = [Bool](repeating: true, count: bs)
        for b in 0..<bs {
            for t in 0..<tl where batch.lossMask[b * tl + t] {
                let base = (b * tl + t) * o
                switch batch.targets {
                case .real(let targets):
                    var squared = 0.0, maxAbs = 0.0
                    for k in 0..<o {
                        let e = outputs[base + k] - targets[base + k]
                        squared += e * e
                        maxAbs = max(maxAbs, abs(e))
                    }
                    loss += squared
                    switch criterion {
                    case .absoluteError(let tol, _): if !(maxAbs < tol) { correct[b] = false }
                    case .squaredError(let tol, _): if !(squared <= tol) { correct[b] = false }
                    default: break
                    }
                case .classes(let classes):
                    let target = classes[b * tl + t]
                    if batch.output == .binary {
                        let y = outputs[base]
                        loss += binaryCrossEntropy(logit: y, target: Double(target))
                        if (y > 0) != (target == 1) { correct[b] = false }
                    } else {
                        var m = -Double.infinity, argmax = 0
                        for k in 0..<o where outputs[base + k] > m { m = outputs[base + k]; argmax = k }
                        loss += outputs.withUnsafeBufferPointer { logSumExp($0.baseAddress! + base, count: o) } - outputs[base + target]
                        if argmax != target { correct[b] = false }
                    }
                }
            }
        }
        self.loss = loss / n
        self.sequenceCorrect = correct
    }

    /// Whether a held-out evaluation with this loss and accuracy meets `criterion`.
    public static func isSolved(loss: Double, accuracy: Double, criterion: SuccessCriterion) -> Bool {
        switch criterion {
        case .absoluteError(_, let rate), .squaredError(_, let rate), .allStepsCorrect(let rate):
            1 - accuracy <= rate + 1e-12 // error rates are count ratios: forgive the rounding of 1 − accuracy
        case .meanLossBelow(let bound):
            loss < bound
        }
    }
}
