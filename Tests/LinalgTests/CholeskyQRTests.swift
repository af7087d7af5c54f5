import Foundation
import Linalg
import Testing

/// CholeskyQR2 (`QRMethod.choleskyQR2`) against Householder: the same |r_ii| and an orthonormal Q on
/// well-conditioned inputs without a fallback; the guard sends ill-conditioned and exactly singular
/// inputs to Householder (counted), whose result is then returned unchanged.
@Suite struct CholeskyQRTests {
    /// Factors the column-major m×n `a` both ways: (|r_ii| CholeskyQR2 or `method`, |r_ii| Householder, Q, fallbacks).
    private func factorBoth(_ a: [Double], m: Int, n: Int, method: QRMethod = .choleskyQR2) throws
        -> (fast: [Double], reference: [Double], q: [Double], refQ: [Double], fallbacks: Int) {
        let fast = try QRWorkspace(rows: m, cols: n, method: method), ref = try QRWorkspace(rows: m, cols: n)
        var q = a, refQ = a
        var d1 = [Double](repeating: 0, count: n), d2 = d1
        try q.withUnsafeMutableBufferPointer { try fast.factor($0.baseAddress!, leadingDimension: m, rDiagonal: &d1) }
        try refQ.withUnsafeMutableBufferPointer { try ref.factor($0.baseAddress!, leadingDimension: m, rDiagonal: &d2) }
        return (d1.map(abs), d2.map(abs), q, refQ, fast.fallbacks)
    }

    private func orthogonality(_ q: [Double], m: Int, n: Int) throws -> Double {
        let qm = try Matrix(rows: n, cols: m, elements: q)   // row-major n×m = Qᵀ
        return maxAbsDifference(try matmul(qm, qm, transB: .transpose), .identity(n))
    }

    @Test(arguments: [(256, 256), (256, 64), (40, 40), (9, 3)])
    func matchesHouseholderOnWellConditionedInputs(shape: (m: Int, n: Int)) throws {
        let (m, n) = shape
        let a = randomMatrix(n, m, seed: UInt64(m * 1000 + n)).elements
        let r = try factorBoth(a, m: m, n: n)
        #expect(r.fallbacks == 0)
        for j in 0..<n {
            #expect(abs(r.fast[j] - r.reference[j]) <= 1e-12 * r.reference[j], "r_\(j)\(j): \(r.fast[j]) vs \(r.reference[j])")
        }
        #expect(try orthogonality(r.q, m: m, n: n) < 1e-13)
        // Q·R reproduces A: column j of Q times r_jj is A's component along q_j; check via |QᵀA| = |R|'s diagonal.
        let qm = try Matrix(rows: n, cols: m, elements: r.q), am = try Matrix(rows: n, cols: m, elements: a)
        let qta = try matmul(qm, am, transB: .transpose)   // n×n = Qᵀ·A (column-major view) = R
        for j in 0..<n { #expect(abs(abs(qta[j, j]) - r.reference[j]) <= 1e-12 * r.reference[j]) }
    }

    /// Columns graded over 10 decades are no trouble for CholeskyQR (Cholesky's relative accuracy is
    /// invariant under column scaling): no fallback, every |r_ii| to 1e-12 relative.
    @Test func gradedColumnsNeedNoFallback() throws {
        let m = 64, n = 32
        var a = randomMatrix(n, m, seed: 77).elements
        for j in 0..<n { let s = Foundation.pow(10, -10 * Double(j) / Double(n - 1)); for i in 0..<m { a[j * m + i] *= s } }
        let r = try factorBoth(a, m: m, n: n)
        #expect(r.fallbacks == 0)
        for j in 0..<n { #expect(abs(r.fast[j] - r.reference[j]) <= 1e-12 * r.reference[j]) }
    }

    /// A = U·diag(σ)·Vᵀ with σ over 10 decades and random orthogonal U, V (κ = 10¹⁰ > u^{-1/2}, not
    /// removable by column scaling): the guard must take Householder, whose result comes back unchanged;
    /// likewise one CholeskyQR pass at κ = 10⁸ (its ω ≫ `lossOfOrthogonalityGuard`) and 10¹⁰.
    @Test(arguments: [(QRMethod.choleskyQR2, 10.0), (.choleskyQR, 8.0), (.choleskyQR, 10.0)])
    func illConditionedInputTakesTheFallback(method: QRMethod, decades: Double) throws {
        let m = 64, n = 32
        let r = try factorBoth(try conditionedMatrix(m: m, n: n, decades: decades), m: m, n: n, method: method)
        #expect(r.fallbacks == 1)
        #expect(r.fast == r.reference)
        #expect(r.q == r.refQ)
    }

    /// Exactly singular inputs — two equal columns; a zero row, rank n − 1, as a dead unit makes in
    /// J·Q: Cholesky breaks down or the guard trips; never a CholeskyQR answer (either method).
    @Test(arguments: [QRMethod.choleskyQR2, .choleskyQR])
    func singularInputTakesTheFallback(method: QRMethod) throws {
        let m = 20, n = 6
        var a = randomMatrix(n, m, seed: 5).elements
        for i in 0..<m { a[3 * m + i] = a[1 * m + i] }
        let r = try factorBoth(a, m: m, n: n, method: method)
        #expect(r.fallbacks == 1)
        #expect(r.fast == r.reference && r.q == r.refQ)

        let s = 48
        var jq = randomMatrix(s, s, seed: 6).elements   // column-major S×S
        for j in 0..<s { jq[j * s + 7] = 0 }
        let z = try factorBoth(jq, m: s, n: s, method: method)
        #expect(z.fallbacks == 1)
        #expect(z.fast == z.reference && z.q == z.refQ)
    }
}
