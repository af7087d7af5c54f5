import Foundation
import Linalg

/// The independently recurrent cell (IndRNN; Li, Li, Cook, Zhu & Gao 2018):
///
///     h_t = φ(z_t),  z_t = W_ih x_t + b_ih + u ⊙ h_{t−1} + b_hh
///
/// with a recurrent *vector* u (H): each unit sees only its own past. φ is any `Activation` (the
/// paper uses relu). Parameter names as PyTorch IndRNN implementations: `weight_ih_l0` (H × D),
/// `weight_hh_l0` (H, the vector u), optional `bias_ih_l0`, `bias_hh_l0` (H).
///
/// Cache per row: z_t (H), as the Elman cell. One-step Jacobian J_t = diag(φ'(z_t) ⊙ u), so
/// ∂h_T/∂h_t = diag(∏_{s=t+1}^{T} u ⊙ φ'(z_s)) and, per unit j, |∂h_{T,j}/∂h_{t,j}| = ∏ |u_j φ'(z_{s,j})|
/// (`unitGradientLog10`). The weights carry W_hh = diag(u) (`CellWeights.recurrentDiagonal`): the
/// unroller multiplies element-wise instead of calling gemm.
public struct IndRNNCell: RecurrentCell {
    public let weights: CellWeights
    public let activation: Activation
    /// The point-wise map is the Elman cell's (φ of the summed pre-activations).
    private let elman: VanillaCell

    public init(weights: CellWeights, activation: Activation) {
        precondition(weights.gateCount == 1 && weights.recurrentDiagonal != nil)
        self.weights = weights
        self.activation = activation
        elman = VanillaCell(weights: weights, activation: activation)
    }

    /// u, the recurrent vector.
    public var recurrentVector: [Double] { weights.recurrentDiagonal ?? [] }
    public var stateSize: Int { weights.hiddenSize }
    public var cacheWidth: Int { weights.hiddenSize }
    public var hiddenPreactivationGradientIsInputGradient: Bool { true }

    public func pointwiseForward(batch: Int, zx: UnsafePointer<Double>, zh: UnsafePointer<Double>,
                                 previous: UnsafePointer<Double>, next: UnsafeMutablePointer<Double>,
                                 cache: UnsafeMutablePointer<Double>) {
        elman.pointwiseForward(batch: batch, zx: zx, zh: zh, previous: previous, next: next, cache: cache)
    }

    public func pointwiseBackward(batch: Int, dState: UnsafePointer<Double>, cache: UnsafePointer<Double>,
                                  previous: UnsafePointer<Double>, next: UnsafePointer<Double>,
                                  dzx: UnsafeMutablePointer<Double>, dzh: UnsafeMutablePointer<Double>,
                                  dPrevious: UnsafeMutablePointer<Double>) {
        elman.pointwiseBackward(batch: batch, dState: dState, cache: cache, previous: previous, next: next,
                                dzx: dzx, dzh: dzh, dPrevious: dPrevious)
    }

    /// J = diag(φ'(z_t) ⊙ u): zeros off the diagonal.
    public func jacobianFromCache(_ s: UnsafePointer<Double>, into j: UnsafeMutablePointer<Double>, workspace: CellWorkspace) {
        let h = hiddenSize, phi = activation
        j.update(repeating: 0, count: h * h)
        recurrentVector.withUnsafeBufferPointer { u in
            for a in 0..<h { j[a * h + a] = u[a] * phi.derivative(z: workspace.cache[a], h: workspace.next[a]) }
        }
    }

    /// The closed form of the diagonal Jacobian product per unit: for unit j,
    /// log10 |∂h_{T,j}/∂h_{t,j}| = Σ_{s=t+1}^{T} log10 |u_j φ'(z_{s,j})| (−∞ when a factor is 0), with
    /// z_s and h_s the cached pre-activations and states of steps s = t+1 … T (`z`, `h`: k × H
    /// row-major, k = T − t). Summed in log space, so it neither underflows nor overflows.
    public func unitGradientLog10(preactivations z: [Double], states h: [Double]) -> [Double] {
        let n = hiddenSize, k = z.count / max(n, 1), u = recurrentVector
        precondition(z.count == k * n && h.count == k * n)
        var out = [Double](repeating: 0, count: n)
        for s in 0..<k {
            for j in 0..<n { out[j] += log10Magnitude(u[j] * activation.derivative(z: z[s * n + j], h: h[s * n + j])) }
        }
        return out
    }
}

/// log10 |x| (−∞ for 0).
func log10Magnitude(_ x: Double) -> Double { x == 0 ? -.infinity : Foundation.log10(abs(x)) }
