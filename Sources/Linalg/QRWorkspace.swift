import COpenBLAS

/// In-place Householder QR of a column-major m×n block (m ≥ n) with preallocated workspace,
/// for hot loops such as Benettin's Lyapunov method or log-domain Jacobian products.
///
/// `factor(_:leadingDimension:rDiagonal:)` overwrites A with the m×n Q (orthonormal columns) and
/// writes R's diagonal. No allocation after `init`. Column-major because LAPACK is: a row-major
/// n×m buffer *is* the column-major m×n matrix, so callers can keep products in whichever
/// orientation suits their gemm.
///
/// `method: .choleskyQR2` factors by CholeskyQR2 instead, `.choleskyQR` by one CholeskyQR pass (see
/// `QRMethod`): level-3 BLAS only, each with a guard that falls back to Householder on the same input
/// (`fallbacks` counts them).
public final class QRWorkspace {
    public let rows: Int
    public let cols: Int
    public let method: QRMethod
    /// How many `factor` calls of a CholeskyQR workspace took the Householder fallback.
    public private(set) var fallbacks = 0
    private var tau: [Double]
    private var work: [Double]
    /// CholeskyQR scratch: the n×n Gram matrix / Cholesky factor, R₁'s diagonal, a copy of A (CholeskyQR2's
    /// restore, `householderRDiagonal`'s input), the two vectors of the condition estimate.
    private var gram: [Double] = [], firstDiagonal: [Double] = [], copy: [Double] = [], probe: [Double] = [], start: [Double] = []

