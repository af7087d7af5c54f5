import Testing
import Foundation
import ComplexModule
@testable import Linalg

/// A random m×n matrix with N(0, 1) entries from a fixed stream.
func randomMatrix(_ m: Int, _ n: Int, seed: UInt64 = 1) -> Matrix {
    var rng = RandomStream(seed: seed)
    return rng.normalMatrix(rows: m, cols: n)
}

func maxAbsDifference(_ a: Matrix, _ b: Matrix) -> Double {
    zip(a.elements, b.elements).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

@Suite("BLAS wrappers")
struct BLASTests {
    @Test func gemmMatchesNaiveProduct() throws {
        let a = randomMatrix(4, 3, seed: 2), b = randomMatrix(3, 5, seed: 3)
        let c = try matmul(a, b)
        for i in 0..<4 { for j in 0..<5 {
            let naive = (0..<3).reduce(0.0) { $0 + a[i, $1] * b[$1, j] }
            #expect(abs(c[i, j] - naive) < 1e-14)
        } }
        let ctt = try matmul(b, a, transA: .transpose, transB: .transpose) // (AB)ᵀ = BᵀAᵀ
        #expect(maxAbsDifference(ctt, c.transposed) < 1e-14)
    }

    @Test func gemvMatchesGemm() throws {
        let a = randomMatrix(6, 4, seed: 4)
        let x = [1.0, -2.0, 0.5, 3.0]
        let y = try matvec(a, x)
        let col = try matmul(a, Matrix(rows: 4, cols: 1, elements: x))
        #expect(zip(y, col.elements).allSatisfy { abs($0 - $1) < 1e-14 })
        let yt = try matvec(a, [1, 0, 0, 0, 0, 0], trans: .transpose)
        #expect(yt == a.row(0))
    }

    @Test func shapeMismatchesThrow() throws {
        let a = Matrix(rows: 2, cols: 3), b = Matrix(rows: 2, cols: 3)
        #expect(throws: LinalgError.self) { try matmul(a, b) }
        #expect(throws: LinalgError.self) { try matvec(a, [1, 2]) }
        #expect(throws: LinalgError.self) { try dot([1, 2], [1]) }
        #expect(throws: LinalgError.self) { try a.eigenvalues() }
        #expect(throws: LinalgError.self) { try a.logAbsDeterminant() }
        #expect(throws: LinalgError.self) { try Matrix(rows: 2, cols: 2, elements: [1, 2, 3]) }
        #expect(throws: LinalgError.self) { try Matrix([[1, 2], [3]]) }
        do {
            _ = try matmul(a, b)
        } catch {
            #expect("\(error)".contains("2×3"))
            #expect("\(error)".contains("gemm"))
        }
    }

    @Test func vectorHelpers() throws {
        #expect(try dot([1, 2, 3], [4, 5, 6]) == 32)
        var y = [1.0, 1.0]
        try axpy(2, [1, 2], &y)
        #expect(y == [3, 5])
        scal(0.5, &y)
        #expect(y == [1.5, 2.5])
        // nrm2 is scaled: no underflow for tiny but representable norms.
        #expect(abs(nrm2([3e-200, 4e-200]) / 5e-200 - 1) < 1e-15)
        #expect(abs(nrm2([3e200, 4e200]) / 5e200 - 1) < 1e-15)
    }
}

@Suite("LAPACK wrappers")
struct LAPACKTests {
    @Test(arguments: [(5, 5), (7, 3), (3, 7)])
    func qrReconstructsAndQIsOrthonormal(m: Int, n: Int) throws {
        let a = randomMatrix(m, n, seed: UInt64(m * 10 + n))
        let f = try a.qr()
        #expect(maxAbsDifference(try matmul(f.q, f.r), a) < 1e-12)
        let qtq = try matmul(f.q, f.q, transA: .transpose)
        #expect(maxAbsDifference(qtq, .identity(min(m, n))) < 1e-12)
        for i in 0..<f.r.rows { for j in 0..<min(i, f.r.cols) { #expect(f.r[i, j] == 0) } }
        #expect(f.rDiagonal.count == min(m, n))
    }

    @Test func svdReturnsPrescribedSingularValues() throws {
        let n = 6
        let u = try randomMatrix(n, n, seed: 11).qr().q, v = try randomMatrix(n, n, seed: 12).qr().q
        let s = [9.0, 4.5, 2.0, 1.0, 0.25, 1e-3]
        let a = try matmul(matmul(u, .diagonal(s)), v, transB: .transpose)
        let got = try a.singularValues()
        for (x, y) in zip(got, s) { #expect(abs(x - y) < 1e-12 * 9) }
        let f = try a.svd()
        let rebuilt = try matmul(matmul(f.u, .diagonal(f.s)), f.vt)
        #expect(maxAbsDifference(rebuilt, a) < 1e-12)
        #expect(abs(try a.spectralNorm() - 9) < 1e-12)
        // Rectangular: U·S·Vᵀ of a 5×3.
        let r = randomMatrix(5, 3, seed: 13)
        let g = try r.svd()
        #expect(g.u.shapeDescription == "5×3" && g.vt.shapeDescription == "3×3")
        #expect(maxAbsDifference(try matmul(matmul(g.u, .diagonal(g.s)), g.vt), r) < 1e-12)
    }

    @Test(arguments: [0.3, 1.0, 2.5])
    func rotationEigenvaluesAreUnitPhases(theta: Double) throws {
        let r = try Matrix([[cos(theta), -sin(theta)], [sin(theta), cos(theta)]])
        let ev = try r.eigenvalues().sorted { $0.imaginary > $1.imaginary }
        #expect(abs(ev[0].real - cos(theta)) < 1e-14 && abs(ev[0].imaginary - sin(theta)) < 1e-14)
        #expect(abs(ev[1].real - cos(theta)) < 1e-14 && abs(ev[1].imaginary + sin(theta)) < 1e-14)
        #expect(abs(try r.spectralRadius() - 1) < 1e-14)
    }

    @Test func symmetricEigenvaluesOfKnownMatrix() throws {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        let w = try Matrix([[2, 1], [1, 2]]).symmetricEigenvalues()
        #expect(abs(w[0] - 1) < 1e-14 && abs(w[1] - 3) < 1e-14)
        #expect(throws: LinalgError.self) { try Matrix([[1, 2], [0, 1]]).symmetricEigenvalues() }
    }

    @Test func logDeterminantIsAdditive() throws {
        let a = randomMatrix(8, 8, seed: 21), b = randomMatrix(8, 8, seed: 22)
        let (la, sa) = try a.logAbsDeterminant(), (lb, sb) = try b.logAbsDeterminant()
        let (lab, sab) = try matmul(a, b).logAbsDeterminant()
        #expect(abs(lab - (la + lb)) < 1e-11)
        #expect(sab == sa * sb)
        // Closed forms: diag(2, −3) → log 6, sign −1; a singular matrix → (−∞, 0).
        let d = try Matrix.diagonal([2, -3]).logAbsDeterminant()
        #expect(abs(d.logAbs - log(6)) < 1e-15 && d.sign == -1)
        let s = try Matrix([[1, 2], [2, 4]]).logAbsDeterminant()
        #expect(s.logAbs == -.infinity && s.sign == 0)
        // A permutation has |det| = 1 and sign −1.
        let p = try Matrix([[0, 1], [1, 0]]).logAbsDeterminant()
        #expect(abs(p.logAbs) < 1e-15 && p.sign == -1)
    }

    @Test func norms() throws {
        let a = try Matrix([[3, 0], [0, -4]])
        #expect(a.frobeniusNorm == 5)
        #expect(a.maxAbs == 4)
        #expect(abs(try a.spectralNorm() - 4) < 1e-14)
        #expect(abs(try a.spectralRadius() - 4) < 1e-14)
    }

    @Test(arguments: [(7, 7), (5, 9), (9, 5), (1, 4), (128, 128)])
    func largestSingularValueMatchesSVD(m: Int, n: Int) throws {
        let a = randomMatrix(m, n, seed: UInt64(100 + m * n))
        let ws = try SingularValueWorkspace(rows: m, cols: n)
        let fast = try a.withUnsafeBufferPointer { try ws.largest($0.baseAddress!) }
        let exact = try a.withUnsafeBufferPointer { try ws.compute($0.baseAddress!) }
        #expect(abs(fast / exact - 1) < 1e-13)
        #expect(abs(exact - (try a.singularValues()[0])) == 0)
        // A matrix with known singular values 3, 1e-3: σ_max is exact.
        let d = try Matrix([[3, 0], [0, 1e-3]])
        let w2 = try SingularValueWorkspace(rows: 2, cols: 2)
        #expect(abs(try d.withUnsafeBufferPointer { try w2.largest($0.baseAddress!) } - 3) < 1e-15)
        // Exactly degenerate spectra (ρ·Q, Q orthogonal) are where dsyevr may fail; the answer is still ρ.
        for n in [2, 6, 16] {
            let q = try randomMatrix(n, n, seed: UInt64(n)).qr().q.scaled(by: 0.7)
            let wq = try SingularValueWorkspace(rows: n, cols: n)
            #expect(abs(try q.withUnsafeBufferPointer { try wq.largest($0.baseAddress!) } / 0.7 - 1) < 1e-14)
        }
    }

    @Test func qrWorkspaceMatchesMatrixQR() throws {
        let m = 6, n = 4
        let a = randomMatrix(n, m, seed: 31) // row-major n×m = column-major m×n matrix Aᵀ
        let ws = try QRWorkspace(rows: m, cols: n)
        var buf = a.elements
        var diag = [Double](repeating: 0, count: n)
        try buf.withUnsafeMutableBufferPointer { try ws.factor($0.baseAddress!, leadingDimension: m, rDiagonal: &diag) }
        let ref = try a.transposed.qr()
        for j in 0..<n { #expect(abs(abs(diag[j]) - abs(ref.rDiagonal[j])) < 1e-12) }
        let q = try Matrix(rows: n, cols: m, elements: buf).transposed // back to m×n
        #expect(maxAbsDifference(try matmul(q, q, transA: .transpose), .identity(n)) < 1e-12)
    }
}

/// Concurrent sweeps share OpenBLAS's process-wide thread count: leaving an inner scope must not
/// restore the count under an outer one still running (OpenBLAS rounds differently at 1 and 2 threads).
@Suite struct BLASThreadScopeTests {
    @Test func anInnerScopeDoesNotRestoreUnderAnOuterOne() {
        BLASThreads.enterScope(1)
        BLASThreads.enterScope(1)
        BLASThreads.leaveScope()
        #expect(BLASThreads.current == 1)
        BLASThreads.leaveScope()
    }
}
