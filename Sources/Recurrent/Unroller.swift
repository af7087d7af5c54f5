import Foundation
import Linalg

/// The generic unroller: runs any `RecurrentCell` over a batch of sequences on a preallocated tape,
/// and backpropagates through windows of that tape (full or truncated BPTT).
///
/// Indexing: states s_0 … s_T, step t (1…T) maps s_{t−1} to s_t with input x_t (row block t−1 of
/// the time-major input). All blocks are row-major with B rows: state rows have `stateSize`
/// values ([h, c] for LSTM), so the h block of step t is B × H with leading dimension S.
///
/// Work per call: one gemm for the whole input projection X·W_ihᵀ (T·B × D times D × G·H); per step
/// one product H_{t−1}·W_hhᵀ and one ∂L/∂Z·W_hh (`RecurrentProducts`: W_hhᵀ and W_hh packed once at
/// `init`/`reload` for GradLab's packed kernel, or OpenBLAS gemm/gemv, by `RecurrentProductKernel`);
/// after the backward sweep one gemm each for ∂L/∂W_ih, ∂L/∂W_hh and ∂L/∂X. Nothing is allocated per
/// step: the tape is sized at `init` for (T, B) and can be reused for any T' ≤ T with the same B.
///
/// A diagonal recurrence (`CellWeights.recurrentDiagonal`, IndRNN) replaces the two per-step gemm by
/// element-wise products (u ⊙ h_{t−1}, u ⊙ ∂L/∂Z) and ∂L/∂W_hh by ∂L/∂u = Σ_rows ∂L/∂ZH ⊙ H_{t−1}
/// (H × 1); the dense path of every other cell is unchanged. The LRU's complex diagonal in real form
/// (`CellWeights.recurrentRotation`, λ = a + i·c per unit j, state [Re h; Im h]) likewise multiplies
/// by 2 × 2 blocks element-wise and returns ∂L/∂[Re λ; Im λ] (2N × 1).
public final class Unroller<Cell: RecurrentCell> {
    /// The cell whose weights the tape runs (replaced by `reload(_:)` between passes).
    public internal(set) var cell: Cell
    public let capacity: Int
    public let batch: Int
    public private(set) var steps = 0

    let h: Int, s: Int, gh: Int, d: Int, cw: Int
    let states: UnsafeMutablePointer<Double>      // (T+1)·B·S
    let zx: UnsafeMutablePointer<Double>          // T·B·GH: forward ZX, then backward ∂L/∂ZX
    let dzhAll: UnsafeMutablePointer<Double>      // T·B·GH (GRU) or alias of zx
    let cache: UnsafeMutablePointer<Double>       // T·B·cw
    let zh: UnsafeMutablePointer<Double>          // B·GH scratch
    let scratchX: UnsafeMutablePointer<Double>, scratchH: UnsafeMutablePointer<Double>
    let dS: UnsafeMutablePointer<Double>, dS2: UnsafeMutablePointer<Double>   // B·S
    let dStates: UnsafeMutablePointer<Double>     // T·B·S: ∂L/∂s_t (h, and c for LSTM)
    let initialGradient: UnsafeMutablePointer<Double>  // B·S
    let startGradient: UnsafeMutablePointer<Double>    // B·S: ∂L/∂s_start of the last backward window
    let normScratch: UnsafeMutablePointer<Double>
    /// The per-step products with W_hh (nil for a diagonal or rotation recurrence).
    let products: RecurrentProducts?
    let diagonal: UnsafeMutablePointer<Double>?   // u (H) for a diagonal recurrence
    let rotation: UnsafeMutablePointer<Double>?   // [Re λ; Im λ] (H = 2N) for the LRU
    /// touched[t − 1]: whether a backward window has already written step t's accumulators.
    private let touched: UnsafeMutablePointer<Bool>
    private var inputs: UnsafePointer<Double>?
    private var owned: [UnsafeMutablePointer<Double>] = []

