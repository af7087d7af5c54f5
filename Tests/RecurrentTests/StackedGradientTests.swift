import Foundation
import Linalg
import Testing
@testable import Recurrent

/// Stacked and bidirectional models against independent oracles: central differences, the lattice-path
/// closed form of a linear stack, and the classic single-layer path.
@Suite struct StackedGradientTests {
    /// A random stacked problem with larger-than-default weights (saturated regions included).
    static func problem(cell: CellKind, layers: Int, bidirectional: Bool, loss: LossKind, mode: OutputMode,
                        seed: UInt64) throws -> (model: RecurrentModel, x: SequenceBatch, objective: Objective, s0: [Double]) {
        var rng = RandomStream(seed: seed, stream: 3)
        let d = 2, h = 2 + rng.integer(below: 2), o = 2, t = 4, b = 2
        var model = try RecurrentModel.initialized(cell: cell, inputSize: d, hiddenSize: h, headSize: loss == .adjoint ? nil : o,
                                                   layers: layers, bidirectional: bidirectional, rng: &rng)
        try model.setTensors(model.parameters.tensors.map { $0.scaled(by: 1.6) })
        let x = try SequenceBatch(steps: t, batchSize: b, featureSize: d, timeMajor: rng.normals(t * b * d))
        let tOut = mode == .last ? 1 : t
        let objective: Objective = switch loss {
            case .ce: .crossEntropy(classes: (0..<(tOut * b)).map { _ in rng.integer(below: o) })
            case .adjoint: .adjoint(try SequenceBatch(steps: tOut, batchSize: b, featureSize: model.topWidth, timeMajor: rng.normals(tOut * b * model.topWidth)))
            default: .mse(targets: try SequenceBatch(steps: tOut, batchSize: b, featureSize: o, timeMajor: rng.normals(tOut * b * o)))
        }
        let s0 = rng.normals(layers * model.directions * b * model.stateSize, std: 0.5)
        return (model, x, objective, s0)
    }

    static let cases: [(CellKind, Int, Bool, LossKind, OutputMode)] = [
        (.rnn(.tanh), 2, false, .mse, .all), (.rnn(.tanh), 3, true, .ce, .last), (.rnn(.relu), 2, true, .adjoint, .all),
        (.lstm, 2, true, .mse, .all), (.lstm, 3, false, .ce, .all), (.gru, 2, true, .mse, .last), (.gru, 3, false, .mse, .all),
    ]

    @Test(arguments: cases)
    func gradientsMatchCentralDifferences(cell: CellKind, layers: Int, bidirectional: Bool, loss: LossKind, mode: OutputMode) throws {
        let label = "\(cell) L=\(layers) bi=\(bidirectional) \(loss) \(mode)"
        let p = try Self.problem(cell: cell, layers: layers, bidirectional: bidirectional, loss: loss, mode: mode,
                                 seed: RandomStream.stableHash(label))
        func lossOf(_ m: RecurrentModel? = nil, _ x: SequenceBatch? = nil, _ s0: [Double]? = nil) throws -> Double {
            try (m ?? p.model).gradients(x ?? p.x, outputs: mode, objective: p.objective, initialState: s0 ?? p.s0).loss
        }
        let g = try p.model.gradients(p.x, outputs: mode, objective: p.objective, initialState: p.s0)
        for (i, name) in p.model.parameters.names.enumerated() {
            let theta = p.model.parameters.tensors[i]
            let numeric = try centralDifferences(theta.elements) { v in
                var m = p.model, ts = m.parameters.tensors
                ts[i] = try Matrix(rows: theta.rows, cols: theta.cols, elements: v)
                try m.setTensors(ts)
                return try lossOf(m)
            }
            let err = relativeError(g.parameters.tensors[i].elements, numeric)
            #expect(err < 1e-6, "\(label) ∂L/∂\(name): relative error \(err)")
        }
        let dx = try centralDifferences(p.x.values) { v in
            try lossOf(nil, SequenceBatch(steps: p.x.steps, batchSize: p.x.batchSize, featureSize: p.x.featureSize, timeMajor: v))
        }
        #expect(relativeError(g.input, dx) < 1e-6, "\(label) ∂L/∂x")
        let ds0 = try centralDifferences(p.s0) { try lossOf(nil, nil, $0) }
        #expect(relativeError(g.initialState, ds0) < 1e-6, "\(label) ∂L/∂s0 of every unit")
    }

