import Linalg

/// Pascanu et al. (2013)'s vanishing-gradient regularizer Ω (their eq. 9), as their code computes it
/// (`RNN.py`), for a vanilla cell h_t = φ(z_t), z_t = W_hh h_{t−1} + ….
///
/// With δ_t = ∂L/∂h_t (total derivative, B rows per step), a_t = δ_t ⊙ φ'(z_t) and
/// v_t = W_hhᵀ a_t = (∂L/∂h_t)·∂h_t/∂h_{t−1}, for t = 1 … T and every sequence b:
///
///     r_{t,b} = ‖v_{t,b}‖² / ‖δ_{t,b}‖²,   m_{t,b} = 1{‖δ_{t,b}‖² ≥ bound}   (bound = 1e−20)
///     Ω = Σ_t mean_b[m_{t,b}·(r_{t,b} − 1)²] / Σ_t mean_b[m_{t,b}]
///
/// Ω asks every backward step to preserve the norm of the error signal. As in their code, δ_t and
/// φ'(z_t) are held constant when differentiating ("we consider ∂L/∂h_{k+1} as constant"), so the
/// gradient is only through the explicit W_hh:
///
///     ∂Ω/∂W_hh = Σ_{t,b} c_{t,b}·a_{t,b} v_{t,b}ᵀ,   c_{t,b} = 4·m_{t,b}·(r_{t,b} − 1) / (‖δ_{t,b}‖²·B·N)
///
/// with N = Σ_t mean_b m_{t,b}. Work: two gemms over the stacked (T·B) × H blocks.
public struct VanishingGradientRegularizer: Sendable {
    /// Ω.
    public var value: Double
    /// ∂Ω/∂W_hh (H × H).
    public var gradient: Matrix
    /// N/T: the mean over steps of the fraction of sequences with ‖δ_t‖² ≥ bound
    /// (Pascanu et al.'s "steps in the past").
    public var reachedFraction: Double

    /// - Parameters:
    ///   - recurrentWeight: W_hh (H × H).
    ///   - stateGradients: δ_t, time-major T × B × H (`Gradients.hidden` of the recurrent core).
    ///   - activationDerivatives: φ'(z_t), time-major T × B × H.
    public init(recurrentWeight w: Matrix, stateGradients delta: [Double], activationDerivatives phi: [Double],
                batchSize b: Int, bound: Double = 1e-20) throws {
        let h = w.rows
        guard w.isSquare, delta.count == phi.count, b > 0, delta.count % (b * h) == 0 else {
            throw LinalgError.shapeMismatch(operation: "VanishingGradientRegularizer",
                detail: "W_hh \(w.shapeDescription), \(delta.count) gradients, \(phi.count) derivatives, B = \(b)")
        }
        let rows = delta.count / h, steps = rows / b
        var a = try Matrix(rows: rows, cols: h, elements: zip(delta, phi).map { $0 * $1 })
        let v = try matmul(a, w)                       // row (t, b) = a_{t,b}ᵀ W_hh = v_{t,b}ᵀ
        var squaredDelta = [Double](repeating: 0, count: rows), ratio = squaredDelta
        var masked = [Bool](repeating: false, count: rows)
        var total = 0.0, reached = 0.0
        v.withUnsafeBufferPointer { vp in
            for r in 0..<rows {
                var dd = 0.0, vv = 0.0
                for j in 0..<h { dd += delta[r * h + j] * delta[r * h + j]; vv += vp[r * h + j] * vp[r * h + j] }
                squaredDelta[r] = dd
                guard dd >= bound else { continue }
                masked[r] = true
                ratio[r] = vv / dd
                total += (ratio[r] - 1) * (ratio[r] - 1)
                reached += 1
            }
        }
        // Σ_t mean_b over the masked (t, b): both sums share the 1/B factor.
        let n = reached / Double(b)
        value = n > 0 ? total / Double(b) / n : 0
        reachedFraction = n / Double(steps)
        // Scale row (t, b) of A by c_{t,b}; then ∂Ω/∂W = (diag(c)·A)ᵀ·V.
        a.withUnsafeMutableBufferPointer { ap in
            for r in 0..<rows {
                let c = masked[r] && n > 0 ? 4 * (ratio[r] - 1) / (squaredDelta[r] * Double(b) * n) : 0
                for j in 0..<h { ap[r * h + j] *= c }
            }
        }
        gradient = try matmul(a, v, transA: .transpose)
    }
}