    /// A tape for up to `capacity` steps of `batch` sequences; `kernel` chooses how the per-step
    /// products with W_hh are computed (default `RecurrentProductKernel.automatic`).
    public init(cell: Cell, capacity: Int, batch: Int, kernel: RecurrentProductKernel? = nil) {
        precondition(capacity >= 0 && batch > 0)
        self.cell = cell
        self.capacity = capacity
        self.batch = batch
        h = cell.hiddenSize; s = cell.stateSize; gh = cell.weights.gateRows; d = cell.inputSize; cw = cell.cacheWidth
        var owned: [UnsafeMutablePointer<Double>] = []
        func buffer(_ n: Int) -> UnsafeMutablePointer<Double> { let p = allocateAligned(n); owned.append(p); return p }
        states = buffer((capacity + 1) * batch * s)
        zx = buffer(capacity * batch * gh)
        dzhAll = cell.hiddenPreactivationGradientIsInputGradient ? zx : buffer(capacity * batch * gh)
        cache = buffer(capacity * batch * cw)
        zh = buffer(batch * gh)
        scratchX = buffer(batch * gh)
        scratchH = buffer(batch * gh)
        dS = buffer(batch * s)
        dS2 = buffer(batch * s)
        dStates = buffer(capacity * batch * s)
        initialGradient = buffer(batch * s)
        startGradient = buffer(batch * s)
        normScratch = buffer(batch * (gh + h) + 2 * batch * batch)
        if cell.weights.recurrentDiagonal == nil && cell.weights.recurrentRotation == nil {
            let p = RecurrentProducts(gateRows: gh, hidden: h, batch: batch, kernel: kernel)
            cell.weights.hiddenWeight.withUnsafeBufferPointer { p.load($0.baseAddress!) }
            products = p
        } else {
            products = nil
        }
        if let u = cell.weights.recurrentDiagonal {
            let p = buffer(h)
            for j in 0..<h { p[j] = u[j] }
            diagonal = p
        } else {
            diagonal = nil
        }
        if let r = cell.weights.recurrentRotation {
            let p = buffer(h)
            for j in 0..<h { p[j] = r[j] }
            rotation = p
        } else {
            rotation = nil
        }
        touched = .allocate(capacity: max(capacity, 1))
        touched.initialize(repeating: false, count: max(capacity, 1))
        self.owned = owned
    }

    deinit {
        for p in owned { p.deallocate() }
        touched.deallocate()
    }

    /// s_t (B × S), t = 0 … steps.
    public func state(_ t: Int) -> UnsafePointer<Double> { UnsafePointer(states + t * batch * s) }
    /// The cache of step t (B × cacheWidth), t = 1 … steps (vanilla: z_t).
    public func cache(step t: Int) -> UnsafePointer<Double> { UnsafePointer(cache + (t - 1) * batch * cw) }
    /// ∂L/∂s_t (B × S) after a backward sweep, t = 1 … steps: h part = ∂L/∂h_t (total derivative).
    public func stateGradient(_ t: Int) -> UnsafePointer<Double> { settle(); return UnsafePointer(dStates + (t - 1) * batch * s) }
    /// ∂L/∂s_0 (B × S) after a backward sweep that reached step 1.
    public var initialStateGradient: UnsafePointer<Double> { UnsafePointer(initialGradient) }
    /// ∂L/∂s_start (B × S) that the last `backward(from:to:…)` carried to its window's start (a copy,
    /// so exactly the value a longer window would carry on): what a checkpointed sweep hands to the
    /// segment before (`CheckpointedUnroller`).
    public var windowStartGradient: UnsafePointer<Double> { UnsafePointer(startGradient) }

