import Linalg
import Testing
@testable import Recurrent

/// Central finite differences against exact BPTT for every cell × activation × loss × output mode.
@Suite struct FiniteDifferenceTests {
    /// LN-RNN is checked in LayerNormRNNTests (H ≥ 3, gains and shifts away from 1 and 0): with this
    /// suite's H = 2, layer norm makes n̂ = ±d/√(d² + ε) (d half the difference of the two
    /// pre-activations), a near-step whose curvature defeats differences of step 1e−3.
    static let cases: [(CellKind, LossKind, OutputMode)] = allCells.filter { $0.family != .lnrnn }.flatMap { c in
        LossKind.allCases.flatMap { l in OutputMode.allCases.map { (c, l, $0) } }
    }

    @Test(arguments: cases)
    func gradientsMatchCentralDifferences(cell: CellKind, loss: LossKind, mode: OutputMode) throws {
        let seed = RandomStream.stableHash("\(cell) \(loss) \(mode)")
        let p = try Problem(cell: cell, loss: loss, mode: mode, seed: seed)
        let g = try p.model.gradients(p.inputs, outputs: p.mode, objective: p.objective, initialState: p.initialState)
        #expect(g.loss.isFinite)
        for (i, name) in p.model.parameters.names.enumerated() {
            let theta = p.model.parameters.tensors[i]
            let numeric = try centralDifferences(theta.elements) { v in
                var m = p.model
                var ts = m.parameters.tensors
                ts[i] = try Matrix(rows: theta.rows, cols: theta.cols, elements: v)
                try m.setTensors(ts)
                return try p.loss(m)
            }
            let err = relativeError(g.parameters.tensors[i].elements, numeric)
            #expect(err < 1e-6, "\(cell) \(loss) \(mode) ∂L/∂\(name): relative error \(err)")
        }
        let dx = try centralDifferences(p.inputs.values) { v in
            try p.loss(inputs: SequenceBatch(steps: p.inputs.steps, batchSize: p.inputs.batchSize,
                                              featureSize: p.inputs.featureSize, timeMajor: v))
        }
        #expect(relativeError(g.input, dx) < 1e-6, "\(cell) \(loss) \(mode) ∂L/∂x")
        let ds0 = try centralDifferences(p.initialState) { try p.loss(initial: $0) }
        #expect(relativeError(g.initialState, ds0) < 1e-6, "\(cell) \(loss) \(mode) ∂L/∂s0")
    }

    /// ∂L/∂h_t is the total derivative: perturbing h_t directly (through the initial state of the
    /// remaining sequence) changes L by ⟨∂L/∂h_t, δ⟩ (checked for t = 1 with a zero loss at step 1).
    @Test(arguments: [CellKind.rnn(.tanh), .lstm, .gru])
    func hiddenAdjointIsTotalDerivative(cell: CellKind) throws {
        let p = try Problem(cell: cell, loss: .mse, mode: .last, seed: 11)
        let g = try p.model.gradients(p.inputs, outputs: .last, objective: p.objective, initialState: p.initialState)
        // State after step 1, then run the remaining T − 1 steps from it.
        let f1 = try p.model.forward(p.inputs.slice(steps: 0..<1), outputs: .all, initialState: p.initialState)
        let b = p.inputs.batchSize, h = p.model.hiddenSize
        var s1 = [Double]()
        for r in 0..<b {
            s1 += f1.hidden[r * h ..< (r + 1) * h]
            if let c = f1.cell { s1 += c[r * h ..< (r + 1) * h] }
        }
        let rest = p.inputs.slice(steps: 1..<p.inputs.steps)
        let numeric = try centralDifferences(s1) { try p.loss(inputs: rest, initial: $0) }
        let s = p.model.stateSize
        var exact = [Double]()
        for r in 0..<b {
            exact += g.hidden[r * h ..< (r + 1) * h]
            if let c = g.cell { exact += c[r * h ..< (r + 1) * h] }
        }
        #expect(exact.count == b * s)
        #expect(relativeError(exact, numeric) < 1e-6)
    }

    /// Models without biases: gradients come back for exactly the tensors present.
    @Test(arguments: [CellKind.rnn(.tanh), .lstm, .gru])
    func noBiasModels(cell: CellKind) throws {
        let p = try Problem(cell: cell, loss: .mse, mode: .all, seed: 5, bias: false)
        #expect(p.model.parameters.names == [ParameterName.weightIH, ParameterName.weightHH, ParameterName.headWeight])
        let g = try p.model.gradients(p.inputs, outputs: p.mode, objective: p.objective, initialState: p.initialState)
        #expect(g.parameters.names == p.model.parameters.names)
        let w = p.model.parameters.tensors[1]
        let numeric = try centralDifferences(w.elements) { v in
            var m = p.model
            var ts = m.parameters.tensors
            ts[1] = try Matrix(rows: w.rows, cols: w.cols, elements: v)
            try m.setTensors(ts)
            return try p.loss(m)
        }
        #expect(relativeError(g.parameters.tensors[1].elements, numeric) < 1e-6)
    }
}
