import Linalg
import Recurrent

/// A projection applied to the recurrent matrix W_hh after every optimizer update
/// (`training.constraint`), the weight-space counterpart of gradient clipping.
///
/// - `elementwise(limit: c)`: every entry of W_hh clamped to [−c, c] (weight clipping; NaN stays NaN).
/// - `spectral(maxNorm: s)`: σ_max ≤ s, the Euclidean projection onto the spectral-norm ball. With
///   the SVD W = Σ_i σ_i u_i v_iᵀ (LAPACK dgesdd), every σ_i > s is set to s by the rank-k update
///   W ← W + Σ_{σ_i > s} (s − σ_i) u_i v_iᵀ, so a W_hh already inside the ball is left bit-identical
///   and the singular values at or below s are untouched.
///
/// Gated cells (LSTM 4H×H, GRU 3H×H) are projected per gate block (each H×H block separately, the
/// layout of `CellFamily`'s gate order), since each block is one recurrent map; elementwise clipping
/// treats every entry alike.
public enum WeightConstraint: Sendable, Equatable {
    case none
    case elementwise(limit: Double)
    case spectral(maxNorm: Double)

    public func validate() throws {
        switch self {
        case .none: return
        case .elementwise(let c):
            guard c > 0, c.isFinite else { throw TrainingError("constraint 'elementwise' needs a finite limit > 0, got \(c)") }
        case .spectral(let s):
            guard s > 0, s.isFinite else { throw TrainingError("constraint 'spectral' needs a finite max_norm > 0, got \(s)") }
        }
    }

    /// Projects `w` (gateCount stacked H×H blocks, H = w.cols) in place; returns whether any entry changed.
    @discardableResult
    public func apply(to w: inout Matrix, gateCount: Int = 1) throws -> Bool {
        switch self {
        case .none:
            return false
        case .elementwise(let c):
            var changed = false
            w.withUnsafeMutableBufferPointer { p in
                for i in p.indices {
                    let v = p[i]
                    if v > c { p[i] = c; changed = true } else if v < -c { p[i] = -c; changed = true }
                }
            }
            return changed
        case .spectral(let s):
            let h = w.cols
            guard gateCount >= 1, w.rows == gateCount * h else {
                throw TrainingError("spectral constraint: W_hh is \(w.shapeDescription), expected \(gateCount) blocks of \(h)×\(h)")
            }
            if gateCount == 1 { return try Self.projectSpectral(&w, maxNorm: s) }
            var changed = false
            for g in 0..<gateCount {
                var block = try w.rows(g * h..<(g + 1) * h)
                if try Self.projectSpectral(&block, maxNorm: s) {
                    changed = true
                    for i in 0..<h { for j in 0..<h { w[g * h + i, j] = block[i, j] } }
                }
            }
            return changed
        }
    }

    /// σ_max(w) ≤ s by the rank-k update above; returns whether w changed.
    static func projectSpectral(_ w: inout Matrix, maxNorm s: Double) throws -> Bool {
        guard w.isFinite else { return false }
        let svd = try w.svd()
        guard let top = svd.s.first, top > s else { return false }
        let m = w.rows, n = w.cols
        for (k, sigma) in svd.s.enumerated() where sigma > s {
            let shrink = s - sigma
            for i in 0..<m {
                let ui = shrink * svd.u[i, k]
                if ui == 0 { continue }
                for j in 0..<n { w[i, j] += ui * svd.vt[k, j] }
            }
        }
        return true
    }
}
