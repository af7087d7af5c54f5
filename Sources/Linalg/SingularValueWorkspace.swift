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
    // For `largest`: the k×k Gram matrix (k = min(m, n)) and dsyevr's workspace.
    private var gram: [Double]
    private var syevrWork: [Double]
    private var syevrIwork: [Int32]
    private var isuppz: [Int32]
    private var eigenvalues: [Double]   // dsyevr may use all of W(1:k), not only the M it returns

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
        gram = [Double](repeating: 0, count: k * k)
        isuppz = [Int32](repeating: 0, count: 2 * k)
        eigenvalues = [Double](repeating: 0, count: k)
        var wq = 0.0, iq: Int32 = 0, m: Int32 = 0, z = 0.0
        var w = [Double](repeating: 0, count: k), sup = [Int32](repeating: 0, count: 2 * k)
        _ = LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "I")), CChar(UInt8(ascii: "U")),
                                Int32(k), &dummy, Int32(k), 0, 0, Int32(k), Int32(k), 0, &m, &w, &z, 1, &sup, &wq, -1, &iq, -1)
        syevrWork = [Double](repeating: 0, count: Swift.max(Int(wq), 26 * k, 1))
        syevrIwork = [Int32](repeating: 0, count: Swift.max(Int(iq), 10 * k, 1))
    }

    /// σ_max of the row-major rows×cols matrix at `a`, as √λ_max of its k×k Gram matrix
    /// (A·Aᵀ or Aᵀ·A, whichever is smaller; dsyrk + dsyevr for the top eigenvalue only).
    /// About twice as fast as `compute` for square matrices; the relative error of σ_max stays at a
    /// few ulps because λ_max of a positive semi-definite matrix is computed to eps·λ_max.
    /// Does not update `values` (unless it falls back to `compute`).
    public func largest(_ a: UnsafePointer<Double>) throws -> Double {
        let k = Swift.min(rows, cols)
        // Row-major A (rows×cols). Gram G = A·Aᵀ (rows×rows) if rows ≤ cols, else Aᵀ·A.
        let trans = rows <= cols ? CblasNoTrans : CblasTrans
        let inner = rows <= cols ? cols : rows
        var info: Int32 = 0, found: Int32 = 0, z = 0.0
        gram.withUnsafeMutableBufferPointer { g in
            cblas_dsyrk(CblasRowMajor, CblasUpper, trans, Int32(k), Int32(inner), 1, a, Int32(cols), 0, g.baseAddress, Int32(k))
            syevrWork.withUnsafeMutableBufferPointer { w in
                syevrIwork.withUnsafeMutableBufferPointer { iw in
                    isuppz.withUnsafeMutableBufferPointer { sup in
                      eigenvalues.withUnsafeMutableBufferPointer { ev in
                        // Row-major upper = column-major lower of the same symmetric matrix.
                        info = LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "I")),
                                                   CChar(UInt8(ascii: "L")), Int32(k), g.baseAddress, Int32(k), 0, 0,
                                                   Int32(k), Int32(k), 0, &found, ev.baseAddress, &z, 1, sup.baseAddress,
                                                   w.baseAddress, Int32(w.count), iw.baseAddress, Int32(iw.count))
                      }
                    }
                }
            }
        }
        // dsyevr's MRRR can report an internal failure (info > 0) on exactly degenerate spectra,
        // e.g. the Gram matrix ρ²·I of a scaled orthogonal matrix: fall back to the SVD then.
        guard info == 0 else { return try compute(a) }
        return Swift.max(eigenvalues[0], 0).squareRoot()
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