    /// Runs T steps. `x`: time-major T·B·D (must stay valid until the backward sweep is finished);
    /// `initial`: B × S, or zero when nil.
    public func forward(steps t: Int, inputs x: UnsafePointer<Double>, initial: UnsafePointer<Double>? = nil) {
        precondition(t <= capacity, "Unroller: \(t) steps exceed the tape's capacity \(capacity)")
        steps = t
        inputs = x
        let bs = batch * s, bg = batch * gh
        if let initial { states.update(from: initial, count: bs) } else { states.update(repeating: 0, count: bs) }
        let w = cell.weights
        // ZX = X·W_ihᵀ + b_ih for all steps at once.
        w.inputWeight.withUnsafeBufferPointer { wih in
            gemm(.none, .transpose, m: t * batch, n: gh, k: d, x, lda: d, wih.baseAddress!, ldb: d, beta: 0, zx, ldc: gh)
        }
        w.inputBias.withUnsafeBufferPointer { bias in
            for r in 0..<(t * batch) { let row = zx + r * gh; for j in 0..<gh { row[j] += bias[j] } }
        }
        // One copy of the cell for the loop: calling through the stored `var` copied the cell (and
        // retained its arrays) on every step — 5% of BPTT at H = 64, B = 1.
        let cell = self.cell
        do {
            w.hiddenBias.withUnsafeBufferPointer { bias in
                for step in 1...max(t, 1) where t > 0 {
                    let prev = states + (step - 1) * bs
                    for b in 0..<batch { (zh + b * gh).update(from: bias.baseAddress!, count: gh) }
                    if let u = diagonal {
                        for b in 0..<batch {
                            let row = zh + b * gh, hp = prev + b * s
                            for j in 0..<h { row[j] += u[j] * hp[j] }
                        }
                    } else if let r = rotation {
                        let n = h / 2
                        for b in 0..<batch {
                            let row = zh + b * gh, hp = prev + b * s
                            for j in 0..<n {
                                let a = r[j], c = r[n + j], re = hp[j], im = hp[n + j]
                                row[j] += a * re - c * im
                                row[n + j] += c * re + a * im
                            }
                        }
                    } else if let products {
                        products.forward(m: batch, prev, lda: s, into: zh, ldc: gh)
                    }
                    cell.pointwiseForward(batch: batch, zx: zx + (step - 1) * bg, zh: zh, previous: prev,
                                          next: states + step * bs, cache: cache + (step - 1) * batch * cw)
                }
            }
        }
    }

    /// Starts a backward pass: the first window to reach a step writes its accumulators (∂L/∂Z, ∂L/∂s_t), later ones add; steps no window reaches read as zero.
    public func beginBackward() {
        initialGradient.update(repeating: 0, count: batch * s)
        touched.update(repeating: false, count: max(capacity, 1))
    }

    /// Zeroes the accumulators of steps no window reached (their gradient is 0), once; `indices`
    /// (0-based step indices t − 1) limits it to part of the tape, e.g. before reading one window's
    /// accumulators as a difference (StackedTape).
    func settle(indices: Range<Int>? = nil) {
        let bg = batch * gh, bs = batch * s
        for t in indices ?? 0..<steps where !touched[t] {
            (zx + t * bg).update(repeating: 0, count: bg)
            if dzhAll != zx { (dzhAll + t * bg).update(repeating: 0, count: bg) }
            (dStates + t * bs).update(repeating: 0, count: bs)
            touched[t] = true
        }
    }

    /// Backpropagates from s_end down to s_start (steps end, end−1, …, start+1), starting from
    /// ∂L/∂s_end = 0 plus injections: for steps t in `injected` (a subrange of start+1…end),
    /// `injection(t)` (B × H, row-major) is added to ∂L/∂h_t on arrival at step t. Gradients stop
    /// at s_start (it is treated as a constant: "detached"). ∂L/∂Z and ∂L/∂s_t are *added* to
    /// the accumulators, so overlapping windows sum. Call `beginBackward()` first.
    /// `seed` (B × S), when given, replaces the zero ∂L/∂s_end: the gradient a later part of the
    /// sequence sends into this window (a checkpointed sweep's carry; copied, so bit-exact).
    public func backward(from end: Int, to start: Int, injected: ClosedRange<Int>?, seed: UnsafePointer<Double>? = nil,
                         injection: (Int) -> UnsafePointer<Double>?) {
        precondition(0 <= start && start <= end && end <= steps)
        let bs = batch * s, bg = batch * gh
        let shared = cell.hiddenPreactivationGradientIsInputGradient
        if let seed { dS.update(from: seed, count: bs) } else { dS.update(repeating: 0, count: bs) }
        var cur = dS, other = dS2
        let cell = self.cell   // one copy for the loop (see `forward`)
        do {
            var t = end
            while t > start {
                if let range = injected, range.contains(t), let g = injection(t) {
                    for b in 0..<batch { let row = cur + b * s, src = g + b * h; for j in 0..<h { row[j] += src[j] } }
                }
                // First visit of step t: write the accumulators directly; later visits add.
                let first = !touched[t - 1]
                touched[t - 1] = true
                let record = dStates + (t - 1) * bs
                if first { record.update(from: cur, count: bs) } else { for k in 0..<bs { record[k] += cur[k] } }
                let accX = zx + (t - 1) * bg, accH = dzhAll + (t - 1) * bg
                let dzx = first ? accX : scratchX
                let dzh = shared ? dzx : (first ? accH : scratchH)
                cell.pointwiseBackward(batch: batch, dState: cur, cache: cache + (t - 1) * batch * cw,
                                       previous: states + (t - 1) * bs, next: states + t * bs,
                                       dzx: dzx, dzh: dzh, dPrevious: other)
                if let u = diagonal {
                    for b in 0..<batch {
                        let row = other + b * s, g = dzh + b * gh
                        for j in 0..<h { row[j] += u[j] * g[j] }
                    }
                } else if let r = rotation {
                    // The transpose of the 2 × 2 blocks [[a, −c], [c, a]].
                    let n = h / 2
                    for b in 0..<batch {
                        let row = other + b * s, g = dzh + b * gh
                        for j in 0..<n {
                            let a = r[j], c = r[n + j], gr = g[j], gi = g[n + j]
                            row[j] += a * gr + c * gi
                            row[n + j] += a * gi - c * gr
                        }
                    }
                } else if let products {
                    products.backward(m: batch, dzh, lda: gh, into: other, ldc: s)
                }
                if !first {
                    for k in 0..<bg { accX[k] += dzx[k] }
                    if !shared { for k in 0..<bg { accH[k] += dzh[k] } }
                }
                swap(&cur, &other)
                t -= 1
            }
        }
        if start == 0 { for k in 0..<bs { initialGradient[k] += cur[k] } }
        startGradient.update(from: cur, count: bs)
    }

