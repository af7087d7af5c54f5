import Foundation
import Linalg

/// Copy memory (Arjovsky et al. 2016). Symbols one-hot over D = 10 channels: 0 blank, 1–8 data,
/// 9 marker. Length T + 20: ten data symbols U{1…8}, T − 1 blanks, the marker, ten blanks. Targets
/// (9 classes, 0–8) at every step: blank for the first T + 10 steps, then the ten data symbols.
/// Solved when ≤ 1% of held-out sequences have any wrong step. Baseline (predict blank for the first
/// T + 10 steps, uniform over 1–8 for the last ten): 10·ln 8/(T + 20).
public struct CopyMemory: SequenceTask {
    public let nominalLength: Int
    public static let recallLength = 10
    public var name: String { "copy-memory" }
    public var inputSize: Int { 10 }
    public var output: TaskOutput { .classification(classes: 9) }
    public var scoredSteps: ScoredSteps { .all }
    public var criterion: SuccessCriterion { .allStepsCorrect(maxErrorRate: 0.01) }
    public var baselineLoss: Double { 10 * Foundation.log(8) / Double(nominalLength + 20) }

    public init(length: Int) throws {
        try requireLength("copy-memory", length, atLeast: 1)
        nominalLength = length
    }

    public func makeBatch(batchSize: Int, rng: inout RandomStream) -> TaskBatch {
        let t = nominalLength, n = CopyMemory.recallLength, length = t + 2 * n
        var batch = TaskBatch(zeroBatchSize: batchSize, length: length, inputSize: 10, output: output)
        for b in 0..<batchSize {
            for s in 0..<length { batch.setOneHot(b, s, 0); batch.setClass(b, s, 0) }
            for s in 0..<n {
                let symbol = 1 + rng.integer(below: 8)
                batch.setOneHot(b, s, symbol)
                batch.setClass(b, t + n + s, symbol)
            }
            batch.setOneHot(b, n + t - 1, 9)
        }
        return batch
    }
}

/// Temporal order (Pascanu et al. 2013, `tempOrder.py`, `tempOrder3bit.py`). D = 6 one-hot
/// channels: 0 = A, 1 = B, 2–5 distractors c–f. Length T. Every step shows a uniform distractor
/// except `bits` positions that show A or B (v_i ∈ {0, 1}):
/// - 2 bits: p0 ∈ ⌊T/10⌋ + {0…⌊T/10⌋−1}, p1 ∈ ⌊5T/10⌋ + {0…⌊T/10⌋−1};
/// - 3 bits: p0 ∈ ⌊T/10⌋ + …, p1 ∈ ⌊3T/10⌋ + …, p2 ∈ ⌊6T/10⌋ + … (each window ⌊T/10⌋ wide).
/// Target at the last step: class Σ_i v_i·2^i (4 or 8 classes). Solved when ≤ 1% held-out errors.
/// Baseline: ln 4 or ln 8 (classes are equally likely). Needs T ≥ 10.
public struct TemporalOrder: SequenceTask {
    public let bits: Int
    public let nominalLength: Int
    public var name: String { bits == 2 ? "temporal-order" : "temporal-order-3bit" }
    public var inputSize: Int { 6 }
    public var output: TaskOutput { .classification(classes: 1 << bits) }
    public var scoredSteps: ScoredSteps { .last }
    public var criterion: SuccessCriterion { .allStepsCorrect(maxErrorRate: 0.01) }
    public var baselineLoss: Double { Foundation.log(Double(1 << bits)) }

    /// Window starts as tenths of T (Pascanu et al.'s generators).
    var windowTenths: [Int] { bits == 2 ? [1, 5] : [1, 3, 6] }

    public init(bits: Int, length: Int) throws {
        guard bits == 2 || bits == 3 else {
            throw TaskError.invalidParameter(task: "temporal-order", detail: "bits must be 2 or 3, got \(bits)")
        }
        try requireLength(bits == 2 ? "temporal-order" : "temporal-order-3bit", length, atLeast: 10)
        self.bits = bits
        nominalLength = length
    }

