import Linalg

/// The adding problem in its three published forms. Inputs are D = 2 channels per step:
/// channel 0 the value, channel 1 the marker. Output: one real at the last step, squared error.
///
/// **`hochreiter1997`** (Hochreiter & Schmidhuber 1997, experiment 4). Length L uniform in
/// {T, …, T + ⌊T/10⌋}, drawn once per batch (batches are rectangular). Values U[−1, 1]. Markers: the
/// first mark X1 on one of the first ten steps, the second X2 on one of the first K = ⌊T/2⌋ − 1 steps
/// still unmarked; every other marker is 0 except the first and last steps, whose marker is −1
/// (unless marked). A value marked on step 0 is set to 0 ("in the rare case where the first pair gets
/// marked, X1 is set to zero"). Target 0.5 + (X1 + X2)/4. Correct if |error| < 0.04.
/// Baseline (constant 0.5): Var = (E X1² + E X2²)/16 with E X1² = 0.9/3, E X2² = (1 − 0.9/K)/3.
/// Needs T ≥ 22 (so that K ≥ 10).
///
/// **`pascanu2013`** (Pascanu et al. 2013, `addition.py`). L = T + U{0, …, ⌊T/10⌋ − 1} per batch.
/// Values U[0, 1]; first marker at p0 ∈ {0, …, ⌊L/10⌋ − 1}, second at p1 ∈ ⌊L/10⌋ + {0, …, ⌊4L/10⌋ − 1};
/// other markers 0. Target (a + b)/2. Wrong if squared error > 0.04. Baseline (constant 1/2): 1/24.
/// Needs T ≥ 10.
///
/// **`arjovsky2016`** (Le et al. 2015; Arjovsky et al. 2016). L = T. Values U[0, 1]; one marker
/// uniform in the first half {0, …, ⌊T/2⌋ − 1}, one in the second {⌊T/2⌋, …, T − 1}. Target a + b.
/// Solved when the held-out MSE < 0.01 (the papers report MSE only; 0.01 is 6% of the baseline).
/// Baseline (constant 1): Var(a + b) = 1/6. Needs T ≥ 2.
public struct AddingProblem: SequenceTask {
    public enum Variant: String, Sendable, CaseIterable {
        case hochreiter1997, pascanu2013, arjovsky2016
    }

    public let variant: Variant
    public let nominalLength: Int
    public var name: String { "adding-\(variant.rawValue)" }
    public var inputSize: Int { 2 }
    public var output: TaskOutput { .regression(size: 1) }
    public var scoredSteps: ScoredSteps { .last }

    public init(variant: Variant, length: Int) throws {
        let minimum = switch variant { case .hochreiter1997: 22; case .pascanu2013: 10; case .arjovsky2016: 2 }
        try requireLength("adding-\(variant.rawValue)", length, atLeast: minimum)
        self.variant = variant
        self.nominalLength = length
    }

    public var criterion: SuccessCriterion {
        switch variant {
        case .hochreiter1997: .absoluteError(tolerance: 0.04, maxErrorRate: 0.01)
        case .pascanu2013: .squaredError(tolerance: 0.04, maxErrorRate: 0.01)
        case .arjovsky2016: .meanLossBelow(0.01)
        }
    }

    public var baselineLoss: Double {
        switch variant {
        case .hochreiter1997:
            let k = Double(nominalLength / 2 - 1)
            return (0.9 / 3 + (1 - 0.9 / k) / 3) / 16
        case .pascanu2013: return 1.0 / 24
        case .arjovsky2016: return 1.0 / 6
        }
    }

    public func makeBatch(batchSize: Int, rng: inout RandomStream) -> TaskBatch {
        switch variant {
        case .hochreiter1997: hochreiterBatch(batchSize, &rng)
        case .pascanu2013: pascanuTwoMarkerBatch(batchSize, nominalLength, &rng) { ($0 + $1) / 2 }
        case .arjovsky2016: arjovskyBatch(batchSize, &rng)
        }
    }