    /// ∂L/∂W_ih (G·H × D), ∂L/∂W_hh (G·H × H), ∂L/∂b_ih, ∂L/∂b_hh (G·H) from the accumulated
    /// ∂L/∂Z, and optionally ∂L/∂X (time-major T·B·D): one gemm each. For a diagonal recurrence the
    /// second is ∂L/∂u (H × 1), Σ over steps and rows of ∂L/∂ZH ⊙ h_{t−1}; for the LRU's rotation it is
    /// ∂L/∂[Re λ; Im λ] (2N × 1): per unit, Σ g_re·re + g_im·im and Σ g_im·re − g_re·im over steps and rows,
    /// with g = ∂L/∂ZH_t and [re; im] = s_{t−1}.
    public func parameterGradients(inputGradient: Bool) -> (inputWeight: Matrix, hiddenWeight: Matrix,
                                                             inputBias: Matrix, hiddenBias: Matrix, inputs: [Double]?) {
        settle()
        let rows = steps * batch
        var dwih = Matrix(rows: gh, cols: d), dwhh = Matrix(rows: gh, cols: diagonal == nil && rotation == nil ? h : 1)
        var dbih = Matrix(rows: gh, cols: 1), dbhh = Matrix(rows: gh, cols: 1)
        guard inputs != nil else { return (dwih, dwhh, dbih, dbhh, inputGradient ? [] : nil) }
        dwih.withUnsafeMutableBufferPointer { inputWeightGradient(into: $0.baseAddress!) }
        dwhh.withUnsafeMutableBufferPointer { hiddenWeightGradient(into: $0.baseAddress!) }
        dbih.withUnsafeMutableBufferPointer { inputBiasGradient(into: $0.baseAddress!) }
        dbhh.withUnsafeMutableBufferPointer { hiddenBiasGradient(into: $0.baseAddress!) }
        var dx: [Double]?
        if inputGradient {
            var g = [Double](repeating: 0, count: rows * d)
            cell.weights.inputWeight.withUnsafeBufferPointer { wih in
                g.withUnsafeMutableBufferPointer { o in
                    gemm(.none, .none, m: rows, n: d, k: gh, zx, lda: gh, wih.baseAddress!, ldb: d, beta: 0, o.baseAddress!, ldc: d)
                }
            }
            dx = g
        }
        return (dwih, dwhh, dbih, dbhh, dx)
    }

    /// ∂L/∂(the cell's own parameters) (`ownParameterCount` values; LN-RNN: g then b) after a backward
    /// sweep: Σ over steps of `accumulateOwnParameterGradients` at the accumulated ∂L/∂s_t (steps no
    /// window reached contribute 0). Empty for cells without own parameters.
    public func ownParameterGradients() -> [Double] {
        settle()
        var out = [Double](repeating: 0, count: cell.ownParameterCount)
        guard !out.isEmpty, steps > 0 else { return out }
        let bs = batch * s
        out.withUnsafeMutableBufferPointer { o in
            for t in 1...steps {
                cell.accumulateOwnParameterGradients(batch: batch, dState: dStates + (t - 1) * bs, cache: cache + (t - 1) * batch * cw,
                                                     next: states + t * bs, into: o.baseAddress!)
            }
        }
        return out
    }