    /// Linear stack, no biases, W_hh = a·I and W_ih = b·I in every layer (D = H): h_t^ℓ = a·h_{t−1}^ℓ + b·h_t^{ℓ−1}.
    /// With L = Σ_t' ⟨g_t', h_t'^{top}⟩, ∂L/∂h_t^ℓ = Σ_{t' ≥ t} C(i + j, i)·a^i·b^j·g_t' with i = t' − t time
    /// steps and j = L − 1 − ℓ layer steps: one term per lattice path from (t, ℓ) to (t', top).
    @Test(arguments: [(0.9, 0.7, OutputMode.last), (1.1, 0.5, .all), (0.6, 1.3, .all)])
    func linearStackMatchesLatticePaths(a: Double, b: Double, mode: OutputMode) throws {
        let h = 3, layers = 4, t = 7
        var pairs: [(String, Matrix)] = []
        for l in 0..<layers {
            pairs.append((ParameterName.weightIH(layer: l), Matrix.identity(h).scaled(by: b)))
            pairs.append((ParameterName.weightHH(layer: l), Matrix.identity(h).scaled(by: a)))
        }
        let model = try RecurrentModel(cell: .rnn(.linear), parameters: ParameterSet(pairs))
        var rng = RandomStream(seed: 5)
        let x = try SequenceBatch(steps: t, batchSize: 1, featureSize: h, timeMajor: rng.normals(t * h))
        let tOut = mode == .last ? 1 : t, first = mode == .last ? t : 1
        let adjoint = rng.normals(tOut * h)
        let g = try model.gradients(x, outputs: mode, objective: .adjoint(try SequenceBatch(steps: tOut, batchSize: 1, featureSize: h, timeMajor: adjoint)))
        func binomial(_ n: Int, _ k: Int) -> Double { (0..<k).reduce(1.0) { $0 * Double(n - $1) / Double($1 + 1) } }
        var worst = 0.0
        for l in 0..<layers {
            let j = layers - 1 - l
            for step in 1...t {
                for unit in 0..<h {
                    var expected = 0.0
                    for target in max(step, first)...t {
                        let i = target - step
                        expected += binomial(i + j, i) * pow(a, Double(i)) * pow(b, Double(j)) * adjoint[(target - first) * h + unit]
                    }
                    let got = g.layers[l].hidden[(step - 1) * h + unit]
                    worst = max(worst, abs(got - expected) / max(1, abs(expected)))
                }
            }
        }
        #expect(worst < 1e-13, "relative error \(worst)")
    }

    /// A one-layer model run through the stacked tape gives the classic path's numbers, for every
    /// truncation (the stacked code adds depth, nothing else).
    @Test(arguments: [CellKind.rnn(.tanh), .lstm, .gru])
    func oneLayerThroughStackedTapeMatchesClassicPath(cell: CellKind) throws {
        let p = try Self.problem(cell: cell, layers: 1, bidirectional: false, loss: .mse, mode: .all, seed: 42)
        for truncation in [Truncation.none, .chunks(3), .williamsPeng(k1: 1, k2: 3)] {
            let classic = try p.model.gradients(p.x, outputs: .all, objective: p.objective, initialState: p.s0, truncation: truncation)
            let stacked = try p.model.runStacked(p.x, outputs: .all, objective: p.objective, initialState: p.s0, truncation: truncation).gradients!
            #expect(abs(classic.loss - stacked.loss) < 1e-14)
            for (a, b) in zip(classic.parameters.tensors, stacked.parameters.tensors) {
                #expect(maxAbsDifference(a.elements, b.elements) < 1e-13, "\(cell) \(truncation)")
            }
            #expect(maxAbsDifference(classic.hidden, stacked.hidden) < 1e-13)
            #expect(maxAbsDifference(classic.input, stacked.input) < 1e-13)
            #expect(maxAbsDifference(classic.initialState, stacked.initialState) < 1e-13)
            #expect(maxAbsDifference(classic.hiddenNorms, stacked.hiddenNorms) < 1e-13)
            #expect(maxAbsDifference(classic.preactivations, stacked.preactivations) < 1e-13)
        }
    }

