import COpenBLAS

/// Singular values of an m×n matrix with preallocated workspace (dgesdd, jobz = 'N'), for hot
/// loops that need σ(A) at many steps (e.g. ‖∂h_T/∂h_t‖₂ at every lag). No allocation per call.
///
/// The input buffer is copied into an internal scratch matrix first (LAPACK destroys its input),
/// so the caller's matrix is left intact. Orientation does not matter: σ(A) = σ(Aᵀ), so a
/// row-major m×n buffer may be passed as is.
public final class SingularValueWorkspace {
    public let rows: Int
    public let cols: Int
    private var scratch: [Double]
    private var work: [Double]
    private var iwork: [Int32]
    /// The singular values of the last `compute` call, descending (length min(m, n)).
    public private(set) var values: [Double]

    public init(rows: Int, cols: Int) throws {
        guard rows >= 1, cols >= 1 else {
            throw LinalgError.invalidArgument(operation: "SingularValueWorkspace", detail: "needs a non-empty shape, got \(shapeString(rows, cols))")
        }
        self.rows = rows
        self.cols = cols
        let k = Swift.min(rows, cols)
        scratch = [Double](repeating: 0, count: rows * cols)
        values = [Double](repeating: 0, count: k)
        iwork = [Int32](repeating: 0, count: 8 * k)
        var query = 0.0, dummy = 0.0, s = 0.0, u = 0.0, vt = 0.0, iw: Int32 = 0
        _ = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), Int32(cols), Int32(rows), &dummy, Int32(cols),
                                &s, &u, 1, &vt, 1, &query, -1, &iw)
        work = [Double](repeating: 0, count: Swift.max(Int(query), 1))
    }

    /// Computes the singular values of the row-major rows×cols matrix at `a`; returns σ_max.
    @discardableResult
    public func compute(_ a: UnsafePointer<Double>) throws -> Double {
        let m = Int32(cols), n = Int32(rows), lw = Int32(work.count) // column-major view: Aᵀ
        var u = 0.0, vt = 0.0
        var info: Int32 = 0
        scratch.withUnsafeMutableBufferPointer { sc in
            sc.baseAddress!.update(from: a, count: rows * cols)
            values.withUnsafeMutableBufferPointer { s in
                work.withUnsafeMutableBufferPointer { w in
                    iwork.withUnsafeMutableBufferPointer { iw in
                        info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), m, n, sc.baseAddress, m,
                                                   s.baseAddress, &u, 1, &vt, 1, w.baseAddress, lw, iw.baseAddress)
                    }
                }
            }
        }
        guard info == 0 else { throw LinalgError.lapackFailure(routine: "dgesdd", info: info, shape: shapeString(rows, cols)) }
        return values[0]
    }
}
