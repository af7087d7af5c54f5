import Foundation
import Linalg

/// The non-normal kinds (docs/initializers.md, *Non-normal kinds*): matrices whose eigenvalues are
/// prescribed but whose powers can grow far beyond ρ^k before they decay (Orhan & Pitkow 2020).
extension InitSpec {
    /// `chain`: W = d·I + α·S with S the down-shift (S_{i+1,i} = 1: unit i feeds unit i + 1), α = `gain`
    /// (default 1), d = `diagonal` (default 0). Lower triangular, so every eigenvalue is d; for d = 0 it
    /// is nilpotent (W^n = 0). ‖W^k‖₂ ≥ max_j C(k, j)·|d|^{k−j}·α^j (the largest entry of W^k) grows
    /// while k·α·(1−|d|)/|d| ≳ 1 although ρ(W) = |d| < 1.
    func chainMatrix(rows: Int, cols: Int) throws -> Matrix {
        guard rows == cols else { throw InitError("kind 'chain' needs a square matrix, got \(rows)×\(cols)") }
        var m = Matrix(rows: rows, cols: cols)
        let alpha = gain ?? 1, d = diagonal ?? 0
        for i in 0..<rows {
            m[i, i] = d
            if i + 1 < rows { m[i + 1, i] = alpha }
        }
        return m
    }

    /// `schur`: W = Q·(D + N)·Qᵀ, a real Schur form. D is the block-diagonal matrix of
    /// `eigenvalue_moduli`/`eigenvalue_phases` (as the prescribed-eigenvalue construction: 2×2
    /// rotation–scaling blocks for conjugate pairs, default phases uniform(0, π)), N is strictly upper
    /// triangular outside those blocks with N_ij ~ N(0, s²/n), s = `off_diagonal` (default 1), and Q is
    /// Haar orthogonal. D + N is block upper triangular, so the eigenvalues of W are exactly those of D
    /// (moduli as given); N sets how non-normal W is (‖N‖_F ≈ s·√((n − 1)/2)). Draws: D, then N
    /// row by row, then Q.
    func schurMatrix(rows: Int, cols: Int, rng: inout RandomStream) throws -> Matrix {
        guard rows == cols else { throw InitError("kind 'schur' needs a square matrix, got \(rows)×\(cols)") }
        let n = rows
        var t = try InitSpec.eigenvalueBlocks(moduli: eigenvalueModuli, phases: eigenvaluePhases, n: n, rng: &rng)
        let std = (offDiagonal ?? 1) / Double(n).squareRoot()
        for i in 0..<n {
            // Column i + 1 is inside i's 2×2 block when the block couples them (t[i+1, i] ≠ 0).
            let first = i + 1 < n && t[i + 1, i] != 0 ? i + 2 : i + 1
            guard first < n else { continue }
            for j in first..<n { t[i, j] += rng.normal(mean: 0, std: std) }
        }
        let q = try haarOrthogonal(rows: n, cols: n, rng: &rng)
        return try matmul(try matmul(q, t), q, transB: .transpose)
    }
}
