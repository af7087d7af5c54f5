import Foundation
import Linalg
import Recurrent

/// Which steps ∂L/∂W_hh is made of: BPTT sums one rank-one term per step,
///
///   ∂L/∂W_hh = Σ_{t=1…T} g_t · h_{t−1}ᵀ,   g_t = ∂L/∂Z_h,t  (G·H: the gate pre-activation gradients
///   that multiply W_hh; for an RNN g_t = δ_t ⊙ φ′(z_t) with δ_t = ∂L/∂h_t),
///
/// so step t's contribution has Frobenius norm ‖g_t‖₂·‖h_{t−1}‖₂ exactly. A vanishing gradient shows
/// as contributions of early steps that are negligible beside late ones: the weights learn only from
/// the recent past.
///
/// Measured from an adjoint ∂L/∂h_T backwards along a trajectory, in log space as `BackwardFlow` does
/// (the cotangent a_t = ∂L/∂s_t is renormalised after every vector–Jacobian product and its scale
/// kept as a compensated log), so terms like 10^−300 are reported, not flushed to zero.
public struct WeightGradientContributions: Sendable {
    /// log10 ‖g_t·h_{t−1}ᵀ‖_F for t = 1 … T (index t − 1); nil where the term is exactly zero.
    public var log10Norms: [Double?] = []
    /// The step t − 1 at which ∂L/∂s became non-finite (the sweep stops there), if it did.
    public var nonfiniteStep: Int?
    /// With `keepTerms`: g_t·10^(log10Scale_t) = ∂L/∂Z_h,t, as (unit-scale g_t, log10 scale), index t − 1.
    public var factors: [(g: [Double], log10Scale: Double)] = []

    /// Runs the backward sweep over the finite part of `trajectory` for `cell`, from `adjoint` =
    /// ∂L/∂h_T (length H; an LSTM's c-part starts at 0).
    public init(cell: any RecurrentCell, trajectory: Trajectory, adjoint: [Double], keepTerms: Bool = false) throws {
        let s = cell.stateSize, h = cell.hiddenSize, gh = cell.weights.gateRows, T = trajectory.steps
        guard adjoint.count == h else {
            throw LinalgError.shapeMismatch(operation: "WeightGradientContributions", detail: "adjoint has \(adjoint.count) entries, the cell has H = \(h)")
        }
        let ln10 = Foundation.log(10.0)
        var ws = cell.makeWorkspace()
        var a = [Double](repeating: 0, count: s), aNext = a, g = [Double](repeating: 0, count: gh)
        for i in 0..<h { a[i] = adjoint[i] }
        var scale = CompensatedSum(), isZero = nrm2(a) == 0
        log10Norms = [Double?](repeating: nil, count: T)
        trajectory.reverseSweep(map: cell) { t, previous, x in
            guard !isZero && nonfiniteStep == nil else { return false }
            cell.hiddenWeightGradientFactor(previous, x, cotangent: a, into: &g, workspace: &ws)
            let ng = nrm2(g), nh = nrm2(previous, count: h)
            let log10Scale = scale.value / ln10
            if ng > 0 && nh > 0 { log10Norms[t - 1] = Foundation.log10(ng) + Foundation.log10(nh) + log10Scale }
            if keepTerms { factors.append((g, log10Scale)) }
            cell.vjp(previous, x, cotangent: a, into: &aNext, workspace: &ws)
            swap(&a, &aNext)
            let f = nrm2(a)
            if !f.isFinite {
                nonfiniteStep = t - 1
            } else if f > 0 {
                scal(1 / f, &a, count: s)
                scale.add(Foundation.log(f))
            } else { isZero = true }
            return true
        }
        if keepTerms { factors.reverse() }
    }
}
