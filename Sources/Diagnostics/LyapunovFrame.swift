import Foundation
import Linalg

/// The orthonormal frame Q (S×K) of Benettin's method and the products J·Q, J·Y of a block, on
/// buffers allocated once (no allocation per step).
///
/// **Layout.** Q and Y are column-major S×K (the row-major K×S buffers), as LAPACK wants them; a
/// Jacobian is row-major S×S, i.e. column-major Jᵀ.
///
/// **Q is never formed when it need not be.** With Householder QR and 2K ≥ S (the full spectrum, and
/// partial spectra of at least half the state), a factorisation is dgeqrt (blocked, recursive panels):
/// Q stays as the compact factors (Householder vectors below R, and the blocks' T factors), and the
/// next block's first product is
///
///     Y = J·Q = (J·H_1⋯H_K) restricted to its first K columns      (J transposed into column-major, then dgemqrt from the right)
///
/// so a re-orthonormalisation costs dgeqrt + dgemqrt (≈ 4/3·S³ + 2·S³ at K = S; dlarfb/GEMM-rich)
/// instead of dgemm + dgeqrf + dorgqr (≈ 2·S³ + 4/3·S³ + 4/3·S³). Measured at S = 256 on OpenBLAS
/// 0.3.21 (one thread, CPU time per call, medians of 300 interleaved): dgemm 0.74 ms, dgeqrf 1.36,
/// dorgqr 1.32, dormqr from the right 1.24; dgeqrt (nb = 32) 1.28, dgemqrt from the right 1.09
/// (docs/linalg.md). For K < S/2, applying Q to the whole S×S J (4S²K − 2SK² flops) would cost more
/// than dgemm + dorgqr (2S²K + 4SK² − 4K³/3), so Q is formed there, as it
/// is by CholeskyQR (`QRMethod.choleskyQR`, `.choleskyQR2`), whose Q is explicit anyway. The first
/// product of a run uses the explicit Q_0 (a dgemm).
///
/// **One CholeskyQR pass** (`.choleskyQR`, the default of `LyapunovOptions`) leaves a Q that is
/// orthonormal only to ≈ κ(Y)²·u: Q = Q̃·R̃ with R̃ = I + O(κ²u) upper triangular. It spans the same
/// nested spaces as Y, so the next steps are unchanged, and R̃ passes into the next factor; the sum of
/// log r_ii over a run telescopes to the exact one up to log r̃_ii of the last Q minus that of the first
/// (`basisLogScale`, which `LyapunovSpectrum` adds).
final class LyapunovFrame {
    let rows: Int, cols: Int
    /// Whether factorisations keep Q compact (dgeqrf only) and products apply it by dormqr.
    let compact: Bool
    private let qr: QRWorkspace
    /// The current Q: explicit, or compact factors with the T factors `basisTau` when `basisIsCompact`.
    private var basis: [Double], basisTau: [Double], basisIsCompact = false
    /// The block product Y, the spare buffer of Y ← J·Y, the T factors of Y's factorisation.
    private var y: [Double], spare: [Double], yTau: [Double]
    /// Compact path: J column-major, then J·Q_full (S×S).
    private var square: [Double]

    /// How many factorisations CholeskyQR2's guard sent to Householder.
    var fallbacks: Int { qr.fallbacks }

    /// Starts from the explicit orthonormal Q_0 (column-major S×K); `compact: false` always forms Q.
    init(initial q: [Double], rows s: Int, cols k: Int, method: QRMethod, compact allowed: Bool = true) throws {
        rows = s; cols = k
        compact = allowed && method == .householder && 2 * k >= s
        qr = try QRWorkspace(rows: s, cols: k, method: method)
        basis = q
        basisTau = [Double](repeating: 0, count: qr.compactFactorCount)
        y = q; spare = q; yTau = basisTau
        square = [Double](repeating: 0, count: compact ? s * s : 0)
    }

    /// Y ← J·Q for the row-major S×S Jacobian `jac`.
    func start(jacobian jac: [Double]) throws {
        let s = rows, k = cols
        guard basisIsCompact else {
            // Yᵀ = Qᵀ·Jᵀ in row-major terms: the column-major Y = J·Q.
            gemm(.none, .transpose, m: k, n: s, k: s, basis, lda: s, jac, ldb: s, beta: 0, &y, ldc: s)
            return
        }
        // square ← J column-major (the transpose of the row-major buffer), then J·H_1⋯H_K in place.
        jac.withUnsafeBufferPointer { j in
            square.withUnsafeMutableBufferPointer { c in
                let tile = 32
                for i0 in stride(from: 0, to: s, by: tile) {
                    for j0 in stride(from: 0, to: s, by: tile) {
                        for i in i0..<Swift.min(i0 + tile, s) {
                            for jj in j0..<Swift.min(j0 + tile, s) { c[jj * s + i] = j[i * s + jj] }
                        }
                    }
                }
            }
        }
        try basis.withUnsafeBufferPointer { b in
            try basisTau.withUnsafeBufferPointer { t in
                try square.withUnsafeMutableBufferPointer { c in
                    try qr.applyQ(factors: b.baseAddress!, leadingDimension: s, t: t.baseAddress!, to: c.baseAddress!, rowsOfC: s, ldc: s)
                }
            }
        }
        // Y = the first K columns (contiguous in column-major).
        if k == s { swap(&y, &square) } else { y.withUnsafeMutableBufferPointer { yb in square.withUnsafeBufferPointer { yb.baseAddress!.update(from: $0.baseAddress!, count: s * k) } } }
    }

    /// Y ← J·Y.
    func advance(jacobian jac: [Double]) {
        let s = rows, k = cols
        gemm(.none, .transpose, m: k, n: s, k: s, y, lda: s, jac, ldb: s, beta: 0, &spare, ldc: s)
        swap(&y, &spare)
    }

    /// ‖Y‖_F (before it is factored).
    var productNorm: Double { frobeniusNorm(y, rows: cols, cols: rows, ld: rows) }

    /// Y = Q·R: writes R's diagonal; Q replaces the frame only on `adopt()`, so a block can be refused
    /// and redone from the same Q.
    func factor(rDiagonal: inout [Double]) throws {
        try y.withUnsafeMutableBufferPointer { yb in
            if compact {
                try yTau.withUnsafeMutableBufferPointer { try qr.factorCompact(yb.baseAddress!, leadingDimension: rows, t: $0.baseAddress!, rDiagonal: &rDiagonal) }
            } else {
                try qr.factor(yb.baseAddress!, leadingDimension: rows, rDiagonal: &rDiagonal)
            }
        }
    }

    /// Whether Q may be orthonormal only to ≈ κ²u (one CholeskyQR pass), so that a run's Σ log r_ii needs
    /// `basisLogScale` at its two ends.
    var basisMayBeSkewed: Bool { qr.method == .choleskyQR }

    /// log|r̃_ii| of the current explicit Q = Q̃·R̃ (Householder R of a copy; Q unchanged): ≈ 0 for an
    /// orthonormal Q, O(κ²u) after a CholeskyQR pass. Only for `basisMayBeSkewed` frames.
    func basisLogScale(into out: inout [Double]) throws {
        try basis.withUnsafeBufferPointer { b in
            try qr.householderRDiagonal(b.baseAddress!, leadingDimension: rows, rDiagonal: &out)
        }
        for i in 0..<cols { out[i] = Foundation.log(abs(out[i])) }
    }

    /// The last factorisation's Q becomes the frame.
    func adopt() {
        swap(&basis, &y)
        swap(&basisTau, &yTau)
        basisIsCompact = compact
    }
}
