import Foundation
import Linalg
import Testing
@testable import Training

/// Every task's baseline checked by simulation: the loss of the best input-free predictor on fresh
/// batches must match the documented `baselineLoss`.
@Suite struct TaskBaselineTests {
    /// Regression: predict the target's theoretical mean; the per-sequence squared errors average to
    /// the target variance, which is the baseline.
    @Test(arguments: [("adding-hochreiter1997", 0.5), ("adding-pascanu2013", 0.5),
                      ("adding-arjovsky2016", 1.0), ("multiplication", 0.25)])
    func regressionBaseline(name: String, mean: Double) throws {
        let task = try TaskCatalog.make(name, length: 30)
        var rng = RandomStream(seed: 7, stream: RandomStream.stableHash(name))
        var errors: [Double] = [], targets: [Double] = []
        for _ in 0..<40 {
            let batch = task.makeBatch(batchSize: 250, rng: &rng)
            guard case .real(let values) = batch.targets else { Issue.record("not real targets"); return }
            for b in 0..<batch.batchSize {
                for t in batch.scoredSteps(of: b) {
                    let y = values[b * batch.length + t]
                    targets.append(y)
                    errors.append((y - mean) * (y - mean))
                }
            }
        }
        let (m, mSE) = meanAndStandardError(targets)
        #expect(abs(m - mean) < 4 * mSE, "target mean \(m) vs \(mean)")
        let (loss, lossSE) = meanAndStandardError(errors)
        #expect(abs(loss - task.baselineLoss) < 4 * lossSE, "baseline \(task.baselineLoss) vs simulated \(loss) ± \(lossSE)")
        // The baseline through TaskLoss itself, on one batch.
        let batch = task.makeBatch(batchSize: 500, rng: &rng)
        let batchLoss = try TaskLoss(outputs: [Double](repeating: mean, count: batch.batchSize * batch.length),
                                 batch: batch, criterion: task.criterion).loss
        #expect(abs(batchLoss - task.baselineLoss) < 0.25 * task.baselineLoss)
    }

    /// Classification: the plug-in predictor (empirical class frequencies at each scored step index,
    /// ignoring the inputs) has a cross-entropy equal to the baseline up to sampling error.
    @Test(arguments: ["copy-memory", "temporal-order", "temporal-order-3bit", "random-permutation",
                      "memorization", "sentiment"])
    func classificationBaseline(name: String) throws {
        let task = try TaskCatalog.make(name, length: 20)
        var rng = RandomStream(seed: 11, stream: RandomStream.stableHash(name))
        let batches = (0..<10).map { _ in task.makeBatch(batchSize: 400, rng: &rng) }
        let classes = task.output == .binary ? 2 : task.output.size
        // counts[t][c]: how often class c is the target at scored step t.
        var counts = [Int: [Double]]()
        for batch in batches {
            guard case .classes(let targets) = batch.targets else { Issue.record("not class targets"); return }
            for b in 0..<batch.batchSize {
                for t in batch.scoredSteps(of: b) {
                    let key = task.scoredSteps == .all ? t : -1
                    counts[key, default: [Double](repeating: 0, count: classes)][targets[b * batch.length + t]] += 1
                }
            }
        }
        var total = 0.0, n = 0.0
        for (_, c) in counts {
            let sum = c.reduce(0, +)
            for k in c.indices where c[k] > 0 { total -= c[k] * Foundation.log(c[k] / sum) }
            n += sum
        }
        let plugIn = total / n
        #expect(abs(plugIn - task.baselineLoss) < 0.01 * max(task.baselineLoss, 0.1),
                "baseline \(task.baselineLoss) vs simulated \(plugIn)")
    }

    @Test func copyMemoryBaselineFormula() throws {
        #expect(abs(try CopyMemory(length: 100).baselineLoss - 10 * log(8) / 120) < 1e-15)
        #expect(abs(try AddingProblem(variant: .arjovsky2016, length: 100).baselineLoss - 1.0 / 6) < 1e-15)
    }
}
