import Foundation
import Linalg
import Testing
import Recurrent
@testable import Diagnostics

/// The depth × time diagnosis against BPTT (Recurrent's unrollers) and the linear closed forms.
@Suite("Depth × time gradient flow")
struct DepthTimeFlowTests {
    /// A linear stack with W_hh = a·I and W_ih = b·I in every layer (D = H), no biases.
    static func linearStack(a: Double, b: Double, h: Int = 3, layers: Int) throws -> RecurrentModel {
        var pairs: [(String, Matrix)] = []
        for l in 0..<layers {
            pairs += [(ParameterName.weightIH(layer: l), .identity(h, scale: b)), (ParameterName.weightHH(layer: l), .identity(h, scale: a))]
        }
        return try RecurrentModel(cell: .rnn(.linear), parameters: ParameterSet(pairs))
    }

    static func log10Binomial(_ n: Int, _ k: Int) -> Double {
        (lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))) / log(10)
    }

    /// log10 ‖∂L/∂h_t^ℓ‖ = log10 C(i + j, i) + i·log10 a + j·log10 b (i = T − t, j = L − 1 − ℓ, ‖g‖ = 1),
    /// here far below the smallest double (T = 1500, a = 0.5: 10^−450), the depth products b^d and the
    /// within-layer products a^k.
    @Test func linearStackMatchesLatticeClosedFormInLogSpace() throws {
        let a = 0.5, b = 0.8, layers = 4, t = 1500
        let model = try Self.linearStack(a: a, b: b, layers: layers)
        var rng = RandomStream(seed: 2)
        let flow = try DepthTimeFlow(model: model, inputs: rng.normalMatrix(rows: t, cols: 3), options: .init(lags: .explicit([0, 10, 1000])),
                                     rng: RandomStream(seed: 3))
        var worst = 0.0
        for unit in flow.units {
            let j = layers - 1 - unit.layer
            for step in 1...t {
                let i = t - step
                let expected = Self.log10Binomial(i + j, i) + Double(i) * log10(a) + Double(j) * log10(b)
                worst = max(worst, abs((unit.gradNormLog10[step - 1] ?? .nan) - expected))
            }
            for n in unit.timeJacobianNorms { #expect(abs((n.spectralLog10 ?? .nan) - Double(n.lag) * log10(a)) < 1e-11) }
            #expect(unit.timeSummary.label == .vanishing)
        }
        #expect(worst < 1e-9, "worst log10 error \(worst)")
        #expect(flow.units[0].gradNormLog10[0]! < -400)
        for d in flow.depthJacobianNorms {
            #expect(d.norms.map(\.lag) == Array(0..<layers))
            for n in d.norms {
                #expect(abs((n.spectralLog10 ?? .nan) - Double(n.lag) * log10(b)) < 1e-12)
                #expect(abs((n.frobeniusLog10 ?? .nan) - Double(n.lag) * log10(b) - 0.5 * log10(3)) < 1e-12)
            }
        }
    }

    /// In the linear lattice the time term into (t, ℓ) over the depth term is i/j (remaining time
    /// moves over remaining depth moves), so the dominant path steps in time while i ≥ j.
    @Test(arguments: [(0.9, 0.9, 6, 4), (0.5, 1.5, 5, 3), (1.2, 0.3, 4, 4)])
    func dominantPathOfLinearStackFollowsTheBinomialRatio(a: Double, b: Double, t: Int, layers: Int) throws {
        let model = try Self.linearStack(a: a, b: b, h: 2, layers: layers)
        var rng = RandomStream(seed: 4)
        let flow = try DepthTimeFlow(model: model, inputs: rng.normalMatrix(rows: t, cols: 2), options: .init(lags: .explicit([0])), rng: RandomStream(seed: 1))
        var expected = [LatticeNode(step: 1, layer: 0, reverse: false)]
        var step = 1, layer = 0
        while step < t || layer < layers - 1 {
            let i = t - step, j = layers - 1 - layer
            // time term ∝ C(i−1+j, j)·a^i b^j, depth term ∝ C(i+j−1, i)·a^i b^j: ratio i/j.
            if i > 0 && i >= j { step += 1 } else { layer += 1 }
            expected.append(LatticeNode(step: step, layer: layer, reverse: false))
        }
        #expect(flow.dominantPath == expected)
        #expect(flow.timeMoves == t - 1 && flow.depthMoves == layers - 1)
    }

    /// The log-domain sweep (cells' vjp and inputVJP on trajectories) equals BPTT's per-layer
    /// ‖∂L/∂h_t^ℓ‖ (Unroller, StackedTape) for random stacked models, uni- and bidirectional.
    @Test(arguments: [(CellKind.rnn(.tanh), 3, false), (.lstm, 2, true), (.gru, 3, true), (.rnn(.relu), 2, true)])
    func gradientMapMatchesBPTT(cell: CellKind, layers: Int, bidirectional: Bool) throws {
        var rng = RandomStream(seed: 77)
        let model = try RecurrentModel.initialized(cell: cell, inputSize: 3, hiddenSize: 4, headSize: nil, layers: layers,
                                                   bidirectional: bidirectional, rng: &rng)
        let t = 9, x = rng.normalMatrix(rows: t, cols: 3), g = rng.normals(model.topWidth)
        let flow = try DepthTimeFlow(model: model, inputs: x, options: .init(lags: .all, adjoint: g), rng: RandomStream(seed: 0))
        let bptt = try model.gradients(SequenceBatch(x), outputs: .last,
                                       objective: .adjoint(try SequenceBatch(steps: 1, batchSize: 1, featureSize: model.topWidth, timeMajor: g)))
        #expect(flow.units.count == bptt.layers.count)
        var worst = 0.0
        for (unit, layer) in zip(flow.units, bptt.layers) {
            #expect(unit.layer == layer.layer && unit.reverse == layer.reverse)
            for (a, b) in zip(unit.gradNormLog10, layer.hiddenNorms) {
                if b == 0 { #expect(a == nil) } else { worst = max(worst, abs((a ?? .nan) - log10(b))) }
            }
        }
        #expect(worst < 1e-10, "worst log10 difference \(worst)")
        #expect(flow.dominantPath.first == LatticeNode(step: 1, layer: 0, reverse: false))
        // A nonzero gradient at the source has a path of nonzero terms up to the loss.
        if flow.units[0].gradNormLog10[0] != nil { #expect(flow.dominantPath.last?.layer == layers - 1) }
    }

    /// Stacked unit maps (`DepthTimeOptions.unitMaps`, `diagnose --unit-maps` on stacked models): every
    /// unit's log10 |∂L/∂h_t,i| from the log-domain sweep equals BPTT's per-layer ∂L/∂h_t^ℓ entry by
    /// entry (both directions time-aligned) to 1e-10 in log10, and each row sums (squared) to the
    /// unit's ‖∂L/∂h_t‖.
    @Test(arguments: [(CellKind.rnn(.tanh), 3, false), (.lstm, 2, true), (.gru, 2, true)])
    func unitMapsMatchBPTTEntryByEntry(cell: CellKind, layers: Int, bidirectional: Bool) throws {
        var rng = RandomStream(seed: 91)
        let model = try RecurrentModel.initialized(cell: cell, inputSize: 3, hiddenSize: 5, headSize: nil, layers: layers,
                                                   bidirectional: bidirectional, rng: &rng)
        let t = 11, h = 5, x = rng.normalMatrix(rows: t, cols: 3), g = rng.normals(model.topWidth)
        let flow = try DepthTimeFlow(model: model, inputs: x, options: .init(lags: .explicit([0]), adjoint: g, unitMaps: true),
                                     rng: RandomStream(seed: 0))
        let bptt = try model.gradients(SequenceBatch(x), outputs: .last,
                                       objective: .adjoint(try SequenceBatch(steps: 1, batchSize: 1, featureSize: model.topWidth, timeMajor: g)))
        var worst = 0.0, compared = 0
        for (unit, layer) in zip(flow.units, bptt.layers) {
            #expect(unit.unitLog10.count == t && unit.unitLog10.allSatisfy { $0.count == h })
            for time in 0..<t {
                for i in 0..<h {
                    let b = layer.hidden[time * h + i], a = unit.unitLog10[time][i]
                    if b == 0 { #expect(a == -.infinity) } else { worst = max(worst, abs(a - log10(abs(b)))); compared += 1 }
                }
                let row = unit.unitLog10[time].filter(\.isFinite)
                if let m = row.max(), let n = unit.gradNormLog10[time] {
                    let sum = m + 0.5 * log10(row.reduce(0) { $0 + pow(10, 2 * ($1 - m)) })
                    #expect(abs(sum - n) < 1e-12, "layer \(unit.layer) step \(time + 1)")
                }
            }
        }
        #expect(compared > layers * t * h / 2)
        #expect(worst < 1e-10, "worst log10 difference \(worst)")
        // Files: one (T, H) map per layer and direction.
        let files = try flow.unitMapFiles()
        #expect(files.map(\.name) == flow.units.map { DepthTimeFlow.unitMapFileName(layer: $0.layer, reverse: $0.reverse) })
        let without = try DepthTimeFlow(model: model, inputs: x, options: .init(lags: .explicit([0]), adjoint: g), rng: RandomStream(seed: 0))
        #expect(without.units.allSatisfy { $0.unitLog10.isEmpty })
        #expect(try without.unitMapFiles().isEmpty)
    }

    /// `measure: contributions` on stacked models: each unit's per-step terms of its ∂L/∂W_hh from the
    /// log-domain sweep equal BPTT's per-layer step norms (batch tape, StackedTape) to 1e-10.
    @Test(arguments: [(CellKind.rnn(.tanh), 3, false), (.lstm, 2, true), (.gru, 2, true)])
    func weightGradientTermsMatchBPTT(cell: CellKind, layers: Int, bidirectional: Bool) throws {
        var rng = RandomStream(seed: 78)
        let model = try RecurrentModel.initialized(cell: cell, inputSize: 3, hiddenSize: 4, headSize: nil, layers: layers,
                                                   bidirectional: bidirectional, rng: &rng)
        let t = 9, x = rng.normalMatrix(rows: t, cols: 3), g = rng.normals(model.topWidth)
        let flow = try DepthTimeFlow(model: model, inputs: x, options: .init(lags: .explicit([0]), adjoint: g, contributions: true),
                                     rng: RandomStream(seed: 0))
        let bptt = try model.gradients(SequenceBatch(x), outputs: .last,
                                       objective: .adjoint(try SequenceBatch(steps: 1, batchSize: 1, featureSize: model.topWidth, timeMajor: g)))
        var worst = 0.0, compared = 0
        for (unit, layer) in zip(flow.units, bptt.layers) {
            #expect(unit.contributionLog10.count == t)
            for (a, b) in zip(unit.contributionLog10, layer.recurrentWeightStepLog10Norms) {
                if b == -.infinity { #expect(a == nil) } else { worst = max(worst, abs((a ?? .nan) - b)); compared += 1 }
            }
        }
        #expect(compared > 0 && worst < 1e-10, "worst log10 difference \(worst) over \(compared) terms")
    }
}