    private func hochreiterBatch(_ bs: Int, _ rng: inout RandomStream) -> TaskBatch {
        let t = nominalLength
        let length = t + rng.integer(below: t / 10 + 1)
        let k = t / 2 - 1
        var batch = TaskBatch(zeroBatchSize: bs, length: length, inputSize: 2, output: output)
        for b in 0..<bs {
            for s in 0..<length { batch.setInput(b, s, 0, rng.uniform(-1, 1)) }
            batch.setInput(b, 0, 1, -1)
            batch.setInput(b, length - 1, 1, -1)
            let p1 = rng.integer(below: 10)
            // The r-th of the first K unmarked steps: skip p1.
            let r = rng.integer(below: k)
            let p2 = r < p1 ? r : r + 1
            var sum = 0.0
            for p in [p1, p2] {
                batch.setInput(b, p, 1, 1)
                if p == 0 { batch.setInput(b, 0, 0, 0) }
                sum += batch.input(b, p, 0)
            }
            batch.setReal(b, length - 1, [0.5 + sum / 4])
        }
        return batch
    }

    private func arjovskyBatch(_ bs: Int, _ rng: inout RandomStream) -> TaskBatch {
        let t = nominalLength, half = t / 2
        var batch = TaskBatch(zeroBatchSize: bs, length: t, inputSize: 2, output: output)
        for b in 0..<bs {
            for s in 0..<t { batch.setInput(b, s, 0, rng.uniform()) }
            let p0 = rng.integer(below: half), p1 = half + rng.integer(below: t - half)
            batch.setInput(b, p0, 1, 1)
            batch.setInput(b, p1, 1, 1)
            batch.setReal(b, t - 1, [batch.input(b, p0, 0) + batch.input(b, p1, 0)])
        }
        return batch
    }
}

/// The multiplication problem (Pascanu et al. 2013, `multiplication.py`): exactly the `pascanu2013`
/// adding problem's sequences (D = 2: value, marker) with target a·b. Wrong if squared error > 0.04.
/// Baseline (constant 1/4): Var(ab) = 1/9 − 1/16 = 7/144. Needs T ≥ 10.
public struct MultiplicationProblem: SequenceTask {
    public let nominalLength: Int
    public var name: String { "multiplication" }
    public var inputSize: Int { 2 }
    public var output: TaskOutput { .regression(size: 1) }
    public var scoredSteps: ScoredSteps { .last }
    public var criterion: SuccessCriterion { .squaredError(tolerance: 0.04, maxErrorRate: 0.01) }
    public var baselineLoss: Double { 7.0 / 144 }

    public init(length: Int) throws {
        try requireLength("multiplication", length, atLeast: 10)
        nominalLength = length
    }

    public func makeBatch(batchSize: Int, rng: inout RandomStream) -> TaskBatch {
        pascanuTwoMarkerBatch(batchSize, nominalLength, &rng) { $0 * $1 }
    }
}

/// Pascanu et al.'s two-marker sequences (addition.py / multiplication.py), target `combine(a, b)`.
func pascanuTwoMarkerBatch(_ bs: Int, _ t: Int, _ rng: inout RandomStream,
                           combine: (Double, Double) -> Double) -> TaskBatch {
    let extra = t / 10
    let length = t + (extra > 0 ? rng.integer(below: extra) : 0)
    let tenth = length / 10, forty = length * 4 / 10
    var batch = TaskBatch(zeroBatchSize: bs, length: length, inputSize: 2, output: .regression(size: 1))
    for b in 0..<bs {
        for s in 0..<length { batch.setInput(b, s, 0, rng.uniform()) }
        let p0 = rng.integer(below: tenth), p1 = tenth + rng.integer(below: forty)
        batch.setInput(b, p0, 1, 1)
        batch.setInput(b, p1, 1, 1)
        batch.setReal(b, length - 1, [combine(batch.input(b, p0, 0), batch.input(b, p1, 0))])
    }
    return batch
}