    public init(rows: Int, cols: Int, method: QRMethod = .householder) throws {
        guard rows >= cols, cols >= 1 else {
            throw LinalgError.invalidArgument(operation: "QRWorkspace", detail: "needs rows ≥ cols ≥ 1, got \(shapeString(rows, cols))")
        }
        self.rows = rows
        self.cols = cols
        tau = [Double](repeating: 0, count: cols)
        // Workspace query for both routines; take the larger.
        var q1 = 0.0, q2 = 0.0, dummyA = 0.0, dummyT = 0.0
        _ = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, Int32(rows), Int32(cols), &dummyA, Int32(rows), &dummyT, &q1, -1)
        _ = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, Int32(rows), Int32(cols), Int32(cols), &dummyA, Int32(rows), &dummyT, &q2, -1)
        // dgeqrt needs nb·n, dgemqrt from the right on an m×m block m·nb (nb ≤ 32 < 64).
        work = [Double](repeating: 0, count: Swift.max(Int(q1), Int(q2), rows * 64, 1))
        self.method = method
        if method != .householder {
            gram = [Double](repeating: 0, count: cols * cols)
            firstDiagonal = [Double](repeating: 0, count: cols)
            copy = [Double](repeating: 0, count: rows * cols)
            probe = [Double](repeating: 0, count: cols)
            // A fixed start for the inverse iteration (any vector not orthogonal to the least singular
            // direction will do; a random one almost surely is not).
            var random = RandomStream(seed: 0x51_6E_61_6C)
            start = random.normals(cols)
            let norm = start.withUnsafeBufferPointer { cblas_dnrm2(Int32(cols), $0.baseAddress, 1) }
            for i in 0..<cols { start[i] /= norm }
        }
    }

    /// Overwrites the column-major m×n matrix at `a` (leading dimension ≥ m) with Q, and writes the
    /// n diagonal entries of R to `rDiagonal`. Throws on a LAPACK failure (an illegal argument).
    public func factor(_ a: UnsafeMutablePointer<Double>, leadingDimension lda: Int,
                       rDiagonal: UnsafeMutablePointer<Double>) throws {
        switch method {
        case .householder: break
        case .choleskyQR: if choleskyQR(a, lda: lda, rDiagonal: rDiagonal) { return }; fallbacks += 1
        case .choleskyQR2: if choleskyQR2(a, lda: lda, rDiagonal: rDiagonal) { return }; fallbacks += 1
        }
        try householder(a, lda: lda, rDiagonal: rDiagonal)
    }

    /// R's diagonal of A = Q·R by Householder (dgeqrf on a copy; A is left unchanged), whatever
    /// `method` says: what a caller uses to measure how far from orthonormal a `.choleskyQR` Q is
    /// (its R is I + O(κ²u)). A workspace of `.householder` has no copy buffer and throws.
    public func householderRDiagonal(_ a: UnsafePointer<Double>, leadingDimension lda: Int,
                                     rDiagonal: UnsafeMutablePointer<Double>) throws {
        guard copy.count == rows * cols else {
            throw LinalgError.invalidArgument(operation: "QRWorkspace.householderRDiagonal", detail: "needs a CholeskyQR workspace (it factors a copy)")
        }
        let m = Int32(rows), n = Int32(cols), lw = Int32(work.count)
        let info = copy.withUnsafeMutableBufferPointer { c in
            for j in 0..<cols { (c.baseAddress! + j * rows).update(from: a + j * lda, count: rows) }
            return tau.withUnsafeMutableBufferPointer { t in
                work.withUnsafeMutableBufferPointer { w in
                    LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, m, n, c.baseAddress, m, t.baseAddress, w.baseAddress, lw)
                }
            }
        }
        guard info == 0 else { throw LinalgError.lapackFailure(routine: "dgeqrf", info: info, shape: shapeString(rows, cols)) }
        for j in 0..<cols { rDiagonal[j] = copy[j * rows + j] }
    }

    private func householder(_ a: UnsafeMutablePointer<Double>, lda: Int, rDiagonal: UnsafeMutablePointer<Double>) throws {
        let m = Int32(rows), n = Int32(cols), ld = Int32(lda), lw = Int32(work.count)
        let info1 = tau.withUnsafeMutableBufferPointer { t in
            work.withUnsafeMutableBufferPointer { w in
                LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, m, n, a, ld, t.baseAddress, w.baseAddress, lw)
            }
        }
        guard info1 == 0 else { throw LinalgError.lapackFailure(routine: "dgeqrf", info: info1, shape: shapeString(rows, cols)) }
        for j in 0..<cols { rDiagonal[j] = a[j * lda + j] }
        let info2 = tau.withUnsafeMutableBufferPointer { t in
            work.withUnsafeMutableBufferPointer { w in
                LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, m, n, n, a, ld, t.baseAddress, w.baseAddress, lw)
            }
        }
        guard info2 == 0 else { throw LinalgError.lapackFailure(routine: "dorgqr", info: info2, shape: shapeString(rows, cols)) }
    }

    /// The block size nb of compact factorisations: min(32, n).
    public var compactBlock: Int { Swift.min(32, cols) }
    /// How many values the block reflectors' T factors of a compact factorisation take (nb·n).
    public var compactFactorCount: Int { compactBlock * cols }

    /// Compact Householder QR (dgeqrt, blocks of nb = `compactBlock` columns, each panel by LAPACK's
    /// recursive dgeqrt3 — Elmroth & Gustavson 2000 — so the panel work is level-3 too; Householder
    /// whatever `method` says): overwrites the column-major m×n matrix at `a` with R (upper triangle)
    /// and the Householder vectors v_j below the diagonal (v_j(j) = 1 implied), writes the upper
    /// triangular nb×nb T factors of the blocks (compact WY: H_{b+1}⋯H_{b+nb} = I − V·T·Vᵀ) to `t`
    /// (`compactFactorCount` values, leading dimension nb) and R's diagonal to `rDiagonal`. Q is never
    /// formed: `applyQ` applies it. 2mn² − 2n³/3 flops (plus the T factors); `factor`'s dorgqr, another
    /// 2mn² − 2n³/3, is saved.
    public func factorCompact(_ a: UnsafeMutablePointer<Double>, leadingDimension lda: Int, t: UnsafeMutablePointer<Double>,
                              rDiagonal: UnsafeMutablePointer<Double>) throws {
        let nb = compactBlock
        let info = work.withUnsafeMutableBufferPointer { w in
            LAPACKE_dgeqrt_work(LAPACK_COL_MAJOR, Int32(rows), Int32(cols), Int32(nb), a, Int32(lda), t, Int32(nb), w.baseAddress)
        }
        guard info == 0 else { throw LinalgError.lapackFailure(routine: "dgeqrt", info: info, shape: shapeString(rows, cols)) }
        for j in 0..<cols { rDiagonal[j] = a[j * lda + j] }
    }

    /// C ← C·Q (dgemqrt from the right: dlarfb with the stored T factors, level-3), with Q = H_1⋯H_n
    /// the full m×m orthogonal factor of a `factorCompact` result (`factors`, `t`). C is column-major
    /// `rowsOfC`×m (1 ≤ rowsOfC ≤ m) with leading dimension `ldc` ≥ rowsOfC; its first n columns are
    /// then C·Q_thin, the product with the thin Q without forming it (4·rowsOfC·m·n − 2·rowsOfC·n²
    /// flops; 2m³ in the square case, as one gemm). From the right because OpenBLAS 0.3.21 runs the
    /// transposed product from the left ≈ 1.3× slower at m = 256 (docs/linalg.md).
    public func applyQ(factors: UnsafePointer<Double>, leadingDimension lda: Int, t: UnsafePointer<Double>,
                       to c: UnsafeMutablePointer<Double>, rowsOfC: Int, ldc: Int) throws {
        guard rowsOfC >= 1, rowsOfC <= rows, ldc >= rowsOfC else {
            throw LinalgError.invalidArgument(operation: "QRWorkspace.applyQ", detail: "needs 1 ≤ rows of C ≤ \(rows) and ldc ≥ rows of C, got \(rowsOfC) and \(ldc)")
        }
        let nb = compactBlock
        let info = work.withUnsafeMutableBufferPointer { w in
            LAPACKE_dgemqrt_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "R")), Int8(UInt8(ascii: "N")), Int32(rowsOfC), Int32(rows), Int32(cols),
                                 Int32(nb), factors, Int32(lda), t, Int32(nb), c, Int32(ldc), w.baseAddress)
        }
        guard info == 0 else { throw LinalgError.lapackFailure(routine: "dgemqrt", info: info, shape: shapeString(rowsOfC, rows)) }
    }

    /// The largest |QᵀQ − I| entry after the first CholeskyQR pass that the second pass accepts:
    /// it is ≈ κ(A)²·u, so 1e-3 admits κ(A) ≲ 3·10⁶ — well inside CholeskyQR2's proven range
    /// (κ ≲ u^{-1/2}/√(mn)) — and leaves Q₁ so well conditioned (κ(Q₁) ≤ 1.001) that the second
    /// pass is exact to O(u).
    public static let orthogonalityGuard = 1e-3

    /// CholeskyQR2 in place; false (A restored) when a Cholesky fails, the first pass lost too much
    /// orthogonality (`orthogonalityGuard`), or anything is non-finite.
    private func choleskyQR2(_ a: UnsafeMutablePointer<Double>, lda: Int, rDiagonal: UnsafeMutablePointer<Double>) -> Bool {
        let m = rows, n = cols
        copy.withUnsafeMutableBufferPointer { c in for j in 0..<n { (c.baseAddress! + j * m).update(from: a + j * lda, count: m) } }
        func restore() {
            copy.withUnsafeBufferPointer { c in for j in 0..<n { (a + j * lda).update(from: c.baseAddress! + j * m, count: m) } }
        }
        let ok: Bool = gram.withUnsafeMutableBufferPointer { gb in
            let g = gb.baseAddress!
            for pass in 0..<2 {
                // G = AᵀA (upper triangle), R = chol(G), A ← A·R⁻¹.
                formGram(a, lda: lda, into: g)
                if pass == 1 {
                    var worst = 0.0
                    for j in 0..<n { for i in 0...j { worst = Swift.max(worst, abs(g[j * n + i] - (i == j ? 1 : 0))) } }
                    guard worst <= Self.orthogonalityGuard else { return false }   // NaN fails too
                }
                guard choleskyInPlace(g) else { return false }
                for j in 0..<n {
                    let r = g[j * n + j]
                    if pass == 0 { firstDiagonal[j] = r } else { rDiagonal[j] = r * firstDiagonal[j] }
                }
                solveRight(a, lda: lda, by: g)
            }
            return true
        }
        if !ok { restore() }
        return ok
    }

    /// The largest estimated loss of orthogonality ω̂ (below) with which one CholeskyQR pass is accepted.
    /// ω̂ bounds ‖QᵀQ − I‖₂ to first order (in practice it overestimates it 10⁵-fold and more: on Y of
    /// the Lyapunov benchmark's kind of map, ω up to 0.7 came with max |QᵀQ − I| ≤ 3·10⁻⁶), so an
    /// accepted Q has κ(Q) ≲ 1.14; and an exactly singular A has ω ≥ 1 (below), so it always falls back.
    public static let lossOfOrthogonalityGuard = 0.125

    /// One CholeskyQR pass in place: G = AᵀA (dsyrk), R = chol(G) (dpotrf), A ← A·R⁻¹ (dtrsm). False,
    /// with A untouched, when the Cholesky fails, a pivot is not finite and positive, or
    ///
    ///     ω̂ = (m + n)·u·‖A‖_F²·‖R⁻¹‖₂²  >  `lossOfOrthogonalityGuard`      (u = 2⁻⁵³)
    ///
    /// ‖A‖_F² = trace(G); ‖R⁻¹‖₂² = ‖(RᵀR)⁻¹‖₂ is estimated from below by two steps of inverse iteration
    /// (four dtrsv, O(n²)) from a fixed random unit vector. Why ω̂: the computed R satisfies RᵀR = AᵀA + E
    /// with ‖E‖₂ ≤ (γ_m + γ_{n+1})·‖A‖_F² (the rounding of dsyrk and of Cholesky, Higham Thm 10.3), and
    /// QᵀQ − I = −R⁻ᵀ·E·R⁻¹ to first order, so ‖QᵀQ − I‖₂ ≲ ω̂. If A is exactly singular, RᵀR − E is,
    /// so σ_min(R)² ≤ ‖E‖₂ and ω ≥ (m + n)/(m + n + 1) ≈ 1 > the guard: Householder (and its exact-zero
    /// r_ii) takes over.
    private func choleskyQR(_ a: UnsafeMutablePointer<Double>, lda: Int, rDiagonal: UnsafeMutablePointer<Double>) -> Bool {
        let n = cols
        return gram.withUnsafeMutableBufferPointer { gb in
            let g = gb.baseAddress!
            formGram(a, lda: lda, into: g)
            var trace = 0.0
            for j in 0..<n { trace += g[j * n + j] }
            guard trace.isFinite, choleskyInPlace(g) else { return false }
            // Inverse iteration on RᵀR: x ← (RᵀR)⁻¹x / ‖·‖; ν = ‖(RᵀR)⁻¹x‖ for the unit x of the last step.
            var nu = 0.0
            probe.withUnsafeMutableBufferPointer { xb in
                start.withUnsafeBufferPointer { xb.baseAddress!.update(from: $0.baseAddress!, count: n) }
                let x = xb.baseAddress!
                for _ in 0..<2 {
                    cblas_dtrsv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, Int32(n), g, Int32(n), x, 1)
                    cblas_dtrsv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, Int32(n), g, Int32(n), x, 1)
                    nu = cblas_dnrm2(Int32(n), x, 1)
                    guard nu.isFinite, nu > 0 else { nu = .infinity; return }
                    cblas_dscal(Int32(n), 1 / nu, x, 1)
                }
            }
            let omega = Double(rows + n) * Double.ulpOfOne / 2 * trace * nu
            guard omega <= Self.lossOfOrthogonalityGuard else { return false }   // NaN fails too
            for j in 0..<n { rDiagonal[j] = g[j * n + j] }
            solveRight(a, lda: lda, by: g)
            return true
        }
    }

    /// g ← the upper triangle of AᵀA (dsyrk), n×n.
    private func formGram(_ a: UnsafeMutablePointer<Double>, lda: Int, into g: UnsafeMutablePointer<Double>) {
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, Int32(cols), Int32(rows), 1, a, Int32(lda), 0, g, Int32(cols))
    }

    /// g ← chol(g) (upper, dpotrf); false unless it succeeded with finite positive pivots.
    private func choleskyInPlace(_ g: UnsafeMutablePointer<Double>) -> Bool {
        let n = cols
        guard LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int32(n), g, Int32(n)) == 0 else { return false }
        for j in 0..<n {
            let r = g[j * n + j]
            guard r.isFinite, r > 0 else { return false }
        }
        return true
    }

    /// A ← A·R⁻¹ for the upper triangular R in g (dtrsm).
    private func solveRight(_ a: UnsafeMutablePointer<Double>, lda: Int, by g: UnsafeMutablePointer<Double>) {
        cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, Int32(rows), Int32(cols), 1, g, Int32(cols), a, Int32(lda))
    }
}

