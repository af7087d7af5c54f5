/// The two per-step products of BPTT with a fixed recurrent weight W (G·H × H, row-major), for a batch
/// of m rows:
/// - forward  ZH (m × G·H) += H_{t−1} (m × H) · Wᵀ,
/// - backward ∂L/∂H_{t−1} (m × H) += ∂L/∂ZH (m × G·H) · W,
/// computed by the `kernel` chosen at `init` (`RecurrentProductKernel.automatic` unless given):
/// the packed kernel keeps Wᵀ and W packed (`PackedMatrix`, packed once per `load`, reused by every
/// step); OpenBLAS gets W and a row-major copy of Wᵀ (so that its forward call is NoTrans × NoTrans)
/// and uses DGEMV for m = 1, DGEMM otherwise. Nothing is allocated after `init`.
public final class RecurrentProducts {
    /// G·H, the rows of W.
    public let gateRows: Int
    /// H, the columns of W.
    public let hidden: Int
    public let kernel: RecurrentProductKernel
    private let forwardPacked: PackedMatrix?, backwardPacked: PackedMatrix?
    private let weight: UnsafeMutablePointer<Double>?, weightTransposed: UnsafeMutablePointer<Double>?

    /// Storage for W of `gateRows` × `hidden`, for batches of `batch` rows; call `load` before use.
    public init(gateRows: Int, hidden: Int, batch: Int, kernel: RecurrentProductKernel? = nil) {
        precondition(gateRows >= 0 && hidden >= 0 && batch >= 1)
        self.gateRows = gateRows
        self.hidden = hidden
        let kernel = kernel ?? .automatic(m: batch, n: gateRows, k: hidden)
        self.kernel = kernel
        switch kernel {
        case .packed(let isa):
            forwardPacked = PackedMatrix(rows: hidden, cols: gateRows, isa: isa)
            backwardPacked = PackedMatrix(rows: gateRows, cols: hidden, isa: isa)
            weight = nil
            weightTransposed = nil
        case .openBLAS:
            forwardPacked = nil
            backwardPacked = nil
            let n = max(gateRows * hidden, 1)
            weight = .allocate(capacity: n)
            weight?.initialize(repeating: 0, count: n)
            weightTransposed = .allocate(capacity: n)
            weightTransposed?.initialize(repeating: 0, count: n)
        }
    }

    deinit {
        weight?.deallocate()
        weightTransposed?.deallocate()
    }

    /// Loads W (gateRows × hidden, row-major, contiguous): packs it (packed kernel) or copies W and Wᵀ.
    public func load(_ w: UnsafePointer<Double>) {
        let (gh, h) = (gateRows, hidden)
        if let f = forwardPacked, let b = backwardPacked {
            f.pack(w, ld: max(h, 1), transposed: true)
            b.pack(w, ld: max(h, 1), transposed: false)
        } else if let wc = weight, let wt = weightTransposed {
            wc.update(from: w, count: gh * h)
            for i in 0..<gh { for j in 0..<h { wt[j * gh + i] = w[i * h + j] } }
        }
    }

    /// ZH (m × G·H, row stride ldc) += H (m × H, row stride lda) · Wᵀ.
    @inline(__always)
    public func forward(m: Int, _ a: UnsafePointer<Double>, lda: Int, into c: UnsafeMutablePointer<Double>, ldc: Int) {
        if let f = forwardPacked {
            f.multiply(m: m, a, lda: lda, accumulate: true, into: c, ldc: ldc)
        } else if let wc = weight, let wt = weightTransposed {
            if m == 1 {
                gemv(.none, rows: gateRows, cols: hidden, wc, a, beta: 1, c)
            } else {
                gemm(.none, .none, m: m, n: gateRows, k: hidden, a, lda: lda, wt, ldb: gateRows, beta: 1, c, ldc: ldc)
            }
        }
    }

    /// ∂H (m × H, row stride ldc) += ∂ZH (m × G·H, row stride lda) · W.
    @inline(__always)
    public func backward(m: Int, _ a: UnsafePointer<Double>, lda: Int, into c: UnsafeMutablePointer<Double>, ldc: Int) {
        if let b = backwardPacked {
            b.multiply(m: m, a, lda: lda, accumulate: true, into: c, ldc: ldc)
        } else if let wc = weight {
            if m == 1 {
                gemv(.transpose, rows: gateRows, cols: hidden, wc, a, beta: 1, c)
            } else {
                gemm(.none, .none, m: m, n: hidden, k: gateRows, a, lda: lda, wc, ldb: hidden, beta: 1, c, ldc: ldc)
            }
        }
    }
}