    /// ∂L/∂W_ih (G·H × D) = Σ_t ∂L/∂ZX_tᵀ·X_t, one gemm, overwriting `c` (after a backward sweep).
    func inputWeightGradient(into c: UnsafeMutablePointer<Double>) {
        settle()
        guard let x = inputs else { c.update(repeating: 0, count: gh * d); return }
        gemm(.transpose, .none, m: gh, n: d, k: steps * batch, zx, lda: gh, x, ldb: d, beta: 0, c, ldc: d)
    }

    /// ∂L/∂W_hh (G·H × H) = Σ_t ∂L/∂ZH_tᵀ·H_{t−1}, one gemm; diagonal recurrence: ∂L/∂u (H), Σ over
    /// steps and rows of ∂L/∂ZH ⊙ h_{t−1}; the LRU's rotation: ∂L/∂[Re λ; Im λ] (2N), per unit j
    /// Σ g_re·h_re + g_im·h_im and Σ g_im·h_re − g_re·h_im. Overwrites `c`.
    func hiddenWeightGradient(into c: UnsafeMutablePointer<Double>) {
        settle()
        let rows = steps * batch
        if diagonal != nil {
            c.update(repeating: 0, count: h)
            for r in 0..<rows {
                let g = dzhAll + r * gh, hp = states + r * s
                for j in 0..<h { c[j] += g[j] * hp[j] }
            }
        } else if rotation != nil {
            let n = h / 2
            c.update(repeating: 0, count: h)
            for r in 0..<rows {
                let g = dzhAll + r * gh, hp = states + r * s
                for j in 0..<n {
                    c[j] += g[j] * hp[j] + g[n + j] * hp[n + j]
                    c[n + j] += g[n + j] * hp[j] - g[j] * hp[n + j]
                }
            }
        } else if rows == 0 {
            c.update(repeating: 0, count: gh * h)
        } else {
            gemm(.transpose, .none, m: gh, n: h, k: rows, dzhAll, lda: gh, states, ldb: s, beta: 0, c, ldc: h)
        }
    }

    /// ∂L/∂b_ih (G·H) = Σ over steps and rows of ∂L/∂ZX, overwriting `c`.
    func inputBiasGradient(into c: UnsafeMutablePointer<Double>) { settle(); columnSums(zx, into: c) }
    /// ∂L/∂b_hh (G·H) = Σ over steps and rows of ∂L/∂ZH, overwriting `c`.
    func hiddenBiasGradient(into c: UnsafeMutablePointer<Double>) { settle(); columnSums(dzhAll, into: c) }

    private func columnSums(_ p: UnsafePointer<Double>, into o: UnsafeMutablePointer<Double>) {
        o.update(repeating: 0, count: gh)
        for r in 0..<(steps * batch) { let row = p + r * gh; for j in 0..<gh { o[j] += row[j] } }
    }

    /// Loads `cell` (same sizes) for the next pass: its weights, the packed W_hh (or W_hhᵀ) and u are refreshed in place.
    func reload(_ cell: Cell) {
        precondition(cell.hiddenSize == h && cell.stateSize == s && cell.inputSize == d && cell.weights.gateRows == gh,
                     "Unroller.reload: a cell of another shape")
        self.cell = cell
        if let products { cell.weights.hiddenWeight.withUnsafeBufferPointer { products.load($0.baseAddress!) } }
        if let u = cell.weights.recurrentDiagonal, let p = diagonal { for j in 0..<h { p[j] = u[j] } }
        if let l = cell.weights.recurrentRotation, let p = rotation { for j in 0..<h { p[j] = l[j] } }
    }

    /// ‖∂L/∂h_t‖_F over the batch (B × H block) for t = 1 … steps (scaled dnrm2: never underflows
    /// to 0 for a nonzero representable norm). Written to `out[t − 1]`.
    public func hiddenGradientNorms(into out: UnsafeMutablePointer<Double>) {
        settle()
        for t in 1...max(steps, 1) where steps > 0 {
            out[t - 1] = frobeniusNorm(dStates + (t - 1) * batch * s, rows: batch, cols: h, ld: s)
        }
    }

