import Linalg

/// A recurrent cell in the form BPTT wants: affine pre-activations computed by BLAS, then a
/// point-wise map that the cell owns.
///
/// Every cell computes, for a batch of B rows (row-major blocks),
///
///     ZX = X·W_ihᵀ + b_ih        (B × G·H, the input projection; G gates)
///     ZH = H_{t−1}·W_hhᵀ + b_hh  (B × G·H)
///     S_t = pointwise(ZX, ZH, S_{t−1})
///
/// where the state S (B × `stateSize`) is h (RNN, GRU) or [h, c] per row (LSTM, h first), the same
/// layout as `RecurrentMap`. The generic unroller (`Unroller`) does the BLAS work and the bookkeeping;
/// a cell supplies the point-wise forward map, its point-wise backward map, and its closed-form
/// one-step Jacobian. Cells hold their weights; they are values (Sendable).
public protocol RecurrentCell: RecurrentMap where Workspace == CellWorkspace {
    /// H (default: the weights' H).
    var hiddenSize: Int { get }
    /// The weights: W_ih (G·H × D), W_hh (G·H × H), b_ih, b_hh (G·H each; zeros when absent).
    var weights: CellWeights { get }
    /// Doubles per batch row per step the forward map keeps for the backward map.
    var cacheWidth: Int { get }
    /// True when ∂L/∂ZH = ∂L/∂ZX (RNN, LSTM): `pointwiseBackward` then does not write `dzh`.
    var hiddenPreactivationGradientIsInputGradient: Bool { get }

    /// S_t from ZX, ZH and S_{t−1} for `batch` rows; fills `cache` (batch × cacheWidth).
    func pointwiseForward(batch: Int, zx: UnsafePointer<Double>, zh: UnsafePointer<Double>,
                          previous: UnsafePointer<Double>, next: UnsafeMutablePointer<Double>,
                          cache: UnsafeMutablePointer<Double>)

    /// Given dState = ∂L/∂S_t (batch × stateSize, total), writes ∂L/∂ZX to `dzx`, ∂L/∂ZH to `dzh`
    /// (unless `hiddenPreactivationGradientIsInputGradient`), and to `dPrevious` the part of
    /// ∂L/∂S_{t−1} that does not pass through W_hh (GRU: z ⊙ ∂L/∂h; LSTM: (0, f ⊙ ∂L/∂c_t
    /// total); RNN: 0). The unroller adds ∂L/∂ZH·W_hh to the h part.
    func pointwiseBackward(batch: Int, dState: UnsafePointer<Double>, cache: UnsafePointer<Double>,
                           previous: UnsafePointer<Double>, next: UnsafePointer<Double>,
                           dzx: UnsafeMutablePointer<Double>, dzh: UnsafeMutablePointer<Double>,
                           dPrevious: UnsafeMutablePointer<Double>)

    /// Writes the closed-form J = ∂S_t/∂S_{t−1} using the cache of the step just taken by `step`
    /// (`workspace.cache`, `workspace.next`) at previous state `s`.
    func jacobianFromCache(_ s: UnsafePointer<Double>, into j: UnsafeMutablePointer<Double>, workspace: CellWorkspace)

    /// Scalars of the parameters the cell owns beyond `weights` (LN-RNN: gain and shift, 2H); 0 by default.
    var ownParameterCount: Int { get }

    /// Adds one step's ∂L/∂(own parameters) (`ownParameterCount` values) to `out`, from the total
    /// ∂L/∂S_t (`dState`), the step's cache and S_t (`next`) of `batch` rows. Linear in `dState`, so the
    /// unroller may call it once per step with the sum over BPTT windows. Nothing by default.
    func accumulateOwnParameterGradients(batch: Int, dState: UnsafePointer<Double>, cache: UnsafePointer<Double>,
                                         next: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>)
}

