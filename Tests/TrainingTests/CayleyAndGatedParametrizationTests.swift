import Foundation
import Linalg
import Recurrent
import Testing
@testable import Training

/// scoRNN's Cayley parametrization and the gate-blockwise expm/Cayley parametrizations of LSTM and GRU.
@Suite struct CayleyAndGatedParametrizationTests {
    func column(_ any: Any?) throws -> Matrix {
        let v = (any as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
        return try Matrix(rows: v.count, cols: 1, elements: v)
    }
    func int(_ any: Any?) -> Int { (any as? NSNumber)?.intValue ?? -1 }
    func double(_ any: Any?) -> Double { (any as? NSNumber)?.doubleValue ?? .nan }

    /// The 2×2 closed form: A = [[0, s], [−s, 0]] ⇒ (I + A)⁻¹(I − A) = [[1 − s², −2s], [2s, 1 − s²]]/(1 + s²).
    @Test func cayleyClosedForm() throws {
        for s in [0.3, -2.0, 15.0] {
            let w = try CayleyTransform.weight(try Matrix([[0, s], [-s, 0]]))
            let c = (1 - s * s) / (1 + s * s), d = 2 * s / (1 + s * s)
            #expect(zip(w.elements, [c, -d, d, c]).allSatisfy { abs($0 - $1) < 1e-15 })
        }
        #expect(try CayleyTransform.weight(Matrix(rows: 3, cols: 3)) == Matrix.identity(3))
    }

    /// W and ∂L/∂X (L = Σ W ⊙ G, with and without scoRNN's D) equal torch.linalg.solve + autograd
    /// (scripts/mitigations_fixtures.py) to 1e−10; W is orthogonal to 1e−13 even for ‖X‖ ≈ 30.
    @Test func cayleyMatchesTorchAutograd() throws {
        let cases = try loadJSON("orthogonal_cayley.json")["transform"] as? [[String: Any]] ?? []
        #expect(cases.count == 4)
        for entry in cases {
            let p = OrthogonalParametrization(kind: .cayley, negativeOnes: int(entry["negative_ones"]))
            let x = try matrix(entry["x"]), g = try matrix(entry["g"])
            let w = try p.weight(x)
            #expect(maxAbsDifference([w], [try matrix(entry["w"])]) < 1e-12)
            let err = maxAbsDifference([try p.gradient(x, weightGradient: g)], [try matrix(entry["dx"])])
            #expect(err < 1e-10, "n = \(x.rows): |∂L/∂X − torch| = \(err)")
            #expect(try orthogonalityError(w) < 1e-13)
        }
    }

    /// Through BPTT: a tanh RNN with W_hh = Cayley(A)·D (one −1) against torch autograd to 1e−10.
    @Test func cayleyRNNGradientMatchesTorch() throws {
        let f = try #require(try loadJSON("orthogonal_cayley.json")["rnn"] as? [String: Any])
        let p = OrthogonalParametrization(kind: .cayley, negativeOnes: int(f["negative_ones"]))
        let x = try matrix(f["x"])
        let (loss, gw) = try lossAndWeightGradient(.rnn(.tanh), f, weightHH: try p.weight(x))
        #expect(abs(loss - double(f["loss"])) < 1e-13)
        let err = maxAbsDifference([try p.gradient(x, weightGradient: gw)], [try matrix(f["dx"])])
        #expect(err < 1e-10, "|∂L/∂X − torch| = \(err)")
    }

    /// The Cayley adjoint against central differences of L(X) = Σ W(X) ⊙ G (independent of torch).
    @Test func cayleyGradientMatchesFiniteDifferences() throws {
        var rng = RandomStream(seed: 19)
        let x = rng.normalMatrix(rows: 6, cols: 6), g = rng.normalMatrix(rows: 6, cols: 6)
        let p = OrthogonalParametrization(kind: .cayley, negativeOnes: 2)
        let dx = try p.gradient(x, weightGradient: g)
        func loss(_ x: Matrix) throws -> Double { zip(try p.weight(x).elements, g.elements).reduce(0) { $0 + $1.0 * $1.1 } }
        let h = 1e-6
        for i in 0..<6 { for j in 0..<6 {
            var plus = x, minus = x
            plus[i, j] += h; minus[i, j] -= h
            let numeric = (try loss(plus) - (try loss(minus))) / (2 * h)
            #expect(abs(numeric - dx[i, j]) < 1e-7, "(\(i), \(j)): \(numeric) vs \(dx[i, j])")
        } }
    }

    /// LSTM and GRU with every gate block of W_hh = exp(A_g) or Cayley(A_g): the BPTT loss and ∂L/∂X
    /// (all G blocks) equal torch.nn.LSTM / GRU through torch.func.functional_call and autograd to 1e−10.
    @Test func gatedBlocksMatchTorch() throws {
        let cases = try loadJSON("orthogonal_gated.json")["cases"] as? [[String: Any]] ?? []
        #expect(cases.count == 4)
        for c in cases {
            let cell: CellKind = (c["cell"] as? String) == "lstm" ? .lstm : .gru
            let kind = try #require(OrthogonalParametrization.Kind(rawValue: c["kind"] as? String ?? ""))
            let p = OrthogonalParametrization(kind: kind)
            let x = try matrix(c["x"])
            let w = try p.weight(x)
            #expect(w.rows == cell.gateCount * w.cols)
            #expect(maxAbsDifference([w], [try matrix(c["w_hh"])]) < 1e-12)
            #expect(try orthogonalityError(w) < 1e-13)
            let (loss, gw) = try lossAndWeightGradient(cell, c, weightHH: w)
            #expect(abs(loss - double(c["loss"])) < 1e-13, "\(cell) \(kind)")
            let err = maxAbsDifference([try p.gradient(x, weightGradient: gw)], [try matrix(c["dx"])])
            #expect(err < 1e-10, "\(cell) \(kind): |∂L/∂X − torch| = \(err)")
        }
    }

    /// 1,000 Adam steps with the Cayley parametrization (D with two −1s): ‖WᵀW − I‖_F ≤ 1e−12 after
    /// training, every recorded σ_max = ρ = 1, and W_hh moved.
    @Test func cayleyStaysOrthogonalOver1000Steps() throws {
        let p = OrthogonalParametrization(kind: .cayley, lrFactor: 0.5, negativeOnes: 2)
        let result = try trainAdding(cell: .rnn(.tanh), p, iterations: 1000)
        #expect(result.iterations == 1000 && !result.diverged)
        let w = try #require(result.model.parameters[ParameterName.weightHH])
        #expect(try orthogonalityError(w) <= 1e-12)
        #expect(result.records.dropFirst().filter { $0.sigmaMax.isFinite }.allSatisfy { abs($0.sigmaMax - 1) < 1e-12 && abs($0.spectralRadius - 1) < 1e-12 })
        var stream = RandomStream(seed: 5).split("parametrization")
        #expect(maxAbsDifference([w], [try p.weight(p.initialParameter(hidden: 8, rng: &stream))]) > 1e-3)
    }

    /// LSTM and GRU trained 300 steps under each map: every gate block stays orthogonal to 1e−12,
    /// the stacked W_hh's σ_max is √G (G orthogonal blocks), and training moves W_hh.
    @Test func gatedBlocksStayOrthogonalDuringTraining() throws {
        for cell in [CellKind.lstm, .gru] {
            for kind in OrthogonalParametrization.Kind.allCases {
                let p = OrthogonalParametrization(kind: kind, lrFactor: 0.5)
                let result = try trainAdding(cell: cell, p, iterations: 300)
                #expect(!result.diverged)
                let w = try #require(result.model.parameters[ParameterName.weightHH])
                #expect(try orthogonalityError(w) <= 1e-12, "\(cell) \(kind)")
                let sigma = result.records.last?.sigmaMax ?? .nan
                #expect(abs(sigma - Double(cell.gateCount).squareRoot()) < 1e-10, "\(cell) \(kind): σ_max \(sigma)")
                var stream = RandomStream(seed: 5).split("parametrization")
                #expect(maxAbsDifference([w], [try p.weight(p.initialParameter(hidden: 8, blocks: cell.gateCount, rng: &stream))]) > 1e-3)
            }
        }
    }

    @Test func rejectsWhatItCannotDo() throws {
        #expect(throws: TrainingError.self) { try OrthogonalParametrization(kind: .expm, negativeOnes: 1).validate() }
        #expect(throws: TrainingError.self) { try OrthogonalParametrization(kind: .cayley, negativeOnes: -1).validate() }
        #expect(throws: TrainingError.self) { try OrthogonalParametrization(kind: .cayley, negativeOnes: 9).validate(hidden: 8) }
        #expect(throws: TrainingError.self) { try OrthogonalParametrization(kind: .cayley).weight(Matrix(rows: 5, cols: 3)) }
        var config = TrainingConfiguration(task: try AddingProblem(variant: .arjovsky2016, length: 5), optimizer: try Adam())
        config.parametrization = OrthogonalParametrization(kind: .cayley)
        var rng = RandomStream(seed: 1)
        let indrnn = try RecurrentModel.initialized(cell: .indrnn(.relu), inputSize: 2, hiddenSize: 3, headSize: 1, rng: &rng)
        #expect(throws: TrainingError.self) { try train(indrnn, config, rng: RandomStream(seed: 1)) }
    }

    // MARK: - helpers

    /// The adding problem (T = 10, batches of 8, Adam lr 0.01) for `iterations` steps under `p`.
    func trainAdding(cell: CellKind, _ p: OrthogonalParametrization, iterations: Int) throws -> TrainingResult {
        var config = TrainingConfiguration(task: try AddingProblem(variant: .arjovsky2016, length: 10), optimizer: try Adam(learningRate: 0.01))
        config.iterations = iterations
        config.evaluationInterval = iterations / 2
        config.evaluationBatches = 1
        config.batchSize = 8
        config.stopWhenSolved = false
        config.recordInterval = 100
        config.parametrization = p
        var rng = RandomStream(seed: 2, stream: 1)
        let model = try RecurrentModel.initialized(cell: cell, inputSize: 2, hiddenSize: 8, headSize: 1, rng: &rng)
        return try train(model, config, rng: RandomStream(seed: 5))
    }

    /// The fixture's model (W_ih, biases, head from `f`, W_hh given) on its inputs (time-major T×B×D):
    /// the MSE loss of the last step's read-out and ∂L/∂W_hh by BPTT.
    func lossAndWeightGradient(_ cell: CellKind, _ f: [String: Any], weightHH: Matrix) throws -> (Double, Matrix) {
        let model = try RecurrentModel(cell: cell, parameters: ParameterSet([
            (ParameterName.weightIH, try matrix(f["weight_ih"])), (ParameterName.weightHH, weightHH),
            (ParameterName.biasIH, try column(f["bias_ih"])), (ParameterName.biasHH, try column(f["bias_hh"])),
            (ParameterName.headWeight, try matrix(f["head_weight"])), (ParameterName.headBias, try column(f["head_bias"])),
        ]))
        let steps = f["inputs"] as? [[[Any]]] ?? []
        let flat = steps.flatMap { $0.flatMap { $0.map { ($0 as? NSNumber)?.doubleValue ?? .nan } } }
        let inputs = try SequenceBatch(steps: steps.count, batchSize: steps[0].count, featureSize: steps[0][0].count, timeMajor: flat)
        let targets = try matrix(f["targets"])
        let g = try model.gradients(inputs, outputs: .last,
                                    objective: .mse(targets: try SequenceBatch(steps: 1, batchSize: targets.rows, featureSize: 1, timeMajor: targets.elements)))
        return (g.loss, try #require(g.parameters[ParameterName.weightHH]))
    }
}
