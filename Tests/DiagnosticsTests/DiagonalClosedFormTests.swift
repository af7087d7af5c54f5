import Foundation
import Linalg
import Recurrent
import Testing
@testable import Diagnostics

/// The closed form of a diagonal recurrence per unit, |∂h_{T,j}/∂h_{T−k,j}| = |m_j|^k, and its norm
/// max_j |m_j|^k (`Theory.diagonalPowerLog10`, drawn beside the measured curve in norm-vs-lag), against
/// the Diagnosis' measured Jacobian products of an IndRNN.
@Suite struct DiagonalClosedFormTests {
    @Test func unitPowers() {
        let m = [0.5, -2, 0, 1]
        #expect(Theory.diagonalUnitPowersLog10(lag: 0, moduli: m) == [0, 0, 0, 0])
        let p = Theory.diagonalUnitPowersLog10(lag: 3, moduli: m)
        #expect(abs(p[0] - 3 * log10(0.5)) < 1e-15 && abs(p[1] - 3 * log10(2.0)) < 1e-15 && p[2] == -.infinity && p[3] == 0)
        #expect(Theory.diagonalPowerLog10(lag: 3, moduli: m) == p[1])
        #expect(Theory.diagonalPowerLog10(lag: 3, moduli: []) == nil)
    }

    /// A linear IndRNN (φ' = 1): the measured ‖∂h_T/∂h_{T−k}‖₂ is max_j |u_j|^k at every lag up to
    /// T = 2000 (10^±hundreds), to 1e−12 relative; with relu driven so that every unit stays on
    /// (positive biases and inputs, u > 0) too; with tanh the closed form bounds it from above.
    @Test(arguments: [Activation.linear, .relu, .tanh])
    func matchesMeasuredProducts(activation: Activation) throws {
        var rng = RandomStream(seed: 12)
        let h = 5, t = 2000
        var model = try RecurrentModel.initialized(cell: .indrnn(activation), inputSize: 1, hiddenSize: h, headSize: nil, rng: &rng)
        let u = activation == .linear ? [0.7, -1.2, 1.05, 0.99, -0.3] : [0.7, 0.9, 1.002, 0.99, 0.3]
        try model.setTensors(model.parameters.pairs.map { p in
            if p.name == ParameterName.weightHH { return try Matrix(rows: h, cols: 1, elements: u) }
            if p.name.hasPrefix("bias") { return try Matrix(rows: h, cols: 1, elements: [Double](repeating: 0.1, count: h)) }
            if p.name == ParameterName.weightIH { return try Matrix(rows: h, cols: 1, elements: [Double](repeating: 0.2, count: h)) }
            return p.tensor
        })
        #expect(model.diagonalModuli == u.map(abs))
        let options = DiagnosisOptions(inputs: Matrix(rows: t, cols: 1, repeating: 0.5), steps: t, input: .zeros, initialState: .zeros,
                                       lags: .every(250))
        let d = try Diagnosis(map: model.makeCell(), theory: model.theoryInputs, options: options, rng: RandomStream(seed: 1))
        #expect(d.jacobianNorms.count > 5)
        for n in d.jacobianNorms {
            guard let measured = n.spectralLog10, let closed = Theory.diagonalPowerLog10(lag: n.lag, moduli: u.map(abs)) else {
                Issue.record("lag \(n.lag): no value"); continue
            }
            let tolerance = 1e-12 / log(10.0) + 4 * closed.ulp
            if activation == .tanh {
                #expect(measured <= closed + tolerance, "lag \(n.lag): \(measured) above \(closed)")
            } else {
                #expect(abs(measured - closed) <= tolerance, "lag \(n.lag): \(measured) vs \(closed)")
            }
        }
    }

    /// An LRU's moduli are |λ_j| of its N complex units (not the 2N real state entries), and as a linear
    /// cell its measured ‖∂h_T/∂h_{T−k}‖₂ is max_j |λ_j|^k at every lag (1e−12 relative).
    @Test func lruModuliAndProducts() throws {
        var rng = RandomStream(seed: 5)
        let moduli = [0.3, 0.97, 0.999, 0.8], phases = [0.1, 2.0, 0.5, 3.0]
        let p = LRUParameters.withEigenvalues(moduli: moduli, phases: phases, inputSize: 2, rng: &rng)
        let model = try RecurrentModel(cell: .lru, parameters: ParameterSet(p.named()))
        let got = try #require(model.diagonalModuli)
        #expect(got.count == moduli.count)
        for (a, b) in zip(got, moduli) { #expect(abs(a - b) <= 1e-15) }
        let t = 1000
        let options = DiagnosisOptions(inputs: Matrix(rows: t, cols: 2, repeating: 0.5), steps: t, input: .zeros, initialState: .zeros,
                                       lags: .every(100))
        let d = try Diagnosis(map: model.makeCell(), theory: model.theoryInputs, options: options, rng: RandomStream(seed: 1))
        #expect(d.jacobianNorms.count > 5)
        for n in d.jacobianNorms {
            let measured = try #require(n.spectralLog10), closed = try #require(Theory.diagonalPowerLog10(lag: n.lag, moduli: got))
            #expect(abs(measured - closed) <= 1e-12 / log(10.0) + 4 * closed.ulp, "lag \(n.lag): \(measured) vs \(closed)")
        }
    }
}
