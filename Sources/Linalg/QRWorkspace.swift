import COpenBLAS

/// In-place Householder QR of a column-major m×n block (m ≥ n) with preallocated workspace,
/// for hot loops such as Benettin's Lyapunov method or log-domain Jacobian products.
///
/// `factor(_:leadingDimension:rDiagonal:)` overwrites A with the m×n Q (orthonormal columns) and
/// writes R's diagonal. No allocation after `init`. Column-major because LAPACK is: a row-major
/// n×m buffer *is* the column-major m×n matrix, so callers can keep products in whichever
/// orientation suits their gemm.
public final class QRWorkspace {
    public let rows: Int
    public let cols: Int
    private var tau: [Double]
    private var work: [Double]

    public init(rows: Int, cols: Int) throws {
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
        work = [Double](repeating: 0, count: Swift.max(Int(q1), Int(q2), cols * 64, 1))
    }

    /// Overwrites the column-major m×n matrix at `a` (leading dimension ≥ m) with Q, and writes the
    /// n diagonal entries of R to `rDiagonal`. Throws on a LAPACK failure (an illegal argument).
    public func factor(_ a: UnsafeMutablePointer<Double>, leadingDimension lda: Int,
                       rDiagonal: UnsafeMutablePointer<Double>) throws {
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
}