/// The affine part of a cell: W_ih (G·H × D), W_hh (G·H × H), b_ih and b_hh (G·H; zeros when the
/// model has no such bias).
///
/// A diagonal recurrence (IndRNN: W_hh = diag(u)) keeps u in `recurrentDiagonal` and W_hh = diag(u)
/// densely in `hiddenWeight`, so that every generic path (single-sample `step`, `jacobian`, `vjp`,
/// theory, spectra) stays correct unchanged; the `Unroller` sees `recurrentDiagonal` and replaces its
/// per-step gemm by an element-wise product (O(B·H) instead of O(B·H²)), and returns ∂L/∂u (H × 1)
/// instead of the dense ∂L/∂W_hh.
public struct CellWeights: Sendable {
    public let gateCount: Int
    public let hiddenSize: Int
    public let inputSize: Int
    public let inputWeight: Matrix
    public let hiddenWeight: Matrix
    public let inputBias: [Double]
    public let hiddenBias: [Double]
    /// u when W_hh = diag(u) (IndRNN); nil for a dense W_hh.
    public let recurrentDiagonal: [Double]?
    /// [Re λ; Im λ] (2N) when W_hh is the LRU's complex diagonal in real form,
    /// [[diag Re λ, −diag Im λ], [diag Im λ, diag Re λ]] (`LRUCell`); nil otherwise.
    public let recurrentRotation: [Double]?

    /// Validated by `RecurrentModel`; here only preconditions.
    public init(gateCount: Int, inputWeight: Matrix, hiddenWeight: Matrix, inputBias: [Double]?, hiddenBias: [Double]?) {
        let gh = hiddenWeight.rows
        precondition(gh % gateCount == 0 && inputWeight.rows == gh && hiddenWeight.cols * gateCount == gh)
        self.gateCount = gateCount
        hiddenSize = hiddenWeight.cols
        inputSize = inputWeight.cols
        self.inputWeight = inputWeight
        self.hiddenWeight = hiddenWeight
        self.inputBias = inputBias ?? [Double](repeating: 0, count: gh)
        self.hiddenBias = hiddenBias ?? [Double](repeating: 0, count: gh)
        recurrentDiagonal = nil
        recurrentRotation = nil
        precondition(self.inputBias.count == gh && self.hiddenBias.count == gh)
    }

    /// A one-block cell with the diagonal recurrence W_hh = diag(u) (IndRNN): W_ih (H × D), u (H).
    public init(inputWeight: Matrix, recurrentDiagonal u: [Double], inputBias: [Double]?, hiddenBias: [Double]?) {
        let h = u.count
        precondition(h > 0 && inputWeight.rows == h)
        var dense = Matrix(rows: h, cols: h)
        for j in 0..<h { dense[j, j] = u[j] }
        gateCount = 1
        hiddenSize = h
        inputSize = inputWeight.cols
        self.inputWeight = inputWeight
        hiddenWeight = dense
        self.inputBias = inputBias ?? [Double](repeating: 0, count: h)
        self.hiddenBias = hiddenBias ?? [Double](repeating: 0, count: h)
        recurrentDiagonal = u
        recurrentRotation = nil
        precondition(self.inputBias.count == h && self.hiddenBias.count == h)
    }

    /// The LRU's real form (`LRUCell`): W_ih (2N × D), λ as [Re λ; Im λ] (2N), W_hh its 2N × 2N
    /// rotation-scaling blocks (kept densely), no biases.
    public init(inputWeight: Matrix, recurrentRotation rot: [Double]) {
        let m = rot.count, n = m / 2
        precondition(m > 0 && m % 2 == 0 && inputWeight.rows == m)
        var dense = Matrix(rows: m, cols: m)
        for j in 0..<n {
            dense[j, j] = rot[j]; dense[j, n + j] = -rot[n + j]
            dense[n + j, j] = rot[n + j]; dense[n + j, n + j] = rot[j]
        }
        gateCount = 1
        hiddenSize = m
        inputSize = inputWeight.cols
        self.inputWeight = inputWeight
        hiddenWeight = dense
        inputBias = [Double](repeating: 0, count: m)
        hiddenBias = [Double](repeating: 0, count: m)
        recurrentDiagonal = nil
        recurrentRotation = rot
    }

    /// G·H.
    public var gateRows: Int { gateCount * hiddenSize }
}

/// Scratch memory of one caller of a cell's single-sample `step`, `jacobian` and `vjp`.
/// Allocated once by `makeWorkspace()`; nothing is allocated per call.
public final class CellWorkspace {
    let zx: UnsafeMutablePointer<Double>
    let zh: UnsafeMutablePointer<Double>
    let dzx: UnsafeMutablePointer<Double>
    let dzh: UnsafeMutablePointer<Double>
    let cache: UnsafeMutablePointer<Double>
    let next: UnsafeMutablePointer<Double>
    let dPrevious: UnsafeMutablePointer<Double>
    private let block: UnsafeMutablePointer<Double>
    private let cacheWidth: Int

