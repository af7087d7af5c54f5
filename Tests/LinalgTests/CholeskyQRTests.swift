import Foundation
import Linalg
import Testing

/// CholeskyQR2 (`QRMethod.choleskyQR2`) against Householder: the same |r_ii| and an orthonormal Q on
/// well-conditioned inputs without a fallback; the guard sends ill-conditioned and exactly singular
/// inputs to Householder (counted), whose result is then returned unchanged.
@Suite struct CholeskyQRTests {
    /// Factors the column-major m×n `a` both ways: (|r_ii| CholeskyQR2, |r_ii| Householder, Q, fallbacks).
    private func factorBoth(_ a: [Double], m: Int, n: Int) throws -> (fast: [Double], reference: [Double], q: [Double], refQ: [Double], fallbacks: Int) {
        let fast = try QRWorkspace(rows: m, cols: n, method: .choleskyQR2), ref = try QRWorkspace(rows: m, cols: n)
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
    /// removable by column scaling): the guard must take Householder, whose result comes back unchanged.
    @Test func illConditionedInputTakesTheFallback() throws {
        let m = 64, n = 32
        let u = try randomMatrix(m, n, seed: 78).qr().q, v = try randomMatrix(n, n, seed: 79).qr().q
        var us = u
        for j in 0..<n { let s = Foundation.pow(10, -10 * Double(j) / Double(n - 1)); for i in 0..<m { us[i, j] *= s } }
        let a = try matmul(us, v, transB: .transpose)          // m×n
        let r = try factorBoth(a.transposed.elements, m: m, n: n)   // row-major Aᵀ = column-major A
        #expect(r.fallbacks == 1)
        #expect(r.fast == r.reference)
        #expect(r.q == r.refQ)
    }

    /// An exactly singular input (two equal columns): Cholesky breaks down or the guard trips; never a
    /// CholeskyQR answer.
    @Test func singularInputTakesTheFallback() throws {
        let m = 20, n = 6
        var a = randomMatrix(n, m, seed: 5).elements
        for i in 0..<m { a[3 * m + i] = a[1 * m + i] }
        let r = try factorBoth(a, m: m, n: n)
        #expect(r.fallbacks == 1)
        #expect(r.fast == r.reference)
    }
}
