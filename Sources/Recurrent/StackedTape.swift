import Linalg

/// The tape of a stacked (and possibly bidirectional) model: one `Unroller` per layer ℓ and direction
/// (unit k = ℓ·dirs + dir), wired so that layer ℓ reads layer ℓ−1's output sequence, each step's row
/// being [h_t^{ℓ−1,fwd}; h_t^{ℓ−1,bwd}] (PyTorch's layout). No second BPTT: the time recursion of
/// every unit is its unroller's; this class only moves gradients between layers.
///
/// Time indexing: t = 1 … T. A forward unit's tape step τ is t; a backward unit runs over the
/// time-reversed input, so its tape step τ is T + 1 − t (its state at τ is h_t^{ℓ,bwd}).
///
/// Backward through depth: after unit (ℓ, dir) has run its BPTT over a window, the part of
/// ∂L/∂ZX that this window added, times W_ih^{ℓ,dir}, is ∂L/∂(layer ℓ−1's outputs) from this
/// window: the injections of layer ℓ−1 over the same window. Windows of truncated BPTT therefore
/// cut every layer at the same time step.
///
/// **Read-outs (the LRU).** With `readouts`, a unit's output is not its h but the read-out
/// y_t = C′s_t + D ⊙ x_t (`UnitReadout`, o = D_ℓ values: the layer's input width), so layer ℓ+1 and the
/// head read [y_t^{ℓ,fwd}; y_t^{ℓ,bwd}]. Backward, ∂L/∂y_t^ℓ arrives where ∂L/∂h_t would; the tape
/// injects ∂L/∂s_t = C′ᵀ∂L/∂y_t into the unit's BPTT, passes D ⊙ ∂L/∂y_t straight to the layer's input
/// (below, or `skipGradient` for layer 0) and accumulates ∂L/∂C′ and ∂L/∂D (`readoutGradients`).
///
/// All buffers are allocated at `init` for up to `capacity` steps of `batch` sequences.
final class StackedTape<Cell: RecurrentCell> {
    let layers: Int, directions: Int, batch: Int, capacity: Int
    let h: Int, s: Int, gh: Int, inputSize: Int
    /// Unit k = ℓ·dirs + dir.
    let units: [Unroller<Cell>]
    /// Per unit k, the read-out its layer outputs (nil: the layer outputs h_t).
    let readouts: [UnitReadout]?
    /// Per layer ℓ: o_ℓ, the width of one direction's output (H, or the read-out's D_ℓ).
    let outputWidths: [Int]
    private(set) var steps = 0
    /// Per layer: its output sequence, time-major T·B·(dirs·o_ℓ).
    private let outputs: [UnsafeMutablePointer<Double>]
    /// Per layer (bidirectional only): its input sequence reversed in time.
    private let reversedInputs: [UnsafeMutablePointer<Double>]
    /// Per direction, two sets: ∂L/∂(output at t) injected into the current layer, and being gathered
    /// for the layer below (time-major T·B·o_ℓ, t-ordered for both directions).
    private var current: [UnsafeMutablePointer<Double>], below: [UnsafeMutablePointer<Double>]
    private let snapshot: UnsafeMutablePointer<Double>       // T·B·G·H
    private let windowGradient: UnsafeMutablePointer<Double> // T·B·(widest layer input)
    /// Read-outs only: Y in tape order (T·B·max o), ∂L/∂s_t to inject (T·B·S, time order), per unit
    /// ∂L/∂C′ (o × S) and ∂L/∂D (o), per direction layer 0's D ⊙ ∂L/∂y_t (T·B·D, time order).
    private let readoutRows: UnsafeMutablePointer<Double>?, stateInjection: UnsafeMutablePointer<Double>?
    private let readoutMatrixGradients: [UnsafeMutablePointer<Double>], readoutSkipGradients: [UnsafeMutablePointer<Double>]
    private let skipGradients: [UnsafeMutablePointer<Double>]
    /// The layer-0 input sequence of the last `forward` (tape order for the forward direction).
    private var layerZeroInput: UnsafePointer<Double>?
    private var owned: [UnsafeMutablePointer<Double>] = []
    /// Doubles this tape allocated itself, beside its units' `Unroller`s (what Lab's `CostModel` estimates
    /// as a stack's sequences between layers).
    let allocatedScalars: Int

