import COpenBLAS

// BLAS kernels on raw buffers, for the hot loops of Recurrent and Diagnostics (tapes, workspaces,
// blocks inside them). Everything is row-major; a leading dimension is the row stride in elements.
// The shape arguments are checked against each other before BLAS sees them (a violation is a
// programming error, never a user's: callers size their buffers from the model).

/// Row-major C ← α·op(A)·op(B) + β·C: op(A) is m × k, op(B) is k × n, C is m × n; A, B and C
/// have row strides lda, ldb, ldc (each at least its stored row length).
@inline(__always)
public func gemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Double = 1,
                 _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
                 beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
    precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative size")
    precondition(lda >= max(1, transA == .none ? k : m) && ldb >= max(1, transB == .none ? n : k) && ldc >= max(1, n),
                 "gemm: a leading dimension is shorter than its rows")
    guard m > 0, n > 0 else { return }
    cblas_dgemm(CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
                b, Int32(ldb), beta, c, Int32(ldc))
}

/// Row-major y ← α·op(A)·x + β·y, A stored rows × cols with row stride `lda` (default cols);
/// x and y are contiguous (lengths cols and rows, swapped for `.transpose`).
@inline(__always)
public func gemv(_ trans: Transpose, rows: Int, cols: Int, alpha: Double = 1, _ a: UnsafePointer<Double>, lda: Int? = nil,
                 _ x: UnsafePointer<Double>, beta: Double, _ y: UnsafeMutablePointer<Double>) {
    let ld = lda ?? cols
    precondition(rows >= 0 && cols >= 0 && ld >= max(1, cols), "gemv: inconsistent shape")
    guard rows > 0, cols > 0 else { return }
    cblas_dgemv(CblasRowMajor, trans.cblas, Int32(rows), Int32(cols), alpha, a, Int32(ld), x, 1, beta, y, 1)
}

/// x ← α·x for `count` contiguous values.
@inline(__always)
public func scal(_ alpha: Double, _ x: UnsafeMutablePointer<Double>, count: Int) {
    precondition(count >= 0, "scal: negative count")
    cblas_dscal(Int32(count), alpha, x, 1)
}

/// ‖X‖_F of a rows × cols block with row stride `ld`, scaled (no underflow or overflow of
/// intermediate squares): one dnrm2 when the block is contiguous, else per-row dnrm2 combined
/// relative to the largest.
public func frobeniusNorm(_ p: UnsafePointer<Double>, rows: Int, cols: Int, ld: Int) -> Double {
    precondition(rows >= 0 && cols >= 0 && ld >= cols, "frobeniusNorm: inconsistent shape")
    if ld == cols { return cblas_dnrm2(Int32(rows * cols), p, 1) }
    var m = 0.0, s = 0.0
    for r in 0..<rows {
        let v = cblas_dnrm2(Int32(cols), p + r * ld, 1)
        if v > m { s = s * (m / v) * (m / v) + 1; m = v } else if v > 0 { s += (v / m) * (v / m) }
    }
    return m * s.squareRoot()
}
