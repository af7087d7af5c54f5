import Foundation
import Linalg
import Testing

/// One CholeskyQR pass (`QRMethod.choleskyQR`) against Householder (the oracle) and the singular values
/// (dgesdd): Q spans A's nested column spaces (Q_hᵀ·Q upper triangular), its loss of orthogonality stays
/// below the first-order bound ω = (m + n)·u·‖A‖_F²/σ_min(A)², and R's diagonal is Householder's up to
/// the triangular factor of Q (|r_ii| · |(Q_hᵀQ)_ii| = |r_ii of Householder|). The guard's fallbacks
/// (ill-conditioned and exactly singular inputs) are tested with CholeskyQR2's in `CholeskyQRTests`.
@Suite struct OnePassCholeskyQRTests {
    struct Factored {
        var q: [Double], r: [Double], qh: [Double], rh: [Double], fallbacks: Int
        /// ω, and ‖A‖_F/σ_min (for the rounding of dtrsm).
        var omega: Double, scaledCondition: Double
    }

    /// Factors the column-major m×n `a` by one CholeskyQR pass and by Householder.
    func factorBoth(_ a: [Double], m: Int, n: Int) throws -> Factored {
        let fast = try QRWorkspace(rows: m, cols: n, method: .choleskyQR), ref = try QRWorkspace(rows: m, cols: n)
        var q = a, qh = a
        var r = [Double](repeating: 0, count: n), rh = r
        try q.withUnsafeMutableBufferPointer { try fast.factor($0.baseAddress!, leadingDimension: m, rDiagonal: &r) }
        try qh.withUnsafeMutableBufferPointer { try ref.factor($0.baseAddress!, leadingDimension: m, rDiagonal: &rh) }
        let sigma = try Matrix(rows: n, cols: m, elements: a).singularValues()   // Aᵀ: the same values
        let frobenius2 = a.reduce(0) { $0 + $1 * $1 }, smallest = try #require(sigma.last)
        return Factored(q: q, r: r, qh: qh, rh: rh, fallbacks: fast.fallbacks,
                        omega: Double(m + n) * Double.ulpOfOne / 2 * frobenius2 / (smallest * smallest),
                        scaledCondition: frobenius2.squareRoot() / smallest)
    }

    /// The checks of an accepted pass: orthogonality within ω, Q_hᵀQ upper triangular to the rounding
    /// of dtrsm (n^{3/2}·u·‖A‖_F/σ_min), and R's diagonal tied to Householder's by Q's own factor.
    func checkAccepted(_ f: Factored, m: Int, n: Int) throws {
        #expect(f.fallbacks == 0)
        let qt = try Matrix(rows: n, cols: m, elements: f.q), qht = try Matrix(rows: n, cols: m, elements: f.qh)
        let gram = try matmul(qt, qt, transB: .transpose)
        let loss = maxAbsDifference(gram, .identity(n))
        #expect(loss <= f.omega, "max |QᵀQ − I| = \(loss), first-order bound \(f.omega)")
        let mixed = try matmul(qht, qt, transB: .transpose)   // Q_hᵀ·Q, n×n
        let flag = Foundation.pow(Double(n), 1.5) * Double.ulpOfOne * f.scaledCondition + 1e-14
        var below = 0.0
        for i in 0..<n { for j in 0..<i { below = max(below, abs(mixed[i, j])) } }
        #expect(below <= flag, "largest entry below the diagonal of Q_hᵀQ: \(below), allowed \(flag)")
        for j in 0..<n {
            #expect(f.r[j] > 0)
            #expect(abs(f.r[j] - abs(f.rh[j])) <= (f.omega + 1e-14) * abs(f.rh[j]), "r_\(j)\(j): \(f.r[j]) vs \(f.rh[j])")
            #expect(abs(f.r[j] * abs(mixed[j, j]) - abs(f.rh[j])) <= (flag + 1e-14) * abs(f.rh[j]))
        }
    }

    @Test(arguments: [(256, 256), (256, 64), (40, 40), (9, 3)])
    func spansTheColumnSpacesOfGaussianInputs(shape: (m: Int, n: Int)) throws {
        let (m, n) = shape
        let f = try factorBoth(randomMatrix(n, m, seed: UInt64(m * 1000 + n)).elements, m: m, n: n)
        try checkAccepted(f, m: m, n: n)
    }

    /// κ = 10⁵: the pass is accepted (ω ≈ 10⁻⁴) and Q is visibly not orthonormal (≈ κ²u), yet it spans
    /// A's nested spaces and R's diagonal is Householder's up to Q's own triangular factor.
    @Test func moderatelyIllConditionedInputIsAccepted() throws {
        let f = try factorBoth(try conditionedMatrix(m: 64, n: 32, decades: 5), m: 64, n: 32)
        #expect(f.omega < QRWorkspace.lossOfOrthogonalityGuard)
        try checkAccepted(f, m: 64, n: 32)
    }

    /// `householderRDiagonal`: dgeqrf's diagonal of a copy (A unchanged); a Householder workspace has no
    /// copy buffer and says so.
    @Test func householderDiagonalOfACopy() throws {
        let m = 30, n = 12
        let a = randomMatrix(n, m, seed: 8).elements
        let ws = try QRWorkspace(rows: m, cols: n, method: .choleskyQR), ref = try QRWorkspace(rows: m, cols: n)
        var d = [Double](repeating: 0, count: n), dh = d, q = a
        try a.withUnsafeBufferPointer { try ws.householderRDiagonal($0.baseAddress!, leadingDimension: m, rDiagonal: &d) }
        try q.withUnsafeMutableBufferPointer { try ref.factor($0.baseAddress!, leadingDimension: m, rDiagonal: &dh) }
        #expect(d == dh)
        #expect(throws: LinalgError.self) {
            try a.withUnsafeBufferPointer { try ref.householderRDiagonal($0.baseAddress!, leadingDimension: m, rDiagonal: &d) }
        }
    }
}

/// A = U·diag(σ)·Vᵀ, m×n column-major, with σ_j = 10^{−decades·j/(n−1)} and random orthonormal U (m×n), V
/// (n×n): κ(A) = 10^decades, not removable by column scaling.
func conditionedMatrix(m: Int, n: Int, decades: Double) throws -> [Double] {
    let u = try randomMatrix(m, n, seed: 78).qr().q, v = try randomMatrix(n, n, seed: 79).qr().q
    var us = u
    for j in 0..<n { let s = Foundation.pow(10, -decades * Double(j) / Double(n - 1)); for i in 0..<m { us[i, j] *= s } }
    return try matmul(us, v, transB: .transpose).transposed.elements   // row-major Aᵀ = column-major A
}
