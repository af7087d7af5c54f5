import Foundation
import Linalg
import Recurrent
import Testing
@testable import Training

@Suite struct OrthogonalParametrizationTests {
    /// exp of a 2×2 rotation generator is the rotation (closed form), and exp(0) = I.
    @Test func exponentialClosedForms() throws {
        for theta in [0.3, 2.0, -7.5] {
            let w = try MatrixExponential.exp(try Matrix([[0, theta], [-theta, 0]]))
            let expected = [cos(theta), sin(theta), -sin(theta), cos(theta)]
            #expect(zip(w.elements, expected).allSatisfy { abs($0 - $1) < 1e-14 })
        }
        #expect(try MatrixExponential.exp(Matrix(rows: 3, cols: 3)) == Matrix.identity(3))
        // A diagonal matrix: e^d entrywise, relative 1e−14 (norm 12 needs 5 squarings).
        let d = try MatrixExponential.exp(Matrix.diagonal([-12, 0.5, 3]))
        for (k, v) in [-12, 0.5, 3].enumerated() { #expect(abs(d[k, k] / exp(v) - 1) < 1e-14) }
    }

    /// W and ∂L/∂X equal torch.linalg.matrix_exp and autograd (scripts/mitigations_fixtures.py) to 1e−10.
    @Test func matchesTorchAutograd() throws {
        let fixture = try loadJSON("orthogonal_expm.json")
        let cases = fixture["frechet"] as? [[String: Any]] ?? []
        #expect(cases.count == 3)
        for entry in cases {
            let x = try matrix(entry["x"]), g = try matrix(entry["g"])
            let w = try OrthogonalParametrization().weight(x)
            #expect(maxAbsDifference([w], [try matrix(entry["w"])]) < 1e-12)
            let dx = try OrthogonalParametrization().gradient(x, weightGradient: g)
            let err = maxAbsDifference([dx], [try matrix(entry["dx"])])
            #expect(err < 1e-10, "n = \(x.rows): |∂L/∂X − torch| = \(err)")
            #expect(try orthogonalityError(w) < 1e-13)
        }
    }

    /// Through BPTT: a tanh RNN's MSE loss and ∂L/∂X against torch autograd to 1e−10.
    @Test func rnnGradientMatchesTorch() throws {
        let f = try #require(try loadJSON("orthogonal_expm.json")["rnn"] as? [String: Any])
        let x = try matrix(f["x"])
        func column(_ key: String) throws -> Matrix {
            let v = (f[key] as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
            return try Matrix(rows: v.count, cols: 1, elements: v)
        }
        let model = try RecurrentModel(cell: .rnn(.tanh), parameters: ParameterSet([
            (ParameterName.weightIH, try matrix(f["weight_ih"])), (ParameterName.weightHH, try OrthogonalParametrization().weight(x)),
            (ParameterName.biasIH, try column("bias_ih")), (ParameterName.biasHH, try column("bias_hh")),
            (ParameterName.headWeight, try matrix(f["head_weight"])), (ParameterName.headBias, try column("head_bias")),
        ]))
        let steps = f["inputs"] as? [[[Any]]] ?? []
        let flat = steps.flatMap { $0.flatMap { $0.map { ($0 as? NSNumber)?.doubleValue ?? .nan } } }
        let inputs = try SequenceBatch(steps: steps.count, batchSize: steps[0].count, featureSize: steps[0][0].count, timeMajor: flat)
        let targets = try matrix(f["targets"])
        let g = try model.gradients(inputs, outputs: .last,
                                    objective: .mse(targets: try SequenceBatch(steps: 1, batchSize: targets.rows, featureSize: 1, timeMajor: targets.elements)))
        #expect(abs(g.loss - ((f["loss"] as? NSNumber)?.doubleValue ?? .nan)) < 1e-13)
        let gw = try #require(g.parameters[ParameterName.weightHH])
        let dx = try OrthogonalParametrization().gradient(x, weightGradient: gw)
        let err = maxAbsDifference([dx], [try matrix(f["dx"])])
        #expect(err < 1e-10, "|∂L/∂X − torch| = \(err)")
    }

    /// The Fréchet derivative against central differences of exp along a direction (independent of torch).
    @Test func frechetMatchesFiniteDifferences() throws {
        var rng = RandomStream(seed: 8)
        let m = rng.normalMatrix(rows: 5, cols: 5), e = rng.normalMatrix(rows: 5, cols: 5)
        let l = try MatrixExponential.frechet(m, direction: e)
        let h = 1e-5
        let plus = try MatrixExponential.exp(try m.adding(e, scaledBy: h)), minus = try MatrixExponential.exp(try m.adding(e, scaledBy: -h))
        let numeric = try plus.adding(minus, scaledBy: -1).scaled(by: 1 / (2 * h))
        #expect(maxAbsDifference([l], [numeric]) < 1e-7)
    }

    /// 1000 Adam steps on the adding problem: W_hh stays orthogonal to ‖WᵀW − I‖_F ≤ 1e−12, X's lower
    /// triangle stays zero, and training moves W_hh.
    @Test func staysOrthogonalOver1000Steps() throws {
        let task = try AddingProblem(variant: .arjovsky2016, length: 10)
        var config = TrainingConfiguration(task: task, optimizer: try Adam(learningRate: 0.01))
        config.iterations = 1000
        config.evaluationInterval = 500
        config.evaluationBatches = 1
        config.batchSize = 8
        config.stopWhenSolved = false
        config.recordInterval = 100
        config.parametrization = OrthogonalParametrization(lrFactor: 0.5)
        var rng = RandomStream(seed: 2, stream: 1)
        let model = try RecurrentModel.initialized(cell: .rnn(.tanh), inputSize: 2, hiddenSize: 8, headSize: 1, rng: &rng)
        let result = try train(model, config, rng: RandomStream(seed: 5))
        #expect(result.iterations == 1000 && !result.diverged)
        let w = try #require(result.model.parameters[ParameterName.weightHH])
        #expect(try orthogonalityError(w) <= 1e-12)
        #expect(result.records.dropFirst().filter { $0.sigmaMax.isFinite }.allSatisfy { abs($0.sigmaMax - 1) < 1e-12 && abs($0.spectralRadius - 1) < 1e-12 })
        var stream = RandomStream(seed: 5).split("parametrization")
        let p = OrthogonalParametrization()
        let start = try p.weight(p.initialParameter(hidden: 8, rng: &stream))
        #expect(maxAbsDifference([w], [start]) > 1e-3)
    }

    @Test func rejectsWhatItCannotDo() throws {
        #expect(throws: TrainingError.self) { try OrthogonalParametrization(lrFactor: 0).validate() }
        var config = TrainingConfiguration(task: try AddingProblem(variant: .arjovsky2016, length: 5), optimizer: try Adam())
        config.parametrization = OrthogonalParametrization()
        config.constraint = .spectral(maxNorm: 1)
        var rng = RandomStream(seed: 1)
        let model = try RecurrentModel.initialized(cell: .rnn(.tanh), inputSize: 2, hiddenSize: 3, headSize: 1, rng: &rng)
        #expect(throws: TrainingError.self) { try train(model, config, rng: RandomStream(seed: 1)) }
    }
}
