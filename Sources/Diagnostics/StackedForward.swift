import Linalg
import Recurrent

/// The forward statistics of a stacked or bidirectional model (`measure: forward`, `diagnose`): one
/// `ForwardDynamics` per layer ℓ and direction, each on that unit's own input sequence — layer 0 reads
/// x_1 … x_T, layer ℓ > 0 reads [h_t^{ℓ−1, fwd}; h_t^{ℓ−1, bwd}] as PyTorch stacks them — and the
/// backward direction's series re-ordered so that index t − 1 is time step t (it processes x_T first).
///
/// Streams as `DepthTimeFlow`'s: inputs (unless `options.inputs`) from the child "inputs", every unit's
/// h_0 (k = ℓ·dirs + dir, in order) from "h0". A unit whose state leaves the finite numbers ends the
/// analysis there (`units` then stops at that unit, whose `nonfiniteStep` says when).
public struct StackedForward: Sendable {
    public struct Unit: Sendable {
        public let layer: Int
        public let reverse: Bool
        /// Series indexed by time step t − 1 (also for the backward direction).
        public let dynamics: ForwardDynamics
    }

    public let units: [Unit]
    public let steps: Int

    public init(model: RecurrentModel, options o: DiagnosisOptions, rng: RandomStream) throws {
        var inputRng = rng.split("inputs"), stateRng = rng.split("h0")
        let x = o.inputs ?? Matrix.inputSequence(steps: o.steps, size: model.inputSize, source: o.input, rng: &inputRng)
        let s0 = (0..<(model.layers * model.directions)).map { _ in
            makeInitialState(o.initialState, hiddenSize: model.hiddenSize, stateSize: model.stateSize, rng: &stateRng)
        }
        try self.init(model: model, inputs: x, initialStates: s0)
    }

    /// `initialStates[ℓ·dirs + dir]` is unit (ℓ, dir)'s s_0.
    public init(model: RecurrentModel, inputs x: Matrix, initialStates: [[Double]]) throws {
        let t = x.rows, h = model.hiddenSize, dirs = model.directions
        let activation = model.cell.activation   // RNN, IndRNN, LN-RNN; nil for gated cells and the LRU
        let readouts = model.unitReadouts
        var layerInput = x
        var units: [Unit] = []
        layers: for layer in 0..<model.layers {
            let o = readouts?[layer * dirs].width ?? h
            var next = Matrix(rows: t, cols: dirs * o)
            for dir in 0..<dirs {
                let reverse = dir == 1
                let sequence = reverse ? Self.reversedRows(layerInput) : layerInput
                let (dynamics, outputs) = try Self.run(model.makeCell(layer: layer, reverse: reverse), family: model.cell.family, activation: activation,
                                                       inputs: sequence, initialState: initialStates[layer * dirs + dir],
                                                       readout: readouts?[layer * dirs + dir])
                units.append(Unit(layer: layer, reverse: reverse, dynamics: reverse ? dynamics.timeReversed() : dynamics))
                if outputs.rows < t { break layers }
                for step in 0..<t {
                    let row = reverse ? t - 1 - step : step
                    for i in 0..<o { next[row, dir * o + i] = outputs[step, i] }
                }
            }
            layerInput = next
        }
        self.units = units
        steps = t
    }

    /// Opens the cell's type: the statistics and the unit's outputs h_1 … h_T, or with `readout` (the LRU)
    /// y_t = C′s_t + D ⊙ x_t (fewer rows when the state left the finite numbers).
    private static func run<C: RecurrentCell>(_ cell: C, family: CellFamily, activation: Activation?, inputs: Matrix,
                                              initialState: [Double], readout: UnitReadout?) throws -> (ForwardDynamics, Matrix) {
        let f = try ForwardDynamics(cell: cell, family: family, activation: activation, inputs: inputs, initialState: initialState)
        let trajectory = try Trajectory(map: cell, initialState: initialState, inputs: inputs)
        let h = cell.hiddenSize, s = cell.stateSize, d = inputs.cols
        guard let readout else {
            var out = Matrix(rows: trajectory.steps, cols: h)
            for step in 0..<trajectory.steps { for i in 0..<h { out[step, i] = trajectory.states[step + 1, i] } }
            return (f, out)
        }
        var out = Matrix(rows: trajectory.steps, cols: readout.width)
        let o = readout.width
        trajectory.states.withUnsafeBufferPointer { st in inputs.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { y in
            for step in 0..<trajectory.steps {
                readout.apply(state: st.baseAddress! + (step + 1) * s, input: x.baseAddress! + step * d, into: y.baseAddress! + step * o)
            }
        } } }
        return (f, out)
    }

    static func reversedRows(_ m: Matrix) -> Matrix {
        var r = Matrix(rows: m.rows, cols: m.cols)
        for i in 0..<m.rows { for j in 0..<m.cols { r[i, j] = m[m.rows - 1 - i, j] } }
        return r
    }
}

extension ForwardDynamics {
    /// The series in time order for a backward-direction unit (which processed step T first); the
    /// regime step counts processing steps and is kept as measured.
    func timeReversed() -> ForwardDynamics {
        var r = self
        r.hNorm.reverse(); r.cNorm.reverse(); r.saturated.reverse(); r.inactive.reverse(); r.preactivationQ.reverse()
        for g in r.gateMean.indices { r.gateMean[g].reverse(); r.gateSaturated[g].reverse() }
        return r
    }
}

extension StackedForward {
    /// `diagnose --format json` under "forward" for a stacked model: one object per unit, the
    /// single-layer keys plus `layer` and `direction` (series in time order for both directions).
    public func jsonObject() -> [[String: Any]] {
        units.map { u in
            var o = u.dynamics.jsonObject()
            o["layer"] = u.layer
            o["direction"] = u.reverse ? "reverse" : "forward"
            return o
        }
    }

    /// The text report's forward section: one block per layer and direction.
    public func textSection() -> String {
        units.map { u in
            "layer \(u.layer) \(u.reverse ? "backward (series aligned with time; regime step counts its own steps from t = T)" : "forward") — "
                + u.dynamics.textSection()
        }.joined()
    }
}
