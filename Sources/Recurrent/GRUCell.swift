import Foundation
import Linalg

/// PyTorch's `nn.GRU` cell, gates in the order (r, z, n):
///
///     r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
///     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
///
/// State h (H). Cache per row: r, z, n, W_hn h + b_hn (4H). One-step Jacobian (H × H):
///
///     J = diag(z) + diag((h_{t−1} − n) z(1−z))W_hz + diag((1−z)(1−n²)) [diag(r)W_hn + diag(hn r(1−r))W_hr]
public struct GRUCell: RecurrentCell {
    public let weights: CellWeights

    public init(weights: CellWeights) {
        precondition(weights.gateCount == 3)
        self.weights = weights
    }

    public var stateSize: Int { weights.hiddenSize }
    public var cacheWidth: Int { 4 * weights.hiddenSize }
    public var hiddenPreactivationGradientIsInputGradient: Bool { false }

    public func pointwiseForward(batch: Int, zx: UnsafePointer<Double>, zh: UnsafePointer<Double>,
                                 previous: UnsafePointer<Double>, next: UnsafeMutablePointer<Double>,
                                 cache: UnsafeMutablePointer<Double>) {
        let h = hiddenSize
        for b in 0..<batch {
            let x = zx + b * 3 * h, y = zh + b * 3 * h, q = cache + b * 4 * h
            let prev = previous + b * h, out = next + b * h
            for j in 0..<h {
                let r = logistic(x[j] + y[j])
                let z = logistic(x[h + j] + y[h + j])
                let hn = y[2 * h + j]
                let n = tanh(x[2 * h + j] + r * hn)
                q[j] = r; q[h + j] = z; q[2 * h + j] = n; q[3 * h + j] = hn
                out[j] = (1 - z) * n + z * prev[j]
            }
        }
    }

    public func pointwiseBackward(batch: Int, dState: UnsafePointer<Double>, cache: UnsafePointer<Double>,
                                  previous: UnsafePointer<Double>, next: UnsafePointer<Double>,
                                  dzx: UnsafeMutablePointer<Double>, dzh: UnsafeMutablePointer<Double>,
                                  dPrevious: UnsafeMutablePointer<Double>) {
        let h = hiddenSize
        for b in 0..<batch {
            let ds = dState + b * h, q = cache + b * 4 * h, prev = previous + b * h
            let dx = dzx + b * 3 * h, dy = dzh + b * 3 * h, dp = dPrevious + b * h
            for j in 0..<h {
                let r = q[j], z = q[h + j], n = q[2 * h + j], hn = q[3 * h + j]
                let dh = ds[j]
                let dn = dh * (1 - z) * (1 - n * n)
                let dzr = dn * hn * r * (1 - r)
                let dzz = dh * (prev[j] - n) * z * (1 - z)
                dx[j] = dzr; dy[j] = dzr
                dx[h + j] = dzz; dy[h + j] = dzz
                dx[2 * h + j] = dn; dy[2 * h + j] = dn * r
                dp[j] = dh * z
            }
        }
    }

    public func jacobianFromCache(_ s: UnsafePointer<Double>, into j: UnsafeMutablePointer<Double>, workspace: CellWorkspace) {
        let h = hiddenSize, q = workspace.cache
        weights.hiddenWeight.withUnsafeBufferPointer { w in
            for a in 0..<h {
                let r = q[a], z = q[h + a], n = q[2 * h + a], hn = q[3 * h + a]
                let cz = (s[a] - n) * z * (1 - z)
                let cn = (1 - z) * (1 - n * n)
                let cnr = cn * r, cr = cn * hn * r * (1 - r)
                for b in 0..<h {
                    j[a * h + b] = cz * w[(h + a) * h + b] + cnr * w[(2 * h + a) * h + b] + cr * w[a * h + b]
                }
                j[a * h + a] += z
            }
        }
    }
}