/// How `QRWorkspace` factors.
///
/// - `householder`: LAPACK dgeqrf + dorgqr (unconditionally stable; in OpenBLAS 0.3.21 bound by
///   unblocked panel work at n ≈ 256).
/// - `choleskyQR2`: CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa & Yamamoto 2014; Yamamoto et al.
///   2015): R₁ = chol(AᵀA), Q₁ = A·R₁⁻¹, then once more on Q₁: Q = Q₁·R₂⁻¹, R = R₂·R₁ (its diagonal is
///   r₂ᵢᵢ·r₁ᵢᵢ, positive), two dsyrk + dpotrf + dtrsm — level-3 BLAS throughout. Orthogonal to
///   O(u) with a backward-stable R when κ(A) ≲ u^{-1/2}; the guard (`QRWorkspace.orthogonalityGuard`,
///   a failed Cholesky, a non-positive or non-finite pivot) sends every other input, e.g. an exactly
///   singular A, to the Householder path, so nothing is lost in accuracy or robustness.
/// - `choleskyQR`: the first of those passes only (dsyrk + dpotrf + dtrsm, ≈ 2.3·n²·m flops at m = n
///   against 4·n²·m − 4n³/3 for Householder with Q formed). A = Q·R holds to O(u) column by column
///   (dtrsm is backward stable), and Q = A·R⁻¹ with R upper triangular spans exactly A's nested column
///   spaces span(a_1 … a_j) (up to that rounding); but QᵀQ = I only to ≈ κ(A)²·u (first order), and R
///   differs from Householder's by the triangular factor of that Q. For callers that only need the
///   nested spaces and R up to such a factor — Benettin's Lyapunov method, whose Σ log r_ii telescopes
///   (docs/diagnostics.md). Guarded by an estimate of the loss of orthogonality
///   (`QRWorkspace.lossOfOrthogonalityGuard`); exactly singular A fall back to Householder.
public enum QRMethod: Sendable, Equatable {
    case householder
    case choleskyQR2
    case choleskyQR
}