    /// A bidirectional layer's top output is [h_fwd; h_bwd]: the backward direction run alone on the
    /// reversed sequence gives the second half, reversed in time.
    @Test func backwardDirectionReadsTheReversedSequence() throws {
        let p = try Self.problem(cell: .gru, layers: 1, bidirectional: true, loss: .mse, mode: .all, seed: 9)
        let f = try p.model.forward(p.x, outputs: .all)
        let names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
        let single = try RecurrentModel(cell: .gru, parameters: ParameterSet(names.map { ($0, p.model.parameters[$0 + "_reverse"]!) }))
        let t = p.x.steps, b = p.x.batchSize, d = p.x.featureSize, h = p.model.hiddenSize
        var reversed = [Double]()
        for step in stride(from: t - 1, through: 0, by: -1) { reversed += p.x.values[step * b * d ..< (step + 1) * b * d] }
        let r = try single.forward(SequenceBatch(steps: t, batchSize: b, featureSize: d, timeMajor: reversed), outputs: .all)
        var worst = 0.0
        for step in 0..<t { for row in 0..<b { for j in 0..<h {
            worst = max(worst, abs(f.hidden[(step * b + row) * 2 * h + h + j] - r.hidden[((t - 1 - step) * b + row) * h + j]))
        } } }
        #expect(worst == 0)
    }

    @Test func errorsNameTheProblem() throws {
        var rng = RandomStream(seed: 1)
        let m = try RecurrentModel.initialized(cell: .lstm, inputSize: 2, hiddenSize: 3, headSize: 1, layers: 2, bidirectional: true, rng: &rng)
        #expect(m.parameters.names.prefix(9) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                                  "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
                                                  "weight_ih_l1"])
        #expect(m.parameters["weight_ih_l1"]!.cols == 6 && m.parameters["head.weight"]!.cols == 6)
        let x = try SequenceBatch(steps: 4, batchSize: 1, featureSize: 2, timeMajor: rng.normals(8))
        let mse = Objective.mse(targets: try SequenceBatch(steps: 4, batchSize: 1, featureSize: 1, timeMajor: rng.normals(4)))
        #expect(throws: RecurrentError.self) { try m.gradients(x, outputs: .all, objective: mse, truncation: .williamsPeng(k1: 1, k2: 2)) }
        // A layer-1 tensor missing, or with layer 0's input width.
        var pairs = m.parameters.pairs.filter { $0.name != "weight_hh_l1_reverse" }.map { ($0.name, $0.tensor) }
        #expect { try RecurrentModel(cell: .lstm, parameters: ParameterSet(pairs)) } throws: {
            ($0 as? RecurrentError)?.message == "missing parameter 'weight_hh_l1_reverse'"
        }
        pairs = m.parameters.pairs.map { ($0.name, $0.name == "weight_ih_l1" ? Matrix(rows: 12, cols: 2) : $0.tensor) }
        #expect { try RecurrentModel(cell: .lstm, parameters: ParameterSet(pairs)) } throws: {
            (($0 as? RecurrentError)?.message ?? "").contains("'weight_ih_l1' is 12×2, but 'weight_hh_l1' implies 12 × 6 (the outputs of layer 0)")
        }
        pairs = m.parameters.pairs.map { ($0.name, $0.tensor) } + [("weight_ih_x", Matrix(rows: 1, cols: 1))]
        #expect(throws: RecurrentError.self) { try RecurrentModel(cell: .lstm, parameters: ParameterSet(pairs)) }
        #expect(throws: RecurrentError.self) { try m.gradients(x, outputs: .all, objective: mse, initialState: [0, 0, 0]) }
    }
}
