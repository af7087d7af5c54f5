import COpenBLAS
import Foundation

/// The singular values of a long product A_k = B_k ⋯ B_2·B_1 of n×n matrices, every one of them to high
/// relative accuracy however many decades they span (σ_max·10^−300 and below, where an explicitly
/// formed product keeps nothing under σ_max·10^−16).
///
/// The product is held as A = Q·D·T (Loh et al. 1992; pre-pivoting as in Bai, Lee, Li & Xu 2011):
/// Q orthogonal, D = diag(e^{ℓ_i}) kept as logarithms ℓ_i (so nothing under- or overflows), T with
/// unit-norm rows. A step A ← B·A forms M = B·Q (Q kept as Householder reflectors), orders the
/// columns of M·D by decreasing norm (permutation Π, computed in log space), factors MΠ = Q′R̃ by
/// Householder QR and sets
///     D′ = diag(|R̃_ii|·d_{Π(i)}),   F = D′⁻¹·R̃·Πᵀ D Π (upper triangular, unit diagonal),
///     A = Q′·D′·(F·ΠᵀT),
/// then moves the row norms of F·ΠᵀT into D′. The grading lives in D; Q and T stay well conditioned.
///
/// σ(A) = σ(D·T) = σ(Tᵀ·D). One more such QR of Tᵀ·D gives the row-graded upper-triangular
/// R = D₂·F₂. Where the rows split into groups whose scales are ≥ 10^8 apart (every scale above the
/// split larger than every one below), R is block upper triangular with a negligible coupling:
/// the lower block's singular values are those of its own rows (the Schur complement of the upper
/// block vanishes), perturbed relatively by O(10^−16). Each group's singular values come from
/// one-sided Jacobi (dgesvj) on its rows, columns from the group's first onwards, scaled by the
/// group's largest d — an algorithm with high relative accuracy for such graded matrices (Demmel &
/// Veselić 1992). Groups spanning more than 250 decades are split at their widest gap.
///
/// The logarithms are carried as compensated (high, low) pairs, so 10⁴ factors keep log10 σ to
/// ~1e-12 relative. Steps allocate nothing; `singularValuesLog10()` allocates its result and dgesvj's
/// workspace.
public final class ProductSingularValues {
    public let size: Int
    /// Factors taken so far (0 after `init` or `reset`: A = I).
    public private(set) var factors = 0
    /// Q as dgeqrf left it: Householder vectors below the diagonal of `q`, their factors in `tau`.
    private var q: [Double], tau: [Double], tauScratch: [Double], work: [Double]
    private var t: [Double], logD: [Double], logDLow: [Double]
    private var m: [Double], f: [Double], scratch: [Double]
    /// log D′ of the last graded QR (high, low) and the permuted scales d′ (high, low).
    private var scaled: [Double], scaledLow: [Double], shuffled: [Double], shuffledLow: [Double], perm: [Int]