    /// ‖∂L/∂c_t‖_F over the batch (LSTM only; the c half of the state), t = 1 … steps.
    public func cellGradientNorms(into out: UnsafeMutablePointer<Double>) {
        settle()
        precondition(s == 2 * h)
        for t in 1...max(steps, 1) where steps > 0 {
            out[t - 1] = frobeniusNorm(dStates + (t - 1) * batch * s + h, rows: batch, cols: h, ld: s)
        }
    }

    /// The Frobenius norm of step t's contribution to ∂L/∂W_hh, C_t = (∂L/∂ZH_t)ᵀ·H_{t−1}
    /// (G·H × H; summed over the batch), for t = 1 … steps, as log10 (−∞ when C_t = 0) so that
    /// nothing underflows. Computed without forming C_t:
    /// ‖AᵀB‖_F² = Σ (ÂÂᵀ ⊙ B̂B̂ᵀ)·‖A‖²‖B‖² with Â = A/‖A‖_F, B̂ = B/‖B‖_F (B × B Gram matrices).
    /// For a diagonal recurrence the contribution to ∂L/∂u is the vector Σ_b a_b ⊙ h_b (H), whose norm
    /// is taken after scaling both factors by their largest entry.
    public func recurrentWeightStepLog10Norms(into out: UnsafeMutablePointer<Double>) {
        settle()
        if diagonal != nil || rotation != nil { diagonalStepLog10Norms(into: out); return }
        let bg = batch * gh, ga = normScratch, gb = normScratch + bg
        let g1 = gb + batch * h, g2 = g1 + batch * batch
        for t in 1...max(steps, 1) where steps > 0 {
            let a = dzhAll + (t - 1) * bg, hb = states + (t - 1) * batch * s
            let na = nrm2(a, count: bg)
            let nb = frobeniusNorm(hb, rows: batch, cols: h, ld: s)
            guard na > 0, nb > 0 else { out[t - 1] = -.infinity; continue }
            for k in 0..<bg { ga[k] = a[k] / na }
            for b in 0..<batch { for j in 0..<h { gb[b * h + j] = hb[b * s + j] / nb } }
            gemm(.none, .transpose, m: batch, n: batch, k: gh, ga, lda: gh, ga, ldb: gh, beta: 0, g1, ldc: batch)
            gemm(.none, .transpose, m: batch, n: batch, k: h, gb, lda: h, gb, ldb: h, beta: 0, g2, ldc: batch)
            var sum = 0.0
            for k in 0..<(batch * batch) { sum += g1[k] * g2[k] }
            out[t - 1] = sum > 0 ? log10(na) + log10(nb) + 0.5 * log10(sum) : -.infinity
        }
    }

    /// log10 ‖Σ_b ∂L/∂ZH_{t,b} ⊙ h_{t−1,b}‖ per step (diagonal recurrence; for the LRU's rotation the
    /// step's 2N-vector contribution to ∂L/∂[Re λ; Im λ]), with each factor divided by its largest
    /// magnitude first (no underflow of the products).
    private func diagonalStepLog10Norms(into out: UnsafeMutablePointer<Double>) {
        let bg = batch * gh, v = normScratch
        for t in 1...max(steps, 1) where steps > 0 {
            let a = dzhAll + (t - 1) * bg, hb = states + (t - 1) * batch * s
            var ma = 0.0, mb = 0.0
            for k in 0..<bg { ma = max(ma, abs(a[k])) }
            for b in 0..<batch { for j in 0..<h { mb = max(mb, abs(hb[b * s + j])) } }
            guard ma > 0, mb > 0, ma.isFinite, mb.isFinite else { out[t - 1] = ma > 0 && mb > 0 ? .infinity : -.infinity; continue }
            for j in 0..<h { v[j] = 0 }
            if rotation != nil {
                let n = h / 2
                for b in 0..<batch {
                    for j in 0..<n {
                        let gr = a[b * gh + j] / ma, gi = a[b * gh + n + j] / ma
                        let re = hb[b * s + j] / mb, im = hb[b * s + n + j] / mb
                        v[j] += gr * re + gi * im
                        v[n + j] += gi * re - gr * im
                    }
                }
            } else {
                for b in 0..<batch { for j in 0..<h { v[j] += (a[b * gh + j] / ma) * (hb[b * s + j] / mb) } }
            }
            let n = nrm2(v, count: h)
            out[t - 1] = n > 0 ? log10(ma) + log10(mb) + log10(n) : -.infinity
        }
    }
}