    /// Read-only: the cache the last single-sample `step` or `jacobian` wrote (`cacheWidth` entries,
    /// each cell's layout in its documentation: RNN z; LSTM i, f, g, o, tanh(c); GRU r, z, n, W_hn h + b_hn).
    /// Valid until the next call that uses this workspace.
    public var lastStepCache: UnsafeBufferPointer<Double> { UnsafeBufferPointer(start: cache, count: cacheWidth) }

    init(gateRows: Int, cacheWidth: Int, stateSize: Int) {
        self.cacheWidth = cacheWidth
        let total = 4 * gateRows + cacheWidth + 2 * stateSize
        block = allocateAligned(total)
        zx = block
        zh = zx + gateRows
        dzx = zh + gateRows
        dzh = dzx + gateRows
        cache = dzh + gateRows
        next = cache + cacheWidth
        dPrevious = next + stateSize
    }

    deinit { block.deallocate() }
}

/// `count` zeroed Float64s, 64-byte aligned (DESIGN.md: OpenBLAS is slower on 16-byte alignment).
func allocateAligned(_ count: Int) -> UnsafeMutablePointer<Double> {
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 8, alignment: 64)
    let p = raw.bindMemory(to: Double.self, capacity: max(count, 1))
    p.initialize(repeating: 0, count: max(count, 1))
    return p
}