    public init(size n: Int) throws {
        guard n >= 1 else { throw LinalgError.invalidArgument(operation: "ProductSingularValues", detail: "size must be ≥ 1, got \(n)") }
        size = n
        q = [Double](repeating: 0, count: n * n)
        t = q; m = q; f = q; scratch = q
        logD = [Double](repeating: 0, count: n)
        logDLow = logD; scaled = logD; scaledLow = logD; shuffled = logD; shuffledLow = logD
        tau = logD; tauScratch = logD
        perm = Array(0..<n)
        // Workspace for dgeqrf and dormqr (query both, keep the larger).
        var w1 = 0.0, w2 = 0.0, a = 0.0, c = 0.0, tq = 0.0
        _ = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, Int32(n), Int32(n), &a, Int32(n), &tq, &w1, -1)
        _ = LAPACKE_dormqr_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "R")), Int8(UInt8(ascii: "N")), Int32(n), Int32(n), Int32(n),
                                &a, Int32(n), &tq, &c, Int32(n), &w2, -1)
        work = [Double](repeating: 0, count: Swift.max(Int(w1), Int(w2), 64 * n, 1))
        reset()
    }

    /// A ← I (Q = I is implicit while `factors` is 0).
    public func reset() {
        let n = size
        for i in 0..<(n * n) { t[i] = 0 }
        for i in 0..<n { t[i * n + i] = 1; logD[i] = 0; logDLow[i] = 0 }
        factors = 0
    }

    /// A ← B·A for the n×n matrix B stored column-major at `b` (a row-major buffer read this way is Bᵀ).
    public func multiply(left b: UnsafePointer<Double>) throws {
        let n = Int32(size)
        // M = B·Q: Q applied from the right as Householder reflectors (dormqr), never formed.
        m.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: b, count: size * size) }
        if factors > 0 {
            let info = LAPACKE_dormqr_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "R")), Int8(UInt8(ascii: "N")), n, n, n,
                                           q, n, tau, &m, n, &work, Int32(work.count))
            guard info == 0 else { throw LinalgError.lapackFailure(routine: "dormqr", info: info, shape: shapeString(size, size)) }
        }
        try gradedQR(scales: logD, low: logDLow, updatingQ: true)
        // T ← F·ΠᵀT: rows of T in the new order, then the triangular product.
        permuteRows(of: &t)
        cblas_dtrmm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, n, n, 1, f, n, &t, n)
        normaliseRows(&t, into: &logD, low: &logDLow)
        factors += 1
    }

    /// log10 σ_i(A), descending; −∞ for an exactly zero singular value.
    public func singularValuesLog10() throws -> [Double] {
        let n = size
        // M = Tᵀ: one graded QR of Tᵀ·D gives R = D₂·F₂ (upper triangular, rows graded).
        for c in 0..<n { for r in 0..<n { m[c * n + r] = t[r * n + c] } }
        try gradedQR(scales: logD, low: logDLow, updatingQ: false)
        var d2 = [Double](repeating: 0, count: n), d2Low = d2
        normaliseRows(&f, into: &d2, low: &d2Low)
        var out: [Double] = []
        out.reserveCapacity(n)
        for group in Self.groups(d2) { out += try groupSingularValuesLog10(rows: group, scales: d2, low: d2Low) }
        return out.sorted(by: >)
    }

    // MARK: - Steps

    /// Factors M·D (M in `m`, D = diag(e^scales)) as Q′·D′·F·Πᵀ: Q′ as reflectors into `q`/`tau` (or
    /// `scratch`/`tauScratch`, discarded, when `updatingQ` is false), F into `f`, log D′ into `scaled`, Π into `perm`.
    private func gradedQR(scales: [Double], low: [Double], updatingQ: Bool) throws {
        let n = size
        // Column scales log(‖M_j‖·d_j), largest first.
        for j in 0..<n {
            let norm = m.withUnsafeBufferPointer { cblas_dnrm2(Int32(n), $0.baseAddress! + j * n, 1) }
            shuffled[j] = norm > 0 && scales[j] > -.infinity ? Foundation.log(norm) + scales[j] : -.infinity
        }
        // Stable insertion sort, largest first: O(n²) next to the QR's O(n³), and no allocation.
        for j in 0..<n {
            let key = shuffled[j]
            var i = j
            while i > 0 && shuffled[perm[i - 1]] < key { perm[i] = perm[i - 1]; i -= 1 }
            perm[i] = j
        }
        for i in 0..<n { shuffled[i] = scales[perm[i]]; shuffledLow[i] = low[perm[i]] }   // d′_i = d_Π(i)
        if updatingQ { try factorPermuted(into: &q, tau: &tau) } else { try factorPermuted(into: &scratch, tau: &tauScratch) }
        // D′_i = |R̃_ii|·d′_i (a zero pivot: the row's largest |R̃_ij|·d′_j); F_ij = R̃_ij·d′_j / D′_i.
        for i in 0..<n {
            var s = -Double.infinity, sLow = 0.0
            let rii = abs(f[i * n + i])
            if rii > 0 && shuffled[i] > -.infinity {
                (s, sLow) = Self.sum(shuffled[i], shuffledLow[i], Foundation.log(rii))
            } else {
                for j in i..<n where f[j * n + i] != 0 && shuffled[j] > -.infinity {
                    let c = Self.sum(shuffled[j], shuffledLow[j], Foundation.log(abs(f[j * n + i])))
                    if c.high > s { (s, sLow) = c }
                }
            }
            scaled[i] = s; scaledLow[i] = sLow
            for j in i..<n {
                let r = f[j * n + i]
                if r == 0 || s == -.infinity || shuffled[j] == -.infinity { f[j * n + i] = 0; continue }
                // r·e^x, x = log(d′_j / D′_i); through logarithms only where e^x alone would overflow.
                let x = (shuffled[j] - s) + (shuffledLow[j] - sLow)
                f[j * n + i] = x < 700 ? r * Foundation.exp(x) : (r < 0 ? -1 : 1) * Foundation.exp(Foundation.log(abs(r)) + x)
            }
        }
    }

    /// Columns of M in the order `perm` into `dst`, then Householder QR (dgeqrf): reflectors stay in
    /// `dst` and `tau`, R̃ (upper triangle, zeros below) goes to `f`.
    private func factorPermuted(into dst: inout [Double], tau: inout [Double]) throws {
        let n = size
        m.withUnsafeBufferPointer { src in
            for i in 0..<n { for r in 0..<n { dst[i * n + r] = src[perm[i] * n + r] } }
        }
        let info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, Int32(n), Int32(n), &dst, Int32(n), &tau, &work, Int32(work.count))
        guard info == 0 else { throw LinalgError.lapackFailure(routine: "dgeqrf", info: info, shape: shapeString(n, n)) }
        for c in 0..<n { for r in 0..<n { f[c * n + r] = r <= c ? dst[c * n + r] : 0 } }
    }

    /// Rows of the column-major n×n `a` in the order `perm` (row i ← row perm[i]).
    private func permuteRows(of a: inout [Double]) {
        let n = size
        for c in 0..<n {
            for i in 0..<n { scratch[i] = a[c * n + perm[i]] }
            for i in 0..<n { a[c * n + i] = scratch[i] }
        }
    }

    /// (high + low) + x as a compensated pair (Knuth's TwoSum for the high parts).
    @inline(__always) static func sum(_ high: Double, _ low: Double, _ x: Double) -> (high: Double, low: Double) {
        let s = high + x, b = s - high
        return (s, low + ((high - (s - b)) + (x - b)))
    }

    /// Scales each row of the column-major n×n `a` to unit norm and sets
    /// `logScale[i] + low[i] = scaled[i] + scaledLow[i] + log ‖row i‖` (−∞ for a zero row).
    private func normaliseRows(_ a: inout [Double], into logScale: inout [Double], low: inout [Double]) {
        let n = size
        for i in 0..<n {
            let norm = a.withUnsafeBufferPointer { cblas_dnrm2(Int32(n), $0.baseAddress! + i, Int32(n)) }
            if norm > 0 && scaled[i] > -.infinity {
                a.withUnsafeMutableBufferPointer { cblas_dscal(Int32(n), 1 / norm, $0.baseAddress! + i, Int32(n)) }
                (logScale[i], low[i]) = Self.sum(scaled[i], scaledLow[i], Foundation.log(norm))
            } else {
                for c in 0..<n { a[c * n + i] = 0 }
                logScale[i] = -.infinity; low[i] = 0
            }
        }
    }

    // MARK: - Extraction

    /// Decoupling threshold and the widest span one group may have, in natural-log units.
    static let gap = 8 * Foundation.log(10.0), maxSpan = 250 * Foundation.log(10.0)

    /// Row groups [a, b) of R = D₂F₂: split wherever every scale above is ≥ 10^8 times every scale
    /// below; groups wider than 250 decades are split again at their widest internal gap.
    static func groups(_ d: [Double]) -> [Range<Int>] {
        func split(_ r: Range<Int>, minimumGap: Double) -> [Range<Int>] {
            guard r.count > 1 else { return [r] }
            var suffixMax = [Double](repeating: -.infinity, count: r.count + 1)
            for i in stride(from: r.count - 1, through: 0, by: -1) { suffixMax[i] = max(suffixMax[i + 1], d[r.lowerBound + i]) }
            var prefixMin = Double.infinity, cuts: [Int] = [], widest = (gap: -Double.infinity, at: 0)
            for i in 1..<r.count {
                prefixMin = min(prefixMin, d[r.lowerBound + i - 1])
                let g = prefixMin == -.infinity ? -Double.infinity : prefixMin - suffixMax[i]
                if g >= minimumGap { cuts.append(i) }
                if g > widest.gap { widest = (g, i) }
            }
            if cuts.isEmpty {
                let finite = d[r].filter { $0 > -.infinity }
                guard let hi = finite.max(), let lo = finite.min(), hi - lo > maxSpan, widest.gap > -.infinity else { return [r] }
                cuts = [widest.at]
            }
            let bounds = [0] + cuts + [r.count]
            return zip(bounds, bounds.dropFirst()).flatMap { a, b in
                let sub = (r.lowerBound + a)..<(r.lowerBound + b)
                return sub.count < r.count ? split(sub, minimumGap: minimumGap) : [sub]
            }
        }
        return split(0..<d.count, minimumGap: gap)
    }

    /// log10 σ of rows `rows` of R = D₂·F₂ (columns rows.lowerBound…n−1), by dgesvj on the transpose.
    private func groupSingularValuesLog10(rows: Range<Int>, scales d: [Double], low: [Double]) throws -> [Double] {
        let n = size, k = rows.count, w = n - rows.lowerBound
        guard let t = rows.max(by: { d[$0] < d[$1] }), d[t] > -.infinity else { return [Double](repeating: -.infinity, count: k) }
        let top = d[t], topLow = low[t]
        // C = Rᵀ restricted: w × k, column r = e^{d_r − top}·(row r of F₂ from column rows.lowerBound).
        var c = [Double](repeating: 0, count: w * k)
        for (col, r) in rows.enumerated() {
            let factor = d[r] == -.infinity ? 0 : Foundation.exp((d[r] - top) + (low[r] - topLow))
            for j in 0..<w { c[col * w + j] = factor * f[(rows.lowerBound + j) * n + r] }
        }
        var sva = [Double](repeating: 0, count: k), stat = [Double](repeating: 0, count: 6), v = [0.0]
        let info = LAPACKE_dgesvj(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "G")), Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "N")),
                                  Int32(w), Int32(k), &c, Int32(w), &sva, 0, &v, 1, &stat)
        guard info >= 0 else { throw LinalgError.lapackFailure(routine: "dgesvj", info: info, shape: shapeString(w, k)) }
        // dgesvj's σ_i are stat[0]·sva_i (stat[0] ≠ 1 when it had to scale to avoid over/underflow).
        let scale = stat[0] > 0 ? Foundation.log10(stat[0]) : 0
        let ln10 = Foundation.log(10.0), topLog10 = top / ln10 + topLow / ln10
        return sva.map { $0 > 0 ? Foundation.log10($0) + scale + topLog10 : -.infinity }
    }
}
