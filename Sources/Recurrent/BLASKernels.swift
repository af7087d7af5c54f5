import COpenBLAS

/// Row-major C ← α·op(A)·op(B) + β·C on raw buffers with explicit leading dimensions (for blocks
/// inside tapes, e.g. the h half of [h, c] rows). M×N result, K inner.
@inline(__always)
func gemmRaw(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int, alpha: Double = 1,
             _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
             beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
    guard m > 0, n > 0 else { return }
    cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Row-major y ← α·op(A)·x + β·y, A stored rows × cols.
@inline(__always)
func gemvRaw(_ trans: Bool, rows: Int, cols: Int, _ a: UnsafePointer<Double>, _ x: UnsafePointer<Double>,
             beta: Double, _ y: UnsafeMutablePointer<Double>) {
    cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, Int32(rows), Int32(cols), 1, a, Int32(cols),
                x, 1, beta, y, 1)
}

/// ‖X‖_F of a rows × cols block with row stride `ld`, scaled (no underflow or overflow of
/// intermediate squares): per-row dnrm2, combined relative to the largest.
func scaledFrobeniusNorm(_ p: UnsafePointer<Double>, rows: Int, cols: Int, ld: Int) -> Double {
    if ld == cols { return cblas_dnrm2(Int32(rows * cols), p, 1) }
    var m = 0.0, s = 0.0
    for r in 0..<rows {
        let v = cblas_dnrm2(Int32(cols), p + r * ld, 1)
        if v > m { s = s * (m / v) * (m / v) + 1; m = v } else if v > 0 { s += (v / m) * (v / m) }
    }
    return m * s.squareRoot()
}
