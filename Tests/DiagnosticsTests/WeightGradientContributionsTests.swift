import Foundation
import Testing
import Linalg
import Recurrent
@testable import Diagnostics

/// `measure: contributions`: step t's term g_t·h_{t−1}ᵀ of ∂L/∂W_hh.
@Suite struct WeightGradientContributionsTests {
    /// A model, a (T, D) input, h_0 and an adjoint ∂L/∂h_T for `cell`.
    static func setup(_ cell: CellKind, seed: UInt64) throws -> (RecurrentModel, Matrix, [Double], [Double]) {
        var rng = RandomStream(seed: seed)
        let model = try RecurrentModel.initialized(cell: cell, inputSize: 3, hiddenSize: 4, headSize: nil, rng: &rng)
        let x = rng.normalMatrix(rows: 12, cols: 3)
        var s0 = [Double](repeating: 0, count: model.makeCell().stateSize)
        for i in 0..<4 { s0[i] = 0.5 * rng.normal() }
        return (model, x, s0, rng.normals(4))
    }

    /// Σ_t g_t·h_{t−1}ᵀ (from the stored unit-scale factors and their log scales) equals ∂L/∂W_hh of the
    /// unroller's BPTT with L = aᵀh_T to 1e-12 relative; each term's norm equals BPTT's own per-step
    /// norm (`recurrentWeightStepLog10Norms`, computed on the batch tape) to 1e-12.
    @Test(arguments: [CellKind.rnn(.tanh), .rnn(.relu), .lstm, .gru])
    func termsSumToTheBPTTGradient(cell: CellKind) throws {
        let (model, x, s0, a) = try Self.setup(cell, seed: 11)
        let map = model.makeCell()
        let trajectory = try Trajectory(map: map, initialState: s0, inputs: x)
        let terms = try WeightGradientContributions(cell: map, trajectory: trajectory, adjoint: a, keepTerms: true)
        let (t, h) = (x.rows, 4)
        var sum = Matrix(rows: map.weights.gateRows, cols: h)
        for step in 1...t {
            let (g, log10Scale) = terms.factors[step - 1]
            let scale = pow(10, log10Scale)
            for r in 0..<sum.rows {
                for c in 0..<h { sum[r, c] += g[r] * scale * trajectory.states[step - 1, c] }
            }
        }
        let bptt = try model.gradients(try SequenceBatch(x), outputs: .last,
                                       objective: .adjoint(try SequenceBatch(steps: 1, batchSize: 1, featureSize: h, timeMajor: a)),
                                       initialState: s0)
        let reference = try #require(bptt.parameters["weight_hh_l0"])
        let difference = try sum.adding(reference, scaledBy: -1)
        #expect(difference.frobeniusNorm <= 1e-12 * reference.frobeniusNorm, "\(cell): ‖Σ − ∂L/∂W_hh‖ = \(difference.frobeniusNorm)")
        for step in 1...t {
            let ours = try #require(terms.log10Norms[step - 1])
            #expect(abs(ours - bptt.recurrentWeightStepLog10Norms[step - 1]) < 1e-12, "\(cell) step \(step)")
        }
    }

    /// Finite differences: perturbing W_hh by ε·E changes L = aᵀh_T by ε⟨E, Σ_t g_t h_{t−1}ᵀ⟩ + O(ε²).
    @Test func finiteDifferencesAgreeWithTheTerms() throws {
        let (model, x, s0, a) = try Self.setup(.rnn(.tanh), seed: 5)
        let map = model.makeCell()
        let trajectory = try Trajectory(map: map, initialState: s0, inputs: x)
        let terms = try WeightGradientContributions(cell: map, trajectory: trajectory, adjoint: a, keepTerms: true)
        func loss(_ w: Matrix) throws -> Double {
            var m = model
            try m.setTensors(m.parameters.tensors.enumerated().map { $0.offset == 1 ? w : $0.element })
            let traj = try Trajectory(map: m.makeCell(), initialState: s0, inputs: x)
            return (0..<4).reduce(0) { $0 + a[$1] * traj.states[x.rows, $1] }
        }
        let w = try #require(model.parameters["weight_hh_l0"])
        let eps = 1e-6
        for (r, c) in [(0, 0), (1, 3), (3, 2)] {
            var plus = w, minus = w
            plus[r, c] += eps
            minus[r, c] -= eps
            let fd = (try loss(plus) - loss(minus)) / (2 * eps)
            var analytic = 0.0
            for step in 1...x.rows {
                let (g, log10Scale) = terms.factors[step - 1]
                analytic += g[r] * pow(10, log10Scale) * trajectory.states[step - 1, c]
            }
            #expect(abs(fd - analytic) < 1e-8 * max(1, abs(analytic)), "(\(r), \(c)): fd \(fd) vs \(analytic)")
        }
    }
}
