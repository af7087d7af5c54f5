import Foundation
import Linalg
import Recurrent

/// Variational (Gal & Ghahramani 2016) dropout for a vanilla RNN (`training.dropout`).
///
/// One Bernoulli mask per sequence, the same at every step, with inverted scaling: an entry is kept
/// with probability 1 − p and then multiplied by 1/(1 − p), so the expected pre-activation is that
/// of the undropped network and evaluation (no dropout) needs no rescaling. With masks
/// m_x (B×D), m_h (B×H), m_o (B×H) and h_0 = 0:
///
///     z_t = (x_t ⊙ m_x) W_ihᵀ + b_ih + (h_{t−1} ⊙ m_h) W_hhᵀ + b_hh,   h_t = φ(z_t),
///     y_t = (h_t ⊙ m_o) W_oᵀ + b_o.
///
/// `input`, `recurrent` and `output` are the drop probabilities p ∈ [0, 1). Masks are drawn, per
/// iteration, from the training stream's `dropout` split (B·D, then B·H, then B·H uniforms), so the
/// same seed gives the same masks. The held-out evaluation runs without dropout.
public struct RecurrentDropout: Sendable, Equatable {
    public var input: Double
    public var recurrent: Double
    public var output: Double

    public init(input: Double = 0, recurrent: Double = 0, output: Double = 0) {
        self.input = input; self.recurrent = recurrent; self.output = output
    }

    public var isActive: Bool { input > 0 || recurrent > 0 || output > 0 }

    public func validate() throws {
        for (name, p) in [("input", input), ("recurrent", recurrent), ("output", output)] {
            guard p >= 0, p < 1 else { throw TrainingError("dropout.\(name) must be a probability in [0, 1), got \(p)") }
        }
    }
}

/// Buffers for one dropout training step of a vanilla RNN with a linear head, allocated once for
/// (T, B, D, H, O): masks, the forward tape and the gradients. `step` allocates nothing.
final class DropoutWorkspace {
    let steps: Int, batch: Int, inputSize: Int, hidden: Int, outputs: Int
    /// Masks, row b = sequence b; entries 0 or 1/(1 − p).
    var inputMask: [Double], recurrentMask: [Double], outputMask: [Double]
    /// Tape, time-major: x̃_t (T×B×D), h̃_{t−1} = h_{t−1} ⊙ m_h (T×B×H), z_t and h_t (T×B×H).
    private var maskedInputs: [Double], maskedPrevious: [Double], preActivations: [Double], states: [Double]
    /// h_t ⊙ m_o, y and ∂L/∂y for one step (B×H, B×O, B×O); ∂L/∂h_t and ∂L/∂z_t (B×H).
    private var head: [Double], y: [Double], dy: [Double], dh: [Double], dz: [Double], scratch: [Double]
    /// Gradients in the model's parameter order; ‖∂L/∂h_t‖ for t = 1 … T.
    var gradients: [Matrix]
    var hiddenNorms: [Double]

    init(model: RecurrentModel, steps: Int, batch: Int) {
        (self.steps, self.batch, inputSize, hidden, outputs) = (steps, batch, model.inputSize, model.hiddenSize, model.outputSize)
        let (t, b, d, h, o) = (steps, batch, inputSize, hidden, outputs)
        inputMask = [Double](repeating: 1, count: b * d)
        recurrentMask = [Double](repeating: 1, count: b * h)
        outputMask = [Double](repeating: 1, count: b * h)
        maskedInputs = [Double](repeating: 0, count: t * b * d)
        maskedPrevious = [Double](repeating: 0, count: t * b * h)
        preActivations = [Double](repeating: 0, count: t * b * h)
        states = [Double](repeating: 0, count: t * b * h)
        head = [Double](repeating: 0, count: b * h)
        y = [Double](repeating: 0, count: b * o)
        dy = [Double](repeating: 0, count: b * o)
        dh = [Double](repeating: 0, count: b * h)
        dz = [Double](repeating: 0, count: b * h)
        scratch = [Double](repeating: 0, count: b * h)
        gradients = model.parameters.tensors.map { Matrix(rows: $0.rows, cols: $0.cols) }
        hiddenNorms = [Double](repeating: 0, count: t)
    }