extension RecurrentCell {
    public var ownParameterCount: Int { 0 }
    public func accumulateOwnParameterGradients(batch: Int, dState: UnsafePointer<Double>, cache: UnsafePointer<Double>,
                                                next: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {}

    public var inputSize: Int { weights.inputSize }
    public var hiddenSize: Int { weights.hiddenSize }

    /// The zero state of a batch: B × S (rows h, or [h, c] for LSTM), the cell's state type in the
    /// unroller's layout (`Unroller.forward(initial:)` takes its storage).
    public func zeroState(batchSize: Int = 1) -> Matrix { Matrix(rows: batchSize, cols: stateSize) }

    public func makeWorkspace() -> CellWorkspace {
        CellWorkspace(gateRows: weights.gateRows, cacheWidth: cacheWidth, stateSize: stateSize)
    }

    /// Single-sample pre-activations: ws.zx = W_ih x + b_ih, ws.zh = W_hh h + b_hh (two gemv).
    func preactivations(_ s: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ ws: CellWorkspace) {
        let w = weights, gh = w.gateRows
        w.inputBias.withUnsafeBufferPointer { ws.zx.update(from: $0.baseAddress!, count: gh) }
        w.hiddenBias.withUnsafeBufferPointer { ws.zh.update(from: $0.baseAddress!, count: gh) }
        w.inputWeight.withUnsafeBufferPointer { a in
            gemv(.none, rows: gh, cols: w.inputSize, a.baseAddress!, x, beta: 1, ws.zx)
        }
        w.hiddenWeight.withUnsafeBufferPointer { a in
            gemv(.none, rows: gh, cols: hiddenSize, a.baseAddress!, s, beta: 1, ws.zh)
        }
    }

    public func step(_ s: UnsafePointer<Double>, _ x: UnsafePointer<Double>,
                     into next: UnsafeMutablePointer<Double>, workspace: inout CellWorkspace) {
        preactivations(s, x, workspace)
        pointwiseForward(batch: 1, zx: workspace.zx, zh: workspace.zh, previous: s, next: next, cache: workspace.cache)
    }

    public func jacobian(_ s: UnsafePointer<Double>, _ x: UnsafePointer<Double>,
                         into j: UnsafeMutablePointer<Double>, workspace: inout CellWorkspace) {
        preactivations(s, x, workspace)
        pointwiseForward(batch: 1, zx: workspace.zx, zh: workspace.zh, previous: s, next: workspace.next, cache: workspace.cache)
        jacobianFromCache(s, into: j, workspace: workspace)
    }

    /// One single-sample step at (s, x), then its point-wise backward for the state cotangent u:
    /// ∂L/∂ZX in `ws.dzx`, ∂L/∂ZH in `ws.dzh` (GRU), the part of ∂L/∂s that bypasses W_hh in `dPrevious`.
    private func backwardOneStep(_ s: UnsafePointer<Double>, _ x: UnsafePointer<Double>, cotangent u: UnsafePointer<Double>,
                                 dPrevious: UnsafeMutablePointer<Double>, _ ws: CellWorkspace) {
        preactivations(s, x, ws)
        pointwiseForward(batch: 1, zx: ws.zx, zh: ws.zh, previous: s, next: ws.next, cache: ws.cache)
        pointwiseBackward(batch: 1, dState: u, cache: ws.cache, previous: s, next: ws.next,
                          dzx: ws.dzx, dzh: ws.dzh, dPrevious: dPrevious)
    }

    /// The vector–Jacobian product Jᵀu = (uᵀ J)ᵀ at (s, x), without forming J:
    /// one point-wise backward and one gemv with W_hhᵀ (O(G·H²) time, O(G·H) memory).
    /// `u` and `out` have `stateSize` entries and must not overlap.
    public func vjp(_ s: UnsafePointer<Double>, _ x: UnsafePointer<Double>, cotangent u: UnsafePointer<Double>,
                    into out: UnsafeMutablePointer<Double>, workspace: inout CellWorkspace) {
        let ws = workspace
        backwardOneStep(s, x, cotangent: u, dPrevious: out, ws)
        let dzh = hiddenPreactivationGradientIsInputGradient ? ws.dzx : ws.dzh
        weights.hiddenWeight.withUnsafeBufferPointer { a in
            gemv(.transpose, rows: weights.gateRows, cols: hiddenSize, a.baseAddress!, dzh, beta: 1, out)
        }
    }

    /// g = ∂L/∂Z_h at (s, x) for a state cotangent u = ∂L/∂s_t: the G·H vector (gate pre-activation
    /// gradients, for a GRU's n gate after the reset gate) that multiplies W_hh, so that this step's
    /// term of ∂L/∂W_hh is the rank-one g·hᵀ with h the first H entries of s. `g` has `gateRows` entries.
    public func hiddenWeightGradientFactor(_ s: UnsafePointer<Double>, _ x: UnsafePointer<Double>, cotangent u: UnsafePointer<Double>,
                                           into g: UnsafeMutablePointer<Double>, workspace: inout CellWorkspace) {
        let ws = workspace
        backwardOneStep(s, x, cotangent: u, dPrevious: ws.dPrevious, ws)
        g.update(from: hiddenPreactivationGradientIsInputGradient ? ws.dzx : ws.dzh, count: weights.gateRows)
    }

    /// The input vector–Jacobian product (∂s_t/∂x_t)ᵀu = W_ihᵀ·∂L/∂ZX at (s, x) for a cotangent u on
    /// the state (`stateSize` entries): how a gradient on this cell's state reaches its input — the
    /// depth step of a stacked model. `out` has `inputSize` entries (overwritten).
    public func inputVJP(_ s: UnsafePointer<Double>, _ x: UnsafePointer<Double>, cotangent u: UnsafePointer<Double>,
                         into out: UnsafeMutablePointer<Double>, workspace: inout CellWorkspace) {
        let ws = workspace
        backwardOneStep(s, x, cotangent: u, dPrevious: ws.dPrevious, ws)
        weights.inputWeight.withUnsafeBufferPointer { a in
            gemv(.transpose, rows: weights.gateRows, cols: inputSize, a.baseAddress!, ws.dzx, beta: 0, out)
        }
    }

    /// ∂h_t/∂x_t (H × inputSize, row-major) at (s, x): row i is the input VJP of e_i on h.
    /// `unit` is scratch of `stateSize` entries.
    public func hiddenInputJacobian(_ s: UnsafePointer<Double>, _ x: UnsafePointer<Double>, into j: UnsafeMutablePointer<Double>,
                                    unit: UnsafeMutablePointer<Double>, workspace: inout CellWorkspace) {
        unit.update(repeating: 0, count: stateSize)
        for i in 0..<hiddenSize {
            unit[i] = 1
            inputVJP(s, x, cotangent: unit, into: j + i * inputSize, workspace: &workspace)
            unit[i] = 0
        }
    }
}
