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
/// All buffers are allocated at `init` for up to `capacity` steps of `batch` sequences.
final class StackedTape<Cell: RecurrentCell> {
    let layers: Int, directions: Int, batch: Int, capacity: Int
    let h: Int, s: Int, gh: Int, inputSize: Int
    /// Unit k = ℓ·dirs + dir.
    let units: [Unroller<Cell>]
    private(set) var steps = 0
    /// Per layer: its output sequence, time-major T·B·(dirs·H).
    private let outputs: [UnsafeMutablePointer<Double>]
    /// Per layer (bidirectional only): its input sequence reversed in time.
    private let reversedInputs: [UnsafeMutablePointer<Double>]
    /// Per direction, two sets: ∂L/∂h_t injected into the current layer, and being gathered for the
    /// layer below (time-major T·B·H, t-ordered for both directions).
    private var current: [UnsafeMutablePointer<Double>], below: [UnsafeMutablePointer<Double>]
    private let snapshot: UnsafeMutablePointer<Double>       // T·B·G·H
    private let windowGradient: UnsafeMutablePointer<Double> // T·B·dirs·H
    private var owned: [UnsafeMutablePointer<Double>] = []

    /// `cells[k]` is unit k's cell (k = ℓ·dirs + dir); all share H and the cell type.
    init(cells: [Cell], layers: Int, directions: Int, capacity: Int, batch: Int) {
        precondition(cells.count == layers * directions && !cells.isEmpty)
        self.layers = layers; self.directions = directions; self.capacity = capacity; self.batch = batch
        h = cells[0].hiddenSize; s = cells[0].stateSize; gh = cells[0].weights.gateRows; inputSize = cells[0].inputSize
        units = cells.map { Unroller(cell: $0, capacity: capacity, batch: batch) }
        var owned: [UnsafeMutablePointer<Double>] = []
        func buffer(_ n: Int) -> UnsafeMutablePointer<Double> { let p = allocateAligned(n); owned.append(p); return p }
        let hh = cells[0].hiddenSize, width = directions * hh, n = capacity * batch
        outputs = (0..<layers).map { _ in buffer(n * width) }
        reversedInputs = directions == 2 ? (0..<layers).map { buffer(n * ($0 == 0 ? cells[0].inputSize : width)) } : []
        current = (0..<directions).map { _ in buffer(n * hh) }
        below = (0..<directions).map { _ in buffer(n * hh) }
        snapshot = buffer(n * cells[0].weights.gateRows)
        windowGradient = buffer(n * width)
        self.owned = owned
    }

    deinit { for p in owned { p.deallocate() } }

    func unit(_ layer: Int, _ direction: Int) -> Unroller<Cell> { units[layer * directions + direction] }

    /// The tape step of time t for a direction (both 1-based).
    func tapeStep(_ t: Int, direction: Int) -> Int { direction == 0 ? t : steps + 1 - t }

    /// Layer ℓ's output at time t: B rows of dirs·H values.
    func output(layer: Int, time t: Int) -> UnsafePointer<Double> {
        UnsafePointer(outputs[layer] + (t - 1) * batch * directions * h)
    }

    /// Runs every unit over T steps. `x`: time-major T·B·D, valid until the backward sweeps are done;
    /// `initial`: the units' s_0 one after the other (k = ℓ·dirs + dir, each B × S), zero when nil.
    func forward(steps t: Int, inputs x: UnsafePointer<Double>, initial: UnsafePointer<Double>?) {
        precondition(t >= 1 && t <= capacity)
        steps = t
        let width = directions * h
        for layer in 0..<layers {
            let input = layer == 0 ? x : UnsafePointer(outputs[layer - 1])
            let d = layer == 0 ? inputSize : width
            for direction in 0..<directions {
                var source = input
                if direction == 1 {
                    let r = reversedInputs[layer], block = batch * d
                    for tau in 0..<t { (r + tau * block).update(from: input + (t - 1 - tau) * block, count: block) }
                    source = UnsafePointer(r)
                }
                let u = unit(layer, direction)
                u.forward(steps: t, inputs: source, initial: initial.map { $0 + (layer * directions + direction) * batch * s })
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
        let width = directions * h, bh = batch * h
        for w in windows where w.lossFrom <= w.lossTo {
            precondition(directions == 1 || (w.start == 0 && w.end == steps), "bidirectional layers need whole-sequence windows")
            let window = (w.start * bh) ..< (w.end * bh)
            for d in 0..<directions { (current[d] + window.lowerBound).update(repeating: 0, count: window.count) }
            for t in w.lossFrom...w.lossTo {
                guard let g = topGradient(t) else { continue }
                for d in 0..<directions {
                    let dst = current[d] + (t - 1) * bh
                    for b in 0..<batch { (dst + b * h).update(from: g + b * width + d * h, count: h) }
                }
            }
            for layer in stride(from: layers - 1, through: 0, by: -1) {
                let injected = layer == layers - 1 ? w.lossFrom...w.lossTo : (w.start + 1)...w.end
                if layer > 0 {
                    for d in 0..<directions { (below[d] + window.lowerBound).update(repeating: 0, count: window.count) }
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
        let u = unit(layer, direction), bh = batch * h, bg = batch * gh
        let (from, to) = direction == 0 ? (end, start) : (steps - start, steps - end)
        let tapeInjected = direction == 0 ? injected
            : tapeStep(injected.upperBound, direction: 1)...tapeStep(injected.lowerBound, direction: 1)
        let rows = (to * bg) ..< (from * bg)
        if layer > 0 {
            // Steps this window reaches for the first time must read as zero before the snapshot.
            u.settle(indices: to ..< from)
            snapshot.update(from: u.zx + rows.lowerBound, count: rows.count)
        }
        let source = current[direction]
        u.backward(from: from, to: to, injected: tapeInjected) { tau in
            UnsafePointer(source + (self.tapeStep(tau, direction: direction) - 1) * bh)
        }
        guard layer > 0 else { return }
        // This window's ∂L/∂ZX, times W_ih (G·H × dirs·H): ∂L/∂(layer ℓ−1's outputs), tape order.
        for k in 0..<rows.count { snapshot[k] = u.zx[rows.lowerBound + k] - snapshot[k] }
        let width = directions * h, n = from - to
        u.cell.weights.inputWeight.withUnsafeBufferPointer { wih in
            gemm(.none, .none, m: n * batch, n: width, k: gh, snapshot, lda: gh, wih.baseAddress!, ldb: width,
                    beta: 0, windowGradient, ldc: width)
        }
        for tau in (to + 1)...from {
            let time = tapeStep(tau, direction: direction), src = windowGradient + (tau - to - 1) * batch * width
            for d in 0..<directions {
                let dst = below[d] + (time - 1) * bh
                for b in 0..<batch {
                    let o = dst + b * h, i = src + b * width + d * h
                    for j in 0..<h { o[j] += i[j] }
                }
            }
        }
    }
}