    /// Fills the masks from `rng`: an entry is dropped when a uniform draw is < p.
    func drawMasks(_ dropout: RecurrentDropout, rng: inout RandomStream) {
        func fill(_ mask: inout [Double], _ p: Double) {
            let keep = 1 / (1 - p)
            for i in mask.indices { mask[i] = rng.uniform() < p ? 0 : keep }
        }
        fill(&inputMask, dropout.input)
        fill(&recurrentMask, dropout.recurrent)
        fill(&outputMask, dropout.output)
    }

    /// The batch loss (the core's objective: MSE mean over steps × B × O, cross-entropy mean over
    /// steps × B, BCE with logits mean over steps × B × O) and its exact gradients under the current
    /// masks, into `gradients` and `hiddenNorms`. The batch must be scored uniformly (last step or all).
    func step(_ model: RecurrentModel, _ task: TaskBatch) throws -> Double {
        guard case .rnn(let activation) = model.cell else { throw TrainingError("dropout is implemented for rnn cells, not \(model.cell)") }
        guard let mode = task.uniformOutputMode else {
            throw TrainingError("dropout needs a task scored at the last step or at every step")
        }
        guard task.batchSize == batch, task.length == steps, task.inputSize == inputSize, task.output.size == outputs else {
            throw TrainingError("dropout workspace sized for (T, B) = (\(steps), \(batch)), got (\(task.length), \(task.batchSize))")
        }
        let p = model.parameters
        guard let iIH = p.index(of: ParameterName.weightIH), let iHH = p.index(of: ParameterName.weightHH),
              let iO = p.index(of: ParameterName.headWeight) else {
            throw TrainingError("dropout needs weight_ih_l0, weight_hh_l0 and head.weight")
        }
        let biases = [p.index(of: ParameterName.biasIH), p.index(of: ParameterName.biasHH)].compactMap { $0 }
        let iOB = p.index(of: ParameterName.headBias)
        let w = p.tensors
        let (T, B, D, H, O) = (steps, batch, inputSize, hidden, outputs)
        for k in gradients.indices { gradients[k].withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }

        // Forward.
        for t in 0..<T {
            for b in 0..<B { for d in 0..<D {
                maskedInputs[(t * B + b) * D + d] = task.inputs[(b * T + t) * D + d] * inputMask[b * D + d]
            } }
            for k in 0..<B * H {
                maskedPrevious[t * B * H + k] = t == 0 ? 0 : states[(t - 1) * B * H + k] * recurrentMask[k]
            }
            preActivations.withUnsafeMutableBufferPointer { z in
                let zt = z.baseAddress! + t * B * H
                maskedInputs.withUnsafeBufferPointer { x in
                    w[iIH].withUnsafeBufferPointer { wih in
                        gemm(.none, .transpose, m: B, n: H, k: D, x.baseAddress! + t * B * D, lda: max(D, 1), wih.baseAddress!, ldb: max(D, 1), beta: 0, zt, ldc: H)
                    }
                }
                maskedPrevious.withUnsafeBufferPointer { hp in
                    w[iHH].withUnsafeBufferPointer { whh in
                        gemm(.none, .transpose, m: B, n: H, k: H, hp.baseAddress! + t * B * H, lda: H, whh.baseAddress!, ldb: H, beta: 1, zt, ldc: H)
                    }
                }
                for bi in biases {
                    w[bi].withUnsafeBufferPointer { bias in for b in 0..<B { for j in 0..<H { zt[b * H + j] += bias[j] } } }
                }
                states.withUnsafeMutableBufferPointer { s in activation.apply(zt, into: s.baseAddress! + t * B * H, count: B * H) }
            }
        }

        // Loss and backward.
        let outputSteps = mode == .last ? [T - 1] : Array(0..<T)
        var loss = 0.0
        for k in dh.indices { dh[k] = 0 }
        for t in stride(from: T - 1, through: 0, by: -1) {
            if mode == .all || t == T - 1 {
                for k in 0..<B * H { head[k] = states[t * B * H + k] * outputMask[k] }
                head.withUnsafeBufferPointer { hd in
                    y.withUnsafeMutableBufferPointer { yp in
                        w[iO].withUnsafeBufferPointer { wo in
                            gemm(.none, .transpose, m: B, n: O, k: H, hd.baseAddress!, lda: H, wo.baseAddress!, ldb: H, beta: 0, yp.baseAddress!, ldc: O)
                        }
                        if let iOB { w[iOB].withUnsafeBufferPointer { bo in for b in 0..<B { for o in 0..<O { yp[b * O + o] += bo[o] } } } }
                    }
                }
                loss += lossAndGradient(task, step: t, outputSteps: outputSteps.count)
                // ∂L/∂W_o += dyᵀ·(h ⊙ m_o); ∂L/∂b_o += Σ_b dy; ∂L/∂h_t += (dy·W_o) ⊙ m_o.
                dy.withUnsafeBufferPointer { dyp in
                    head.withUnsafeBufferPointer { hd in
                        gradients[iO].withUnsafeMutableBufferPointer { g in
                            gemm(.transpose, .none, m: O, n: H, k: B, dyp.baseAddress!, lda: O, hd.baseAddress!, ldb: H, beta: 1, g.baseAddress!, ldc: H)
                        }
                    }
                    if let iOB { gradients[iOB].withUnsafeMutableBufferPointer { g in for b in 0..<B { for o in 0..<O { g[o] += dyp[b * O + o] } } } }
                    scratch.withUnsafeMutableBufferPointer { sc in
                        w[iO].withUnsafeBufferPointer { wo in
                            gemm(.none, .none, m: B, n: H, k: O, dyp.baseAddress!, lda: O, wo.baseAddress!, ldb: H, beta: 0, sc.baseAddress!, ldc: H)
                        }
                    }
                }
                for k in 0..<B * H { dh[k] += scratch[k] * outputMask[k] }
            }
            hiddenNorms[t] = dh.withUnsafeBufferPointer { frobeniusNorm($0.baseAddress!, rows: B, cols: H, ld: H) }
            for k in 0..<B * H {
                dz[k] = dh[k] * activation.derivative(z: preActivations[t * B * H + k], h: states[t * B * H + k])
            }
            dz.withUnsafeBufferPointer { dzp in
                maskedInputs.withUnsafeBufferPointer { x in
                    gradients[iIH].withUnsafeMutableBufferPointer { g in
                        gemm(.transpose, .none, m: H, n: D, k: B, dzp.baseAddress!, lda: H, x.baseAddress! + t * B * D, ldb: max(D, 1), beta: 1, g.baseAddress!, ldc: max(D, 1))
                    }
                }
                maskedPrevious.withUnsafeBufferPointer { hp in
                    gradients[iHH].withUnsafeMutableBufferPointer { g in
                        gemm(.transpose, .none, m: H, n: H, k: B, dzp.baseAddress!, lda: H, hp.baseAddress! + t * B * H, ldb: H, beta: 1, g.baseAddress!, ldc: H)
                    }
                }
                for bi in biases {
                    gradients[bi].withUnsafeMutableBufferPointer { g in for b in 0..<B { for j in 0..<H { g[j] += dzp[b * H + j] } } }
                }
                // ∂L/∂h_{t−1} = (dz·W_hh) ⊙ m_h.
                dh.withUnsafeMutableBufferPointer { dhp in
                    w[iHH].withUnsafeBufferPointer { whh in
                        gemm(.none, .none, m: B, n: H, k: H, dzp.baseAddress!, lda: H, whh.baseAddress!, ldb: H, beta: 0, dhp.baseAddress!, ldc: H)
                    }
                }
            }
            for k in 0..<B * H { dh[k] *= recurrentMask[k] }
        }
        return loss
    }