    /// `cells[k]` is unit k's cell (k = ℓ·dirs + dir); all share H and the cell type. `readouts[k]`, when
    /// given, is unit k's read-out: o_ℓ must equal the layer's input width (y = C′s + D ⊙ x).
    init(cells: [Cell], layers: Int, directions: Int, capacity: Int, batch: Int, readouts: [UnitReadout]? = nil) {
        precondition(cells.count == layers * directions && !cells.isEmpty && (readouts?.count ?? cells.count) == cells.count)
        self.layers = layers; self.directions = directions; self.capacity = capacity; self.batch = batch
        h = cells[0].hiddenSize; s = cells[0].stateSize; gh = cells[0].weights.gateRows; inputSize = cells[0].inputSize
        units = cells.map { Unroller(cell: $0, capacity: capacity, batch: batch) }
        self.readouts = readouts
        let widths = (0..<layers).map { readouts?[$0 * directions].width ?? cells[0].hiddenSize }
        outputWidths = widths
        if let readouts {
            for (k, r) in readouts.enumerated() { precondition(r.width == cells[k].inputSize && r.matrix.cols == cells[k].stateSize) }
        }
        var owned: [UnsafeMutablePointer<Double>] = [], allocated = 0
        func buffer(_ n: Int) -> UnsafeMutablePointer<Double> { let p = allocateAligned(n); owned.append(p); allocated += n; return p }
        let n = capacity * batch, widest = widths.max()!, widestInput = cells.map(\.inputSize).max()!
        outputs = widths.map { buffer(n * directions * $0) }
        reversedInputs = directions == 2 ? (0..<layers).map { buffer(n * cells[$0 * directions].inputSize) } : []
        current = (0..<directions).map { _ in buffer(n * widest) }
        below = (0..<directions).map { _ in buffer(n * widest) }
        snapshot = buffer(n * cells[0].weights.gateRows)
        windowGradient = buffer(n * widestInput)
        if let readouts {
            readoutRows = buffer(n * widest)
            stateInjection = buffer(n * cells[0].stateSize)
            readoutMatrixGradients = readouts.map { buffer($0.matrix.count) }
            readoutSkipGradients = readouts.map { buffer($0.width) }
            skipGradients = (0..<directions).map { _ in buffer(n * cells[0].inputSize) }
        } else {
            readoutRows = nil; stateInjection = nil
            readoutMatrixGradients = []; readoutSkipGradients = []; skipGradients = []
        }
        self.owned = owned
        allocatedScalars = allocated
    }

    deinit { for p in owned { p.deallocate() } }

    func unit(_ layer: Int, _ direction: Int) -> Unroller<Cell> { units[layer * directions + direction] }

    /// The tape step of time t for a direction (both 1-based).
    func tapeStep(_ t: Int, direction: Int) -> Int { direction == 0 ? t : steps + 1 - t }

    /// Layer ℓ's output at time t: B rows of dirs·o_ℓ values.
    func output(layer: Int, time t: Int) -> UnsafePointer<Double> {
        UnsafePointer(outputs[layer] + (t - 1) * batch * directions * outputWidths[layer])
    }

    /// Unit k's input sequence in its tape order (T·B·D_ℓ): valid after `forward`.
    private func unitInput(layer: Int, direction: Int) -> UnsafePointer<Double> {
        if direction == 1 { return UnsafePointer(reversedInputs[layer]) }
        return layer == 0 ? layerZeroInput! : UnsafePointer(outputs[layer - 1])
    }

