import Foundation

/// How often Benettin's method re-orthonormalises the tangent frame (`LyapunovOptions.interval`).
///
/// In exact arithmetic the interval changes nothing: the QR factors of J_T⋯J_1·Q_0 are unique (with
/// |r_ii| taken), and the diagonal of a product of upper-triangular factors is the product of their
/// diagonals, so Σ log|r_ii| over the blocks is the same for any grouping of the steps. What an
/// interval m changes is round-off: the product of m Jacobians has columns that grow like e^{m·λ_i},
/// and Householder QR recovers r_ii with a relative error of about u·‖Y‖/|r_ii| (u = 2⁻⁵³), i.e.
/// u·e^{m(λ_1 − λ_i)}. `.automatic` keeps that error below a stated bound, block by block.
public enum ReorthonormalizationInterval: Sendable, Equatable {
    /// QR every m ≥ 1 steps, unguarded (m = 1: every step, the textbook method).
    case every(Int)
    /// Blocks of 1 … `maximumBlock` steps (one dgemm per step, one QR per block), each accepted only
    /// when ρ = min_i |r_ii| / ‖Y‖_F ≥ `blockGuard`, else redone one step at a time (the m = 1 method,
    /// on the same Jacobians). The next block's length is planned from the last block (`plannedBlock`).
    case automatic

    /// The longest automatic block. The saving flattens beyond it: per step, one dgemm (2S³ at K = S)
    /// plus the block's QR divided by m.
    public static let maximumBlock = 16

    /// τ, the least ρ = min_i |r_ii| / ‖Y‖_F an automatic block of m > 1 steps may have. Householder QR
    /// of Y returns each r_ii with relative error ≲ c·u·‖Y‖_F/|r_ii| ≤ c·u/τ ≈ 10⁻¹³·c, which is a
    /// perturbation of the block of that relative size — within a factor ≈ 100 of what QR every step
    /// itself commits (ρ of one step is typically 10⁻¹ … 10⁻²; ρ ≤ 1/√K always). Exponents whose split
    /// is ill-conditioned amplify such perturbations (the GRU fixture's last pair by ≈ 3·10⁸,
    /// docs/diagnostics.md); with τ = 10⁻⁶ that pair moved by 10⁻⁵, beyond its test's tolerance, so τ
    /// is 10⁻³. Exactly singular factors (|r_ii| ≤ K·u·‖Y‖_F, counted as −∞) are far below τ, so a
    /// block holding one is always redone step by step and the −∞ detection is that of m = 1.
    public static let blockGuard = 1e-3

    /// The next automatic block length after a block of `steps` steps with ρ = min|r_ii|/‖Y‖_F and
    /// ‖Y‖_F = `norm` (K columns): log ρ shrinks about linearly in the block length (−log ρ ≈ m·(λ_1 −
    /// λ_K) + log √K), so m = ⌊¾·log(1/τ) / (−log ρ / steps)⌋ plans for ρ ≈ τ^{3/4} (headroom of τ^{−1/4}
    /// ≈ 5.6 for the block's own fluctuation); and ‖Y‖ ≈ √K·e^{m·g} (g = log(‖Y‖_F/√K)/steps) stays
    /// within e^{±300}, far from overflow and underflow. Clamped to 1 … `maximumBlock`; 1 after a
    /// non-finite or zero ρ.
    static func plannedBlock(rho: Double, norm: Double, columns k: Int, steps: Int) -> Int {
        guard rho > 0, rho.isFinite, norm > 0, norm.isFinite, steps >= 1 else { return 1 }
        let perStep = Double(steps)
        var m = Double(maximumBlock)
        let spread = -log(rho) / perStep
        if spread > 0 { m = Swift.min(m, 0.75 * -log(blockGuard) / spread) }
        let growth = abs(log(norm / Double(k).squareRoot())) / perStep
        if growth > 0 { m = Swift.min(m, 300 / growth) }
        return Swift.max(1, Int(m))
    }
}
