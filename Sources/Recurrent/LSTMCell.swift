import Foundation
import Linalg

/// PyTorch's `nn.LSTM` cell, gates in the order (i, f, g, o):
///
///     i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o)   (z = W_ih x + b_ih + W_hh h + b_hh)
///     c_t = f ⊙ c_{t−1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
///
/// State [h; c] (2H). Cache per row: i, f, g, o, tanh(c_t) (5H).
/// One-step Jacobian on (h, c) (2H × 2H), with τ = tanh(c_t):
///
///     ∂c_t/∂h = diag(c_{t−1} f(1−f))W_hf + diag(g i(1−i))W_hi + diag(i(1−g²))W_hg,  ∂c_t/∂c = diag(f)
///     ∂h_t/∂h = diag(τ o(1−o))W_ho + diag(o(1−τ²))·∂c_t/∂h,                  ∂h_t/∂c = diag(o(1−τ²) f)
public struct LSTMCell: RecurrentCell {
    public let weights: CellWeights

    public init(weights: CellWeights) {
        precondition(weights.gateCount == 4)
        self.weights = weights
    }

    public var stateSize: Int { 2 * weights.hiddenSize }
    public var cacheWidth: Int { 5 * weights.hiddenSize }
    public var hiddenPreactivationGradientIsInputGradient: Bool { true }

    public func pointwiseForward(batch: Int, zx: UnsafePointer<Double>, zh: UnsafePointer<Double>,
                                 previous: UnsafePointer<Double>, next: UnsafeMutablePointer<Double>,
                                 cache: UnsafeMutablePointer<Double>) {
        let h = hiddenSize
        for b in 0..<batch {
            let x = zx + b * 4 * h, y = zh + b * 4 * h, q = cache + b * 5 * h
            let prev = previous + b * 2 * h, out = next + b * 2 * h
            for j in 0..<h {
                let i = logistic(x[j] + y[j])
                let f = logistic(x[h + j] + y[h + j])
                let g = tanh(x[2 * h + j] + y[2 * h + j])
                let o = logistic(x[3 * h + j] + y[3 * h + j])
                let c = f * prev[h + j] + i * g
                let tc = tanh(c)
                q[j] = i; q[h + j] = f; q[2 * h + j] = g; q[3 * h + j] = o; q[4 * h + j] = tc
                out[j] = o * tc
                out[h + j] = c
            }
        }
    }

    public func pointwiseBackward(batch: Int, dState: UnsafePointer<Double>, cache: UnsafePointer<Double>,
                                  previous: UnsafePointer<Double>, next: UnsafePointer<Double>,
                                  dzx: UnsafeMutablePointer<Double>, dzh: UnsafeMutablePointer<Double>,
                                  dPrevious: UnsafeMutablePointer<Double>) {
        let h = hiddenSize
        for b in 0..<batch {
            let ds = dState + b * 2 * h, q = cache + b * 5 * h, prev = previous + b * 2 * h
            let dz = dzx + b * 4 * h, dp = dPrevious + b * 2 * h
            for j in 0..<h {
                let i = q[j], f = q[h + j], g = q[2 * h + j], o = q[3 * h + j], tc = q[4 * h + j]
                let dh = ds[j]
                let dc = ds[h + j] + dh * o * (1 - tc * tc)
                dz[j] = dc * g * i * (1 - i)
                dz[h + j] = dc * prev[h + j] * f * (1 - f)
                dz[2 * h + j] = dc * i * (1 - g * g)
                dz[3 * h + j] = dh * tc * o * (1 - o)
                dp[j] = 0
                dp[h + j] = dc * f
            }
        }
    }

    public func jacobianFromCache(_ s: UnsafePointer<Double>, into j: UnsafeMutablePointer<Double>, workspace: CellWorkspace) {
        let h = hiddenSize, n = 2 * h, q = workspace.cache
        weights.hiddenWeight.withUnsafeBufferPointer { w in
            for a in 0..<h {
                let i = q[a], f = q[h + a], g = q[2 * h + a], o = q[3 * h + a], tc = q[4 * h + a]
                let ci = g * i * (1 - i), cf = s[h + a] * f * (1 - f), cg = i * (1 - g * g)
                let ho = tc * o * (1 - o), hc = o * (1 - tc * tc)
                for b in 0..<h {
                    let dcdh = cf * w[(h + a) * h + b] + ci * w[a * h + b] + cg * w[(2 * h + a) * h + b]
                    j[(h + a) * n + b] = dcdh
                    j[a * n + b] = ho * w[(3 * h + a) * h + b] + hc * dcdh
                    j[(h + a) * n + h + b] = 0
                    j[a * n + h + b] = 0
                }
                j[(h + a) * n + h + a] = f
                j[a * n + h + a] = hc * f
            }
        }
    }
}
