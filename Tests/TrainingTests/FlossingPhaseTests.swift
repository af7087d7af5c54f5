import Foundation
import Linalg
import Recurrent
import Testing
@testable import Training

/// Gradient flossing's pre-training phase (`training.flossing.before`).
@Suite struct FlossingPhaseTests {
    /// A chaotic tanh RNN (H = 16, W_hh Gaussian with std 3/√H, λ_1 ≈ 0.12) on the adding task (T = 40).
    func chaoticModel() throws -> RecurrentModel {
        var rng = RandomStream(seed: 3, stream: 1)
        var model = try RecurrentModel.initialized(cell: .rnn(.tanh), inputSize: 2, hiddenSize: 16, headSize: 1, rng: &rng)
        var tensors = model.parameters.tensors
        tensors[1] = rng.normalMatrix(rows: 16, cols: 16, std: 3 / 4)
        try model.setTensors(tensors)
        return model
    }

    func configuration(iterations: Int, floss: GradientFlossing) throws -> TrainingConfiguration {
        var config = TrainingConfiguration(task: try AddingProblem(variant: .arjovsky2016, length: 40), optimizer: try Adam(learningRate: 0.03))
        config.iterations = iterations
        config.evaluationInterval = max(iterations, 1)
        config.evaluationBatches = 1
        config.stopWhenSolved = false
        config.flossing = floss
        return config
    }

    /// 200 flossing-only iterations (k = 2, target 0, Adam lr 0.03) move λ_1 of the chaotic network
    /// towards 0: on the fixed probe sequence |λ_1| falls below half its start (≈ 0.08 on that sequence),
    /// the mean |λ_1| of the last 20 phase iterations (each on its own sequence, so noisier) below 0.6 of the
    /// first 20's; λ_2 is recorded too, and with `every: 0` no task iteration flosses.
    @Test func lambdaMovesTowardsTargetDuringThePhase() throws {
        let floss = GradientFlossing(exponents: 2, weight: 1, window: 40, every: 0, target: 0, before: 200)
        let result = try train(try chaoticModel(), try configuration(iterations: 20, floss: floss), rng: RandomStream(seed: 1))
        let phase = try #require(result.flossingPhase)
        #expect(phase.lambdas.count == 200 && phase.losses.count == 200 && phase.lambdas.allSatisfy { $0.count == 2 })
        #expect(phase.before.count == 2 && phase.after.count == 2)
        #expect(phase.before[0] > 0.05, "λ_1 before \(phase.before)")
        #expect(abs(phase.after[0]) < 0.5 * abs(phase.before[0]), "λ_1 \(phase.before[0]) → \(phase.after[0])")
        let first = phase.lambdas.prefix(20).map { abs($0[0]) }.reduce(0, +) / 20, last = phase.lambdas.suffix(20).map { abs($0[0]) }.reduce(0, +) / 20
        #expect(last < 0.6 * first, "phase |λ_1| \(first) → \(last), probe \(phase.before) → \(phase.after)")
        #expect(result.iterations == 20 && result.records.dropFirst().allSatisfy { $0.flossLoss.isNaN })
    }

    /// The phase draws its sequences from its own stream: with a learning rate of 0 (the phase cannot
    /// change the weights) a run with `before: 5` is bit-identical to a run without the phase.
    @Test func phaseKeepsTheTaskStream() throws {
        var config = try configuration(iterations: 10, floss: GradientFlossing(weight: 1, window: 40, every: 0, before: 5))
        config.optimizer = try SGD(learningRate: 0)
        config.schedule = .constant
        let with = try train(try chaoticModel(), config, rng: RandomStream(seed: 4))
        config.flossing = nil
        let without = try train(try chaoticModel(), config, rng: RandomStream(seed: 4))
        #expect(with.flossingPhase?.lambdas.count == 5 && without.flossingPhase == nil)
        #expect(with.records.map(\.loss).dropFirst() == without.records.map(\.loss).dropFirst())
    }

    /// With the orthogonal parametrization, the phase trains X and W_hh stays orthogonal.
    @Test func phaseWithCayleyKeepsOrthogonality() throws {
        var config = try configuration(iterations: 0, floss: GradientFlossing(weight: 1, window: 40, every: 0, before: 30))
        config.parametrization = OrthogonalParametrization(kind: .cayley)
        let result = try train(try chaoticModel(), config, rng: RandomStream(seed: 2))
        let w = try #require(result.model.parameters[ParameterName.weightHH])
        #expect(try orthogonalityError(w) < 1e-12)
        #expect(result.flossingPhase?.lambdas.count == 30)
    }

    @Test func rejectsWhatItCannotDo() throws {
        #expect(throws: TrainingError.self) { try GradientFlossing(every: 0, before: 0).validate() }
        #expect(throws: TrainingError.self) { try GradientFlossing(before: -1).validate() }
        #expect(throws: TrainingError.self) { try FlossingSpec(every: 0).make() }
        #expect(try FlossingSpec(every: 0, before: 10).make().before == 10)
    }
}