    public func makeBatch(batchSize: Int, rng: inout RandomStream) -> TaskBatch {
        let t = nominalLength, width = t / 10
        var batch = TaskBatch(zeroBatchSize: batchSize, length: t, inputSize: 6, output: output)
        for b in 0..<batchSize {
            let positions = windowTenths.map { t * $0 / 10 + rng.integer(below: width) }
            let values = positions.map { _ in rng.integer(below: 2) }
            for s in 0..<t { batch.setOneHot(b, s, 2 + rng.integer(below: 4)) }
            var label = 0
            for (i, (p, v)) in zip(positions, values).enumerated() {
                batch.setOneHot(b, p, v)
                label += v << i
            }
            batch.setClass(b, t - 1, label)
        }
        return batch
    }
}

/// Random permutation (Pascanu et al. 2013, `permutation.py`). D = 100 one-hot symbols, length T.
/// The first symbol is v ∈ {0, 1}, the other T − 1 are uniform over {2…99}. Target at the last step:
/// class v (100 output classes). Solved when ≤ 1% held-out errors. Baseline ln 2.
public struct RandomPermutation: SequenceTask {
    public let nominalLength: Int
    public var name: String { "random-permutation" }
    public var inputSize: Int { 100 }
    public var output: TaskOutput { .classification(classes: 100) }
    public var scoredSteps: ScoredSteps { .last }
    public var criterion: SuccessCriterion { .allStepsCorrect(maxErrorRate: 0.01) }
    public var baselineLoss: Double { Foundation.log(2) }

    public init(length: Int) throws {
        try requireLength("random-permutation", length, atLeast: 2)
        nominalLength = length
    }

    public func makeBatch(batchSize: Int, rng: inout RandomStream) -> TaskBatch {
        let t = nominalLength
        var batch = TaskBatch(zeroBatchSize: batchSize, length: t, inputSize: 100, output: output)
        for b in 0..<batchSize {
            let v = rng.integer(below: 2)
            batch.setOneHot(b, 0, v)
            for s in 1..<t { batch.setOneHot(b, s, 2 + rng.integer(below: 98)) }
            batch.setClass(b, t - 1, v)
        }
        return batch
    }
}

/// Noiseless memorization (Pascanu et al. 2013, `memorization.py`), with n = `values` symbols and
/// P = `positions` to memorize (paper: 5 and 10). D = n + 2 one-hot channels; length T + 2P.
/// Steps 0…P−1 show the pattern (symbols U{0…n−1}); steps P…T+2P−1 show the blank (channel n)
/// except step T + P, which shows the go signal (channel n + 1). Targets (n + 1 classes) at every
/// step: blank (class n) for the first T + P steps, then the pattern. A sequence is wrong if any step
/// is wrong; solved at ≤ 1% errors. Baseline (blank, then uniform): P·ln n/(T + 2P).
public struct Memorization: SequenceTask {
    public let nominalLength: Int
    public let values: Int
    public let positions: Int
    public var name: String { "memorization" }
    public var inputSize: Int { values + 2 }
    public var output: TaskOutput { .classification(classes: values + 1) }
    public var scoredSteps: ScoredSteps { .all }
    public var criterion: SuccessCriterion { .allStepsCorrect(maxErrorRate: 0.01) }
    public var baselineLoss: Double {
        Double(positions) * Foundation.log(Double(values)) / Double(nominalLength + 2 * positions)
    }

    public init(length: Int, values: Int = 5, positions: Int = 10) throws {
        try requireLength("memorization", length, atLeast: 1)
        guard values >= 2, positions >= 1 else {
            throw TaskError.invalidParameter(task: "memorization",
                detail: "needs at least 2 values and 1 position, got \(values) and \(positions)")
        }
        nominalLength = length
        self.values = values
        self.positions = positions
    }

    public func makeBatch(batchSize: Int, rng: inout RandomStream) -> TaskBatch {
        let (t, n, p) = (nominalLength, values, positions)
        let length = t + 2 * p
        var batch = TaskBatch(zeroBatchSize: batchSize, length: length, inputSize: n + 2, output: output)
        for b in 0..<batchSize {
            for s in 0..<length { batch.setClass(b, s, n) }
            for s in p..<length { batch.setOneHot(b, s, n) }
            batch.setOneHot(b, t + p, n + 1)
            for s in 0..<p {
                let symbol = rng.integer(below: n)
                batch.setOneHot(b, s, symbol)
                batch.setClass(b, t + p + s, symbol)
            }
        }
        return batch
    }
}
