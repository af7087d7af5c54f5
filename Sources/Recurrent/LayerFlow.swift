/// One layer and direction ("unit") of a forward pass, in time order.
public struct LayerStates: Sendable {
    /// ℓ, 0 = the layer that reads the inputs.
    public let layer: Int
    /// The backward direction of a bidirectional layer (it reads x_T … x_1).
    public let reverse: Bool
    /// h_t^{ℓ,dir}, time-major T × B × H, t = 1 … T (for the backward direction h_t has read x_T … x_t).
    public let hidden: [Double]
    /// c_t^{ℓ,dir} for LSTM (T × B × H), else nil.
    public let cell: [Double]?
}

/// What BPTT found for one unit (layer ℓ, direction), in time order t = 1 … T.
public struct LayerGradients: Sendable {
    public let layer: Int
    public let reverse: Bool
    /// ∂L/∂h_t^{ℓ,dir}, T × B × H: the total derivative, through the layer above (the loss for the
    /// top layer) at step t and through the unit's own recursion (from t+1, or t−1 for `reverse`).
    /// Truncated BPTT: summed over the windows that reach t.
    public let hidden: [Double]
    /// ∂L/∂c_t^{ℓ,dir} for LSTM, else nil.
    public let cell: [Double]?
    /// ‖∂L/∂h_t^{ℓ,dir}‖_F over the batch, T values (scaled dnrm2: no false underflow).
    public let hiddenNorms: [Double]
    /// ‖∂L/∂c_t^{ℓ,dir}‖_F (LSTM), T values.
    public let cellNorms: [Double]?
    /// log10 ‖(∂L/∂ZH_t)ᵀ h_{t∓1}‖_F, step t's contribution to ∂L/∂W_hh^{ℓ,dir} (−∞ when zero), T values.
    public let recurrentWeightStepLog10Norms: [Double]
    /// ∂L/∂s_0^{ℓ,dir} (B × S).
    public let initialState: [Double]
}

/// Per-unit arrays in time order, filled run by run from a `StackedTape`'s unrollers.
struct UnitRecords {
    let steps: Int, batch: Int, h: Int
    var hidden: [[Double]], cells: [[Double]]
    var dHidden: [[Double]], dCells: [[Double]]
    var hiddenNorms: [[Double]], cellNorms: [[Double]], weightNorms: [[Double]]
    private var scratch: [Double]

    init(units: Int, steps: Int, batch: Int, hidden h: Int, lstm: Bool) {
        self.steps = steps; self.batch = batch; self.h = h
        let block = [[Double]](repeating: [Double](repeating: 0, count: steps * batch * h), count: units)
        let perStep = [[Double]](repeating: [Double](repeating: 0, count: steps), count: units)
        hidden = block; dHidden = block
        cells = lstm ? block : []; dCells = lstm ? block : []
        hiddenNorms = perStep; weightNorms = perStep; cellNorms = lstm ? perStep : []
        scratch = [Double](repeating: 0, count: steps)
    }

    /// Copies the h (and c) rows of each tape step into time order: time `offset + t` ← tape step
    /// `tapeStep(t)` for the run's t = 1 … u.steps.
    mutating func recordStates<C>(_ u: Unroller<C>, unit k: Int, offset: Int, tapeStep: (Int) -> Int) {
        copy(u.steps, from: { u.state(tapeStep($0)) }, into: &hidden[k], column: 0, offset: offset, stride: u.s)
        if !cells.isEmpty { copy(u.steps, from: { u.state(tapeStep($0)) }, into: &cells[k], column: h, offset: offset, stride: u.s) }
    }

    /// ∂L/∂h_t, ∂L/∂c_t and the per-step norms after a backward sweep, into time order.
    mutating func recordGradients<C>(_ u: Unroller<C>, unit k: Int, offset: Int, tapeStep: (Int) -> Int) {
        let n = u.steps
        copy(n, from: { u.stateGradient(tapeStep($0)) }, into: &dHidden[k], column: 0, offset: offset, stride: u.s)
        if !cells.isEmpty { copy(n, from: { u.stateGradient(tapeStep($0)) }, into: &dCells[k], column: h, offset: offset, stride: u.s) }
        func norms(_ fill: (UnsafeMutablePointer<Double>) -> Void, into a: inout [Double]) {
            scratch.withUnsafeMutableBufferPointer { fill($0.baseAddress!) }
            for t in 1...n { a[offset + t - 1] = scratch[tapeStep(t) - 1] }
        }
        norms(u.hiddenGradientNorms, into: &hiddenNorms[k])
        norms(u.recurrentWeightStepLog10Norms, into: &weightNorms[k])
        if !cells.isEmpty { norms(u.cellGradientNorms, into: &cellNorms[k]) }
    }

    private func copy(_ n: Int, from source: (Int) -> UnsafePointer<Double>, into a: inout [Double], column: Int, offset: Int, stride: Int) {
        let (b, h) = (batch, self.h)
        a.withUnsafeMutableBufferPointer { dst in
            for t in 1...n {
                let src = source(t), row = dst.baseAddress! + (offset + t - 1) * b * h
                for r in 0..<b { (row + r * h).update(from: src + r * stride + column, count: h) }
            }
        }
    }

    /// The units' T × B × H blocks side by side: T × B × (units·H) ([fwd; bwd] for a layer's units).
    func concatenated(_ blocks: [[Double]], units: [Int]) -> [Double] {
        let width = units.count * h
        var out = [Double](repeating: 0, count: steps * batch * width)
        for (i, k) in units.enumerated() {
            for row in 0..<(steps * batch) {
                for j in 0..<h { out[row * width + i * h + j] = blocks[k][row * h + j] }
            }
        }
        return out
    }

    func layerStates(directions: Int) -> [LayerStates] {
        hidden.indices.map { k in
            LayerStates(layer: k / directions, reverse: k % directions == 1, hidden: hidden[k], cell: cells.isEmpty ? nil : cells[k])
        }
    }

    func layerGradients(directions: Int, initialGradient: [Double], stateSize s: Int) -> [LayerGradients] {
        hidden.indices.map { k in
            LayerGradients(layer: k / directions, reverse: k % directions == 1, hidden: dHidden[k],
                           cell: dCells.isEmpty ? nil : dCells[k], hiddenNorms: hiddenNorms[k],
                           cellNorms: cellNorms.isEmpty ? nil : cellNorms[k], recurrentWeightStepLog10Norms: weightNorms[k],
                           initialState: Array(initialGradient[k * batch * s ..< (k + 1) * batch * s]))
        }
    }
}
