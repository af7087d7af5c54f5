import COpenBLAS
import Foundation

/// Whether an operand enters a product as itself or transposed.
public enum Transpose: Sendable {
    case none, transpose
    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// What the linked OpenBLAS is: its kernel's core type (`openblas_get_corename`, e.g. "SkylakeX") and its
/// build configuration (`openblas_get_config`), for benchmark reports.
public enum BLASInfo {
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }
    public static var configuration: String { openblas_get_config().map { String(cString: $0) } ?? "unknown" }
}

/// Control over OpenBLAS's own threads.
///
/// GradLab's policy (DESIGN.md): one thread per BLAS call inside a parallel sweep (the sweep's
/// configurations already fill the cores), all cores for a single large configuration.
public enum BLASThreads {
    /// Sets the number of threads OpenBLAS may use for each call.
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
    /// The number of threads OpenBLAS currently uses.
    public static var current: Int { Int(openblas_get_num_threads()) }

    /// Enters a scope that needs OpenBLAS at `n` threads (e.g. a sweep). The setting is process-wide,
    /// so scopes share it: the first saves the current count, each sets `n` (the latest wins while
    /// several are open — runners in one process should agree), and the last to leave restores the
    /// saved count. A scope that restored on its own would change the count under one still running,
    /// and OpenBLAS rounds differently at different thread counts (even 6×6 products).
    public static func enterScope(_ n: Int) {
        scopes.lock.lock(); defer { scopes.lock.unlock() }
        if scopes.open == 0 { scopes.saved = current }
        scopes.open += 1
        set(n)
    }

    /// Leaves a scope entered with `enterScope`; the last one restores the count from before the first.
    public static func leaveScope() {
        scopes.lock.lock(); defer { scopes.lock.unlock() }
        scopes.open = max(0, scopes.open - 1)
        if scopes.open == 0 { set(scopes.saved) }
    }

    private final class Scopes: @unchecked Sendable {   // guarded by `lock`
        let lock = NSLock()
        var open = 0, saved = 1
    }
    private static let scopes = Scopes()
}

/// C ← α·op(A)·op(B) + β·C (dgemm). Throws when the shapes do not fit.
public func gemm(_ transA: Transpose = .none, _ a: Matrix, _ transB: Transpose = .none, _ b: Matrix,
                 alpha: Double = 1, beta: Double = 0, into c: inout Matrix) throws {
    let (m, k) = transA == .none ? (a.rows, a.cols) : (a.cols, a.rows)
    let (kb, n) = transB == .none ? (b.rows, b.cols) : (b.cols, b.rows)
    guard k == kb, c.rows == m, c.cols == n else {
        throw LinalgError.shapeMismatch(operation: "gemm",
            detail: "op(A) is \(shapeString(m, k)), op(B) is \(shapeString(kb, n)), C is \(c.shapeDescription)")
    }
    if m == 0 || n == 0 { return }
    if k == 0 { c = c.scaled(by: beta); return }
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                cblas_dgemm(CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k),
                            alpha, pa.baseAddress, Int32(a.cols), pb.baseAddress, Int32(b.cols),
                            beta, pc.baseAddress, Int32(n))
            }
        }
    }
}

/// op(A)·op(B) as a new matrix.
public func matmul(_ a: Matrix, _ b: Matrix, transA: Transpose = .none, transB: Transpose = .none) throws -> Matrix {
    let m = transA == .none ? a.rows : a.cols
    let n = transB == .none ? b.cols : b.rows
    var c = Matrix(rows: m, cols: n)
    try gemm(transA, a, transB, b, into: &c)
    return c
}

/// y ← α·op(A)·x + β·y (dgemv). Throws when the shapes do not fit.
public func gemv(_ trans: Transpose = .none, _ a: Matrix, _ x: [Double], alpha: Double = 1, beta: Double = 0,
                 into y: inout [Double]) throws {
    let (m, n) = trans == .none ? (a.rows, a.cols) : (a.cols, a.rows)
    guard x.count == n, y.count == m else {
        throw LinalgError.shapeMismatch(operation: "gemv",
            detail: "op(A) is \(shapeString(m, n)), x has \(x.count) entries, y has \(y.count)")
    }
    if m == 0 { return }
    if n == 0 { for i in y.indices { y[i] *= beta }; return }
    a.withUnsafeBufferPointer { pa in
        cblas_dgemv(CblasRowMajor, trans.cblas, Int32(a.rows), Int32(a.cols), alpha, pa.baseAddress,
                    Int32(a.cols), x, 1, beta, &y, 1)
    }
}

/// op(A)·x as a new vector.
public func matvec(_ a: Matrix, _ x: [Double], trans: Transpose = .none) throws -> [Double] {
    var y = [Double](repeating: 0, count: trans == .none ? a.rows : a.cols)
    try gemv(trans, a, x, into: &y)
    return y
}

/// y ← α·x + y (daxpy).
public func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) throws {
    guard x.count == y.count else {
        throw LinalgError.shapeMismatch(operation: "axpy", detail: "x has \(x.count) entries, y has \(y.count)")
    }
    cblas_daxpy(Int32(x.count), alpha, x, 1, &y, 1)
}

/// x ← α·x (dscal).
public func scal(_ alpha: Double, _ x: inout [Double]) {
    cblas_dscal(Int32(x.count), alpha, &x, 1)
}

/// xᵀy (ddot).
public func dot(_ x: [Double], _ y: [Double]) throws -> Double {
    guard x.count == y.count else {
        throw LinalgError.shapeMismatch(operation: "dot", detail: "x has \(x.count) entries, y has \(y.count)")
    }
    return cblas_ddot(Int32(x.count), x, 1, y, 1)
}

/// ‖x‖₂ (dnrm2: scaled, so it neither overflows nor underflows for representable results).
public func nrm2(_ x: [Double]) -> Double {
    cblas_dnrm2(Int32(x.count), x, 1)
}

/// ‖x‖₂ of `n` contiguous values at `p`, scaled as `nrm2`. For hot loops over preallocated buffers.
@inlinable
public func nrm2(_ p: UnsafePointer<Double>, count n: Int) -> Double {
    cblas_dnrm2(Int32(n), p, 1)
}
