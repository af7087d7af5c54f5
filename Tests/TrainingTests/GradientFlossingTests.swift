import Foundation
import Linalg
import Recurrent
import Testing
@testable import Training

@Suite struct GradientFlossingTests {
    func column(_ any: Any?) throws -> Matrix {
        let v = (any as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
        return try Matrix(rows: v.count, cols: 1, elements: v)
    }

    /// λ_i, the flossing loss and its gradients w.r.t. W_hh, W_ih and both biases equal a PyTorch
    /// autograd reference through torch.linalg.qr (scripts/mitigations_fixtures.py) to 1e−9.
    @Test func matchesTorchAutograd() throws {
        let cases = try loadJSON("flossing.json")["cases"] as? [[String: Any]] ?? []
        #expect(cases.count == 3)
        for c in cases {
            let n = (c["hidden"] as? NSNumber)?.intValue ?? 0, d = (c["inputs_dim"] as? NSNumber)?.intValue ?? 0
            let tf = (c["window"] as? NSNumber)?.intValue ?? 0
            let model = try RecurrentModel(cell: .rnn(.tanh), parameters: ParameterSet([
                (ParameterName.weightIH, try matrix(c["weight_ih"])), (ParameterName.weightHH, try matrix(c["weight_hh"])),
                (ParameterName.biasIH, try column(c["bias_ih"])), (ParameterName.biasHH, try column(c["bias_hh"])),
                (ParameterName.headWeight, Matrix(rows: 1, cols: n)), (ParameterName.headBias, Matrix(rows: 1, cols: 1)),
            ]))
            let xs = try matrix(c["inputs"])
            let batch = try TaskBatch(batchSize: 1, length: tf, inputSize: d, output: .regression(size: 1), inputs: xs.elements,
                                      targets: .real([Double](repeating: 0, count: tf)), lossMask: [Bool](repeating: true, count: tf))
            let floss = GradientFlossing(exponents: (c["exponents"] as? NSNumber)?.intValue ?? 0, weight: (c["weight"] as? NSNumber)?.doubleValue ?? .nan,
                                         window: tf, target: (c["target"] as? NSNumber)?.doubleValue ?? .nan)
            let r = try floss.evaluate(model, batch: batch)
            let lambdas = (c["lambdas"] as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
            #expect(zip(r.exponents, lambdas).allSatisfy { abs($0 - $1) < 1e-12 } && r.exponents.count == lambdas.count)
            #expect(abs(r.loss - ((c["loss"] as? NSNumber)?.doubleValue ?? .nan)) < 1e-12)
            let expected = [try matrix(c["d_weight_ih"]), try matrix(c["d_weight_hh"]), try column(c["d_bias_ih"]), try column(c["d_bias_hh"])]
            let err = maxAbsDifference(Array(r.gradients.prefix(4)), expected)
            #expect(err < 1e-9, "n = \(n), T_f = \(tf): |∇ − torch| = \(err)")
            #expect(r.gradients[4] == Matrix(rows: 1, cols: n))
        }
    }

    /// Flossing alongside the task (`every: 1`, α = 100): every iteration records its λ_1 estimate and
    /// its loss α·(λ_1 − target)², and the run is reproducible bit for bit. What this mode does to λ_1
    /// is *not* asserted: on this chaotic network (W_hh Gaussian, std 2) and the adding task at T = 40,
    /// the mean |λ_1| of the last 75 of 150 iterations (Adam lr 0.01) measured 0.13–0.37 over six
    /// training seeds against 0.25 for the initial model (40 probe sequences), and 0.09–0.70 with a
    /// negligible weight (1e−12): the task's own updates move λ_1 as much as flossing does, and the
    /// trajectory is chaotic (an earlier single-seed version of this test flipped with the last bits
    /// of tanh). The flossing-only phase does move λ_1 towards the target robustly (FlossingPhaseTests).
    @Test func combinedModeRecordsLambdaAndItsLoss() throws {
        let task = try AddingProblem(variant: .arjovsky2016, length: 40)
        var config = TrainingConfiguration(task: task, optimizer: try Adam(learningRate: 0.01))
        config.iterations = 30
        config.evaluationInterval = 30
        config.evaluationBatches = 1
        config.flossing = GradientFlossing(exponents: 1, weight: 100, window: 40, every: 1, target: 0.25)
        var rng = RandomStream(seed: 3, stream: 1)
        var model = try RecurrentModel.initialized(cell: .rnn(.tanh), inputSize: 2, hiddenSize: 16, headSize: 1, rng: &rng)
        var tensors = model.parameters.tensors
        tensors[1] = rng.normalMatrix(rows: 16, cols: 16, std: 2)
        try model.setTensors(tensors)
        let result = try train(model, config, rng: RandomStream(seed: 1))
        let records = Array(result.records.dropFirst())
        #expect(records.count == 30)
        for r in records {
            #expect(r.flossLambda1.isFinite && r.flossLambda1 > -2 && r.flossLambda1 < 2)
            let expected = 100 * (r.flossLambda1 - 0.25) * (r.flossLambda1 - 0.25)
            #expect(abs(r.flossLoss - expected) <= 1e-12 * max(1, expected), "loss \(r.flossLoss) vs α(λ − target)² \(expected)")
        }
        let again = try train(model, config, rng: RandomStream(seed: 1))
        #expect(again.records.dropFirst().map(\.flossLambda1) == records.map(\.flossLambda1))
        #expect(again.model.parameters.tensors == result.model.parameters.tensors)
    }

    @Test func rejectsWhatItCannotDo() throws {
        #expect(throws: TrainingError.self) { try GradientFlossing(exponents: 0).validate() }
        #expect(throws: TrainingError.self) { try GradientFlossing(exponents: 5).validate(hidden: 4) }
        #expect(throws: TrainingError.self) { try FlossingSpec(window: 0).make() }
        var rng = RandomStream(seed: 1)
        let relu = try RecurrentModel.initialized(cell: .rnn(.relu), inputSize: 2, hiddenSize: 3, headSize: 1, rng: &rng)
        var config = TrainingConfiguration(task: try AddingProblem(variant: .arjovsky2016, length: 5), optimizer: try Adam())
        config.flossing = GradientFlossing()
        #expect(throws: TrainingError.self) { try train(relu, config, rng: RandomStream(seed: 1)) }
    }
}
