import COpenBLAS

extension Matrix {
    /// X with A·X = B (A = self, n×n; B n×m), by LU with partial pivoting (dgesv). A singular A
    /// (an exactly zero pivot) is an error naming the pivot; no inverse is formed.
    public func solve(_ b: Matrix) throws -> Matrix {
        guard isSquare, b.rows == rows else {
            throw LinalgError.shapeMismatch(operation: "solve", detail: "A is \(shapeDescription), B is \(b.shapeDescription)")
        }
        let n = rows, m = b.cols
        if n == 0 || m == 0 { return Matrix(rows: n, cols: m) }
        var a = self, x = b
        var ipiv = [Int32](repeating: 0, count: n)
        let info = a.withUnsafeMutableBufferPointer { pa in
            x.withUnsafeMutableBufferPointer { px in
                LAPACKE_dgesv(LAPACK_ROW_MAJOR, Int32(n), Int32(m), pa.baseAddress, Int32(n), &ipiv, px.baseAddress, Int32(m))
            }
        }
        if info > 0 {
            throw LinalgError.invalidArgument(operation: "solve", detail: "the \(shapeDescription) matrix is singular (zero pivot \(info))")
        }
        guard info == 0 else { throw LinalgError.lapackFailure(routine: "dgesv", info: info, shape: shapeDescription) }
        return x
    }
}