    /// The loss of the outputs `y` at step t (its share of the batch mean) and ∂L/∂y into `dy`.
    private func lossAndGradient(_ task: TaskBatch, step t: Int, outputSteps: Int) -> Double {
        let (T, B, O) = (steps, batch, outputs)
        var total = 0.0
        switch task.targets {
        case .real(let targets):
            let n = Double(outputSteps * B * O)
            for b in 0..<B { for o in 0..<O {
                let d = y[b * O + o] - targets[(b * T + t) * O + o]
                total += d * d
                dy[b * O + o] = 2 * d / n
            } }
            return total / n
        case .classes(let classes):
            if task.output == .binary {
                let n = Double(outputSteps * B)
                for b in 0..<B {
                    let target = Double(classes[b * T + t])
                    total += binaryCrossEntropy(logit: y[b], target: target)
                    dy[b] = (logistic(y[b]) - target) / n
                }
                return total / n
            }
            let n = Double(outputSteps * B)
            y.withUnsafeBufferPointer { yp in
                for b in 0..<B {
                    let row = yp.baseAddress! + b * O, c = classes[b * T + t]
                    let lse = logSumExp(row, count: O)
                    total += lse - row[c]
                    for o in 0..<O { dy[b * O + o] = Foundation.exp(row[o] - lse) / n }
                    dy[b * O + c] -= 1 / n
                }
            }
            return total / n
        }
    }
}
