import Linalg

/// The 3-bit flip-flop (Sussillo & Barak 2013): D = 3 input channels, O = 3 outputs, every step scored.
///
/// Each channel k carries pulses ±1 (sign U{−1, +1}); at step 0 every channel pulses (so every target
/// is defined from the start), afterwards a channel pulses with probability p = `pulseProbability`
/// (0.05) per step, independently, else its input is 0. The target y_k(t) is the sign of channel k's
/// most recent pulse at a step ≤ t: a network must hold 3 bits, one of 8 corners of the cube {±1}³,
/// and flip a bit only when its channel pulses. A trained network's state space holds 8 stable fixed
/// points, one per corner (with saddles between them), under zero input.
///
/// Loss: squared error Σ_k (y_k − target_k)² averaged over every (b, t). A sequence is correct when
/// every output is within 0.5 of its target at every step (`absoluteError(0.5)`); solved at ≤ 1% wrong.
/// Baseline: by symmetry the best input-free prediction is 0, loss Σ_k E target_k² = 3.
public struct FlipFlop: SequenceTask {
    public static let bits = 3
    public static let pulseProbability = 0.05
    public let nominalLength: Int
    public var name: String { "flip-flop" }
    public var inputSize: Int { FlipFlop.bits }
    public var output: TaskOutput { .regression(size: FlipFlop.bits) }
    public var scoredSteps: ScoredSteps { .all }
    public var criterion: SuccessCriterion { .absoluteError(tolerance: 0.5, maxErrorRate: 0.01) }
    public var baselineLoss: Double { Double(FlipFlop.bits) }

    public init(length: Int) throws {
        try requireLength("flip-flop", length, atLeast: 1)
        nominalLength = length
    }

    public func makeBatch(batchSize: Int, rng: inout RandomStream) -> TaskBatch {
        let t = nominalLength, k = FlipFlop.bits
        var batch = TaskBatch(zeroBatchSize: batchSize, length: t, inputSize: k, output: output)
        var state = [Double](repeating: 0, count: k)
        for b in 0..<batchSize {
            for s in 0..<t {
                for c in 0..<k where s == 0 || rng.uniform() < FlipFlop.pulseProbability {
                    let sign: Double = rng.uniform() < 0.5 ? -1 : 1
                    batch.setInput(b, s, c, sign)
                    state[c] = sign
                }
                batch.setReal(b, s, state)
            }
        }
        return batch
    }
}
