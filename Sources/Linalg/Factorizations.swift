import Foundation
import COpenBLAS
import ComplexModule
import RealModule

// LAPACK wrappers. Where the result does not change under transposition (singular values,
// eigenvalues, determinants) the row-major buffer is handed to LAPACK as the column-major
// transpose, which saves LAPACKE's internal transposition copy.

/// The thin QR factorisation A = Q·R of an m×n matrix, k = min(m, n).
public struct QRFactorization: Sendable {
    /// m×k with orthonormal columns.
    public let q: Matrix
    /// k×n upper triangular (upper trapezoidal when n > m).
    public let r: Matrix
    /// The diagonal of R (length k), signs as LAPACK produced them (Householder: any sign).
    public var rDiagonal: [Double] { (0..<min(r.rows, r.cols)).map { r[$0, $0] } }
}

/// The thin singular-value decomposition A = U·diag(s)·Vᵀ of an m×n matrix, k = min(m, n).
public struct SVDFactorization: Sendable {
    /// m×k with orthonormal columns.
    public let u: Matrix
    /// Singular values, descending, length k.
    public let s: [Double]
    /// k×n with orthonormal rows (Vᵀ).
    public let vt: Matrix
}

extension Matrix {
    /// Thin QR by Householder reflections (dgeqrf + dorgqr).
    public func qr() throws -> QRFactorization {
        let m = rows, n = cols, k = Swift.min(m, n)
        var a = self
        var tau = [Double](repeating: 0, count: Swift.max(k, 1))
        if k == 0 { return QRFactorization(q: Matrix(rows: m, cols: 0), r: Matrix(rows: 0, cols: n)) }
        let info1 = a.withUnsafeMutableBufferPointer {
            LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, Int32(m), Int32(n), $0.baseAddress, Int32(n), &tau)
        }
        guard info1 == 0 else { throw LinalgError.lapackFailure(routine: "dgeqrf", info: info1, shape: shapeDescription) }
        var r = Matrix(rows: k, cols: n)
        for i in 0..<k { for j in i..<n { r[i, j] = a[i, j] } }
        // dorgqr overwrites the leading m×k block (row stride n) with Q.
        let info2 = a.withUnsafeMutableBufferPointer {
            LAPACKE_dorgqr(LAPACK_ROW_MAJOR, Int32(m), Int32(k), Int32(k), $0.baseAddress, Int32(n), tau)
        }
        guard info2 == 0 else { throw LinalgError.lapackFailure(routine: "dorgqr", info: info2, shape: shapeDescription) }
        var q = Matrix(rows: m, cols: k)
        for i in 0..<m { for j in 0..<k { q[i, j] = a[i, j] } }
        return QRFactorization(q: q, r: r)
    }

    /// Singular values, descending (dgesdd without vectors; dgesvd if dgesdd fails to converge).
    public func singularValues() throws -> [Double] {
        let k = Swift.min(rows, cols)
        if k == 0 { return [] }
        var s = [Double](repeating: 0, count: k)
        var dummyU = [Double](repeating: 0, count: 1), dummyV = [Double](repeating: 0, count: 1)
        // Row-major A is column-major Aᵀ (cols × rows): same singular values.
        var a = self
        var info = a.withUnsafeMutableBufferPointer {
            LAPACKE_dgesdd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), Int32(cols), Int32(rows), $0.baseAddress, Int32(cols),
                           &s, &dummyU, 1, &dummyV, 1)
        }
        if info > 0 {
            a = self
            var superb = [Double](repeating: 0, count: k)
            info = a.withUnsafeMutableBufferPointer {
                LAPACKE_dgesvd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "N")), Int32(cols), Int32(rows),
                               $0.baseAddress, Int32(cols), &s, &dummyU, 1, &dummyV, 1, &superb)
            }
        }
        guard info == 0 else { throw LinalgError.lapackFailure(routine: "dgesdd/dgesvd", info: info, shape: shapeDescription) }
        return s
    }

    /// Thin SVD A = U·diag(s)·Vᵀ (dgesdd, jobz = 'S'; dgesvd if dgesdd fails to converge).
    public func svd() throws -> SVDFactorization {
        let m = rows, n = cols, k = Swift.min(m, n)
        var u = Matrix(rows: m, cols: k), vt = Matrix(rows: k, cols: n)
        var s = [Double](repeating: 0, count: k)
        if k == 0 { return SVDFactorization(u: u, s: s, vt: vt) }
        func run(_ useGesvd: Bool) -> Int32 {
            var a = self
            return a.withUnsafeMutableBufferPointer { pa in
                u.withUnsafeMutableBufferPointer { pu in
                    vt.withUnsafeMutableBufferPointer { pv in
                        if useGesvd {
                            var superb = [Double](repeating: 0, count: k)
                            return LAPACKE_dgesvd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "S")), CChar(UInt8(ascii: "S")), Int32(m), Int32(n),
                                                  pa.baseAddress, Int32(n), &s, pu.baseAddress, Int32(k),
                                                  pv.baseAddress, Int32(n), &superb)
                        }
                        return LAPACKE_dgesdd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "S")), Int32(m), Int32(n), pa.baseAddress, Int32(n),
                                              &s, pu.baseAddress, Int32(k), pv.baseAddress, Int32(n))
                    }
                }
            }
        }
        var info = run(false)
        if info > 0 { info = run(true) }
        guard info == 0 else { throw LinalgError.lapackFailure(routine: "dgesdd/dgesvd", info: info, shape: shapeDescription) }
        return SVDFactorization(u: u, s: s, vt: vt)
    }

    /// Eigenvalues of a general square matrix (dgeev), in LAPACK's order; complex pairs are adjacent,
    /// positive imaginary part first.
    public func eigenvalues() throws -> [Complex<Double>] {
        guard isSquare else {
            throw LinalgError.shapeMismatch(operation: "eigenvalues", detail: "needs a square matrix, got \(shapeDescription)")
        }
        let n = rows
        if n == 0 { return [] }
        var wr = [Double](repeating: 0, count: n), wi = [Double](repeating: 0, count: n)
        var dummyU = [Double](repeating: 0, count: 1), dummyV = [Double](repeating: 0, count: 1)
        var a = self // column-major view is Aᵀ: same eigenvalues
        let info = a.withUnsafeMutableBufferPointer {
            LAPACKE_dgeev(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "N")), Int32(n), $0.baseAddress, Int32(n),
                          &wr, &wi, &dummyU, 1, &dummyV, 1)
        }
        guard info == 0 else { throw LinalgError.lapackFailure(routine: "dgeev", info: info, shape: shapeDescription) }
        return (0..<n).map { Complex(wr[$0], wi[$0]) }
    }

    /// Eigenvalues of a symmetric matrix, ascending (dsyevd). Throws if A is not symmetric to
    /// `tolerance`·max|a_ij| (so a caller never silently gets the eigenvalues of half a matrix).
    public func symmetricEigenvalues(tolerance: Double = 1e-12) throws -> [Double] {
        guard isSquare else {
            throw LinalgError.shapeMismatch(operation: "symmetricEigenvalues", detail: "needs a square matrix, got \(shapeDescription)")
        }
        let n = rows, scale = Swift.max(maxAbs, Double.leastNormalMagnitude)
        for i in 0..<n { for j in (i + 1)..<Swift.max(i + 1, n) where abs(self[i, j] - self[j, i]) > tolerance * scale {
            throw LinalgError.invalidArgument(operation: "symmetricEigenvalues",
                detail: "matrix is not symmetric: a[\(i),\(j)] = \(self[i, j]) but a[\(j),\(i)] = \(self[j, i])")
        } }
        if n == 0 { return [] }
        var w = [Double](repeating: 0, count: n)
        var a = self
        let info = a.withUnsafeMutableBufferPointer {
            LAPACKE_dsyevd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "U")), Int32(n), $0.baseAddress, Int32(n), &w)
        }
        guard info == 0 else { throw LinalgError.lapackFailure(routine: "dsyevd", info: info, shape: shapeDescription) }
        return w
    }

    /// log|det A| and sign(det A) ∈ {−1, 0, +1} via LU with partial pivoting (dgetrf).
    /// A singular matrix gives (−∞, 0): that is its determinant, not an error.
    public func logAbsDeterminant() throws -> (logAbs: Double, sign: Double) {
        guard isSquare else {
            throw LinalgError.shapeMismatch(operation: "logAbsDeterminant", detail: "needs a square matrix, got \(shapeDescription)")
        }
        let n = rows
        if n == 0 { return (0, 1) }
        var ipiv = [Int32](repeating: 0, count: n)
        var a = self
        let info = a.withUnsafeMutableBufferPointer {
            LAPACKE_dgetrf(LAPACK_COL_MAJOR, Int32(n), Int32(n), $0.baseAddress, Int32(n), &ipiv)
        }
        if info > 0 { return (-.infinity, 0) }
        guard info == 0 else { throw LinalgError.lapackFailure(routine: "dgetrf", info: info, shape: shapeDescription) }
        var logAbs = 0.0, sign = 1.0
        for i in 0..<n {
            let d = a[i, i]
            logAbs += Foundation.log(abs(d))
            if d < 0 { sign = -sign }
            if ipiv[i] != Int32(i + 1) { sign = -sign }
        }
        return (logAbs, sign)
    }
}