    /// Unit k's read-out gradients after `backward`: ∂L/∂C′ (o × S) and ∂L/∂D (o).
    func readoutGradients(unit k: Int) -> (matrix: Matrix, skip: [Double]) {
        let r = readouts![k]
        var m = Matrix(rows: r.width, cols: r.matrix.cols)
        m.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: readoutMatrixGradients[k], count: r.matrix.count) }
        return (m, Array(UnsafeBufferPointer(start: readoutSkipGradients[k], count: r.width)))
    }

    /// Layer 0's D ⊙ ∂L/∂y_t for a direction after `backward` (time order, B rows of D values at time t);
    /// the part of ∂L/∂x_t that bypasses the recurrence (read-outs only).
    func skipGradient(direction: Int, time t: Int) -> UnsafePointer<Double> {
        UnsafePointer(skipGradients[direction] + (t - 1) * batch * inputSize)
    }

    /// Runs every unit over T steps. `x`: time-major T·B·D, valid until the backward sweeps are done;
    /// `initial`: the units' s_0 one after the other (k = ℓ·dirs + dir, each B × S), zero when nil.
    func forward(steps t: Int, inputs x: UnsafePointer<Double>, initial: UnsafePointer<Double>?) {
        precondition(t >= 1 && t <= capacity)
        steps = t
        layerZeroInput = x
        for layer in 0..<layers {
            let input = layer == 0 ? x : UnsafePointer(outputs[layer - 1])
            let d = layer == 0 ? inputSize : directions * outputWidths[layer - 1]
            let o = outputWidths[layer], width = directions * o
            for direction in 0..<directions {
                var source = input
                if direction == 1 {
                    let r = reversedInputs[layer], block = batch * d
                    for tau in 0..<t { (r + tau * block).update(from: input + (t - 1 - tau) * block, count: block) }
                    source = UnsafePointer(r)
                }
                let u = unit(layer, direction)
                u.forward(steps: t, inputs: source, initial: initial.map { $0 + (layer * directions + direction) * batch * s })
                if let r = readouts?[layer * directions + direction], let rows = readoutRows {
                    // Y = S·C′ᵀ + X ⊙ D over all T·B rows (tape order), then into the layer's output rows.
                    r.matrix.withUnsafeBufferPointer { c in
                        gemm(.none, .transpose, m: t * batch, n: o, k: s, u.state(1), lda: s, c.baseAddress!, ldb: s, beta: 0, rows, ldc: o)
                    }
                    for row in 0..<(t * batch) {
                        let y = rows + row * o, xr = source + row * d
                        for j in 0..<o { y[j] += r.skip[j] * xr[j] }
                    }
                    for time in 1...t {
                        let src = rows + (tapeStep(time, direction: direction) - 1) * batch * o
                        let row = outputs[layer] + (time - 1) * batch * width + direction * o
                        for b in 0..<batch { (row + b * width).update(from: src + b * o, count: o) }
                    }
                    continue
                }
                for time in 1...t {
                    let state = u.state(tapeStep(time, direction: direction))
                    let row = outputs[layer] + (time - 1) * batch * width + direction * h
                    for b in 0..<batch { (row + b * width).update(from: state + b * s, count: h) }
                }
            }
        }
    }

    /// Backpropagates every window (1-based times, window = steps start+1 … end, as in
    /// `Truncation.segments`) through all layers: ∂L/∂(top output at t) = `topGradient(t)` (B rows
    /// of dirs·H values, or nil) is injected for t in `lossFrom…lossTo`; states at `start` are
    /// detached in every layer. A backward unit's window must be the whole sequence (0, T).
    /// Accumulates into the units' tapes (call `units[k].parameterGradients` afterwards).
    func backward(windows: [(start: Int, end: Int, lossFrom: Int, lossTo: Int)],
                  topGradient: (Int) -> UnsafePointer<Double>?) {
        for u in units { u.beginBackward() }
        if let readouts {
            for (k, r) in readouts.enumerated() {
                readoutMatrixGradients[k].update(repeating: 0, count: r.matrix.count)
                readoutSkipGradients[k].update(repeating: 0, count: r.width)
            }
            for p in skipGradients { p.update(repeating: 0, count: steps * batch * inputSize) }
        }
        let top = outputWidths[layers - 1], width = directions * top
        for w in windows where w.lossFrom <= w.lossTo {
            precondition(directions == 1 || (w.start == 0 && w.end == steps), "bidirectional layers need whole-sequence windows")
            let window = (w.start * batch * top) ..< (w.end * batch * top)
            for d in 0..<directions { (current[d] + window.lowerBound).update(repeating: 0, count: window.count) }
            for t in w.lossFrom...w.lossTo {
                guard let g = topGradient(t) else { continue }
                for d in 0..<directions {
                    let dst = current[d] + (t - 1) * batch * top
                    for b in 0..<batch { (dst + b * top).update(from: g + b * width + d * top, count: top) }
                }
            }
            for layer in stride(from: layers - 1, through: 0, by: -1) {
                let injected = layer == layers - 1 ? w.lossFrom...w.lossTo : (w.start + 1)...w.end
                if layer > 0 {
                    let ob = batch * outputWidths[layer - 1]
                    for d in 0..<directions { (below[d] + w.start * ob).update(repeating: 0, count: (w.end - w.start) * ob) }
                }
                for direction in 0..<directions {
                    backwardUnit(layer: layer, direction: direction, start: w.start, end: w.end, injected: injected)
                }
                swap(&current, &below)
            }
        }
    }

    /// One unit's BPTT over times start+1 … end, then (ℓ > 0) its window's ∂L/∂input scattered
    /// into `below` for layer ℓ−1.
    private func backwardUnit(layer: Int, direction: Int, start: Int, end: Int, injected: ClosedRange<Int>) {
        let u = unit(layer, direction), bg = batch * gh, k = layer * directions + direction
        let o = outputWidths[layer], ob = layer > 0 ? outputWidths[layer - 1] : 0
        let (from, to) = direction == 0 ? (end, start) : (steps - start, steps - end)
        let tapeInjected = direction == 0 ? injected
            : tapeStep(injected.upperBound, direction: 1)...tapeStep(injected.lowerBound, direction: 1)
        let rows = (to * bg) ..< (from * bg)
        if layer > 0 {
            // Steps this window reaches for the first time must read as zero before the snapshot.
            u.settle(indices: to ..< from)
            snapshot.update(from: u.zx + rows.lowerBound, count: rows.count)
        }
        var source = UnsafePointer(current[direction]), row = batch * o
        if let r = readouts?[k], let injection = stateInjection {
            readoutBackward(r, unit: k, layer: layer, direction: direction, injected: injected, into: injection)
            source = UnsafePointer(injection)
            row = batch * s
        }
        u.backward(from: from, to: to, injected: tapeInjected) { tau in
            source + (self.tapeStep(tau, direction: direction) - 1) * row
        }
        guard layer > 0 else { return }
        // This window's ∂L/∂ZX, times W_ih (G·H × dirs·o_{ℓ−1}): ∂L/∂(layer ℓ−1's outputs), tape order.
        for i in 0..<rows.count { snapshot[i] = u.zx[rows.lowerBound + i] - snapshot[i] }
        let width = directions * ob, n = from - to
        u.cell.weights.inputWeight.withUnsafeBufferPointer { wih in
            gemm(.none, .none, m: n * batch, n: width, k: gh, snapshot, lda: gh, wih.baseAddress!, ldb: width,
                    beta: 0, windowGradient, ldc: width)
        }
        for tau in (to + 1)...from {
            let time = tapeStep(tau, direction: direction), src = windowGradient + (tau - to - 1) * batch * width
            for d in 0..<directions {
                let dst = below[d] + (time - 1) * batch * ob
                for b in 0..<batch {
                    let out = dst + b * ob, i = src + b * width + d * ob
                    for j in 0..<ob { out[j] += i[j] }
                }
            }
        }
    }

    /// A read-out's backward over the injected times (∂L/∂y_t in `current`): ∂L/∂s_t = ∂L/∂y_t·C′ into
    /// `injection` (time order, one gemm), ∂L/∂C′ += ∂L/∂y_tᵀ·S_t and ∂L/∂D += Σ_b ∂L/∂y_t ⊙ x_t (x_t the
    /// unit's input), and D ⊙ ∂L/∂y_t to the layer's input: `below` (both halves of [y^{fwd}; y^{bwd}]) or,
    /// for layer 0, `skipGradients`.
    private func readoutBackward(_ r: UnitReadout, unit k: Int, layer: Int, direction: Int, injected: ClosedRange<Int>,
                                 into injection: UnsafeMutablePointer<Double>) {
        let o = r.width, dy = current[direction], lo = injected.lowerBound, count = injected.count
        let x = unitInput(layer: layer, direction: direction), ob = layer > 0 ? outputWidths[layer - 1] : 0
        r.matrix.withUnsafeBufferPointer { c in
            gemm(.none, .none, m: count * batch, n: s, k: o, dy + (lo - 1) * batch * o, lda: o, c.baseAddress!, ldb: s,
                 beta: 0, injection + (lo - 1) * batch * s, ldc: s)
        }
        let gc = readoutMatrixGradients[k], gd = readoutSkipGradients[k]
        for time in injected {
            let tau = tapeStep(time, direction: direction), g = dy + (time - 1) * batch * o
            gemm(.transpose, .none, m: o, n: s, k: batch, g, lda: o, units[k].state(tau), ldb: s, beta: 1, gc, ldc: s)
            let xr = x + (tau - 1) * batch * o
            for b in 0..<batch {
                let gb = g + b * o, xb = xr + b * o
                for j in 0..<o { gd[j] += gb[j] * xb[j] }
                if layer == 0 {
                    let dst = skipGradients[direction] + ((time - 1) * batch + b) * o
                    for j in 0..<o { dst[j] += r.skip[j] * gb[j] }
                } else {
                    for d in 0..<directions {
                        let dst = below[d] + ((time - 1) * batch + b) * ob
                        for j in 0..<ob { dst[j] += r.skip[d * ob + j] * gb[d * ob + j] }
                    }
                }
            }
        }
    }
}

/// A unit's read-out y = C′s + D ⊙ x (the LRU's `LRUReadout`): `matrix` C′ (o × S), `skip` D (o values),
/// o the width of the layer's input.
public struct UnitReadout: Sendable {
    public let matrix: Matrix
    public let skip: [Double]
    public var width: Int { matrix.rows }

    public init(_ p: LRUParameters) {
        matrix = p.readoutMatrix
        skip = p.d
    }

    /// y = C′s + D ⊙ x (s: S values, x and y: o values).
    public func apply(state s: UnsafePointer<Double>, input x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>) {
        matrix.withUnsafeBufferPointer { c in gemv(.none, rows: width, cols: matrix.cols, c.baseAddress!, s, beta: 0, y) }
        for j in 0..<width { y[j] += skip[j] * x[j] }
    }
}

extension RecurrentModel {
    /// Per unit k = ℓ·dirs + dir, the read-out its layer outputs (an LRU model, stacked or not); nil for
    /// the other cells, whose layers output h_t.
    public var unitReadouts: [UnitReadout]? {
        guard cell == .lru else { return nil }
        return (0..<layers).flatMap { l in (0..<directions).map { UnitReadout(lruParameters(layer: l, reverse: $0 == 1)) } }
    }
}
