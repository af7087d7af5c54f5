import Foundation
import Linalg
import Recurrent
import Testing
@testable import Training

@Suite struct TrainingLoopTests {
    func tanhModel(inputs: Int, hidden: Int, outputs: Int, seed: UInt64) throws -> RecurrentModel {
        var rng = RandomStream(seed: seed, stream: 1)
        return try RecurrentModel.initialized(cell: .rnn(.tanh), inputSize: inputs, hiddenSize: hidden,
                                              headSize: outputs, rng: &rng)
    }

    /// The acceptance test: a small tanh RNN learns the adding problem (T = 20) below its baseline.
    @Test func tanhRNNBeatsAddingBaseline() throws {
        let task = try AddingProblem(variant: .arjovsky2016, length: 20)
        var config = TrainingConfiguration(task: task, optimizer: try Adam(learningRate: 0.01))
        config.clipping = .globalNorm(maxNorm: 1, nonFinite: .skipStep)
        config.batchSize = 32
        config.iterations = 1000
        config.evaluationInterval = 100
        config.evaluationBatches = 2
        config.snapshotInterval = 100
        let result = try train(try tanhModel(inputs: 2, hidden: 16, outputs: 1, seed: 5), config, rng: RandomStream(seed: 2026))
        let first = try #require(result.records.first?.evalLoss)
        #expect(first > 0.8 * task.baselineLoss, "untrained loss \(first)")
        #expect(result.finalEvalLoss < 0.5 * task.baselineLoss,
                "held-out MSE \(result.finalEvalLoss) vs baseline \(task.baselineLoss)")
        #expect(!result.diverged && (result.iterations == 1000 || result.solved))
        #expect(result.snapshots.count == result.iterations / 100 && result.snapshots.allSatisfy { $0.log10Norms.count == 20 })
        let trained = result.records.dropFirst()
        #expect(trained.allSatisfy { $0.gradNorm.isFinite && $0.gradNormClipped <= 1 + 1e-12 })
        // ρ and σ_max every 10 iterations and at evaluations, NaN in between.
        #expect(trained.allSatisfy { ($0.iteration % 10 == 0) == ($0.spectralRadius > 0 && $0.sigmaMax >= $0.spectralRadius - 1e-12) })
        #expect(trained.filter { $0.iteration % 10 != 0 }.allSatisfy { $0.spectralRadius.isNaN && $0.sigmaMax.isNaN })
        #expect(trained.allSatisfy { $0.gradientReach > 0 && $0.gradientReach <= 1 })
        #expect(trained.contains { $0.clipped } == trained.contains { $0.gradNorm > 1 })
    }

    @Test func sameSeedSameRun() throws {
        let task = try AddingProblem(variant: .pascanu2013, length: 10)
        var config = TrainingConfiguration(task: task, optimizer: try SGD(learningRate: 0.05, momentum: 0.9))
        config.iterations = 15
        config.evaluationInterval = 5
        config.evaluationBatches = 1
        config.omegaWeight = 0.5
        config.nonFiniteGuard = true
        let model = try tanhModel(inputs: 2, hidden: 6, outputs: 1, seed: 1)
        let a = try train(model, config, rng: RandomStream(seed: 3)), b = try train(model, config, rng: RandomStream(seed: 3))
        // Records hold NaN for fields an iteration does not define: compare their printed form.
        #expect("\(a.records)" == "\(b.records)" && a.model.parameters == b.model.parameters)
        #expect(a.records.dropFirst().allSatisfy { $0.omega.isFinite && $0.omega >= 0 })
        let c = try train(model, config, rng: RandomStream(seed: 4))
        #expect("\(c.records)" != "\(a.records)")
    }

    /// The worked example's model on the sentiment corpus: the first loss is the mean of the two
    /// sentences' BCE, checked against a hand-written forward pass; training then solves the corpus.
    @Test func sentimentWorkedExample() throws {
        let model = try RecurrentModel(cell: .rnn(.tanh), parameters: ParameterSet([
            (ParameterName.weightIH, try Matrix([[0.2, 0.4, 0.1], [0.1, 0.3, 0.5], [0.4, 0.2, 0.3]])),
            (ParameterName.weightHH, try Matrix([[0.3, 0.2, 0.1], [0.5, 0.4, 0.2], [0.1, 0.3, 0.4]])),
            (ParameterName.biasIH, try Matrix([[0.1], [0.1], [0.1]])),
            (ParameterName.headWeight, try Matrix([[0.3, 0.2, 0.4]])),
            (ParameterName.headBias, try Matrix([[0.1]])),
        ]))
        func bce(_ words: [String], _ label: Double) -> Double {
            let wx = [[0.2, 0.4, 0.1], [0.1, 0.3, 0.5], [0.4, 0.2, 0.3]], wh = [[0.3, 0.2, 0.1], [0.5, 0.4, 0.2], [0.1, 0.3, 0.4]]
            var h: [Double] = [0, 0, 0]
            for word in words {
                let x: [Double] = SentimentCorpus.embeddings[word] ?? []
                var next: [Double] = [0, 0, 0]
                for i in 0..<3 {
                    var z: Double = 0.1
                    for j in 0..<3 { z += wx[i][j] * x[j] + wh[i][j] * h[j] }
                    next[i] = tanh(z)
                }
                h = next
            }
            let logit: Double = 0.1 + 0.3 * h[0] + 0.2 * h[1] + 0.4 * h[2]
            let y: Double = 1 / (1 + exp(-logit))
            return -(label * log(y) + (1 - label) * log(1 - y))
        }
        let first = bce(SentimentCorpus.sentences[0].words, 1)
        #expect(abs(first - 0.378) < 0.0005)   // the worked example's value
        let expected = (first + bce(SentimentCorpus.sentences[1].words, 0)) / 2
        let step = try batchGradients(model, SentimentCorpus().corpus)
        #expect(abs(step.loss - expected) < 1e-14)

        var config = TrainingConfiguration(task: SentimentCorpus(), optimizer: try SGD(learningRate: 0.5))
        config.iterations = 300
        config.evaluationInterval = 10
        config.evaluationBatches = 1
        let result = try train(model, config, rng: RandomStream(seed: 1))
        #expect(result.solved && result.finalAccuracy == 1)
        #expect(result.records.first?.accuracy == 0.5)   // the untrained model calls both sentences positive
        // Without stopping, the run spends its budget and still reports the first solving evaluation.
        config.stopWhenSolved = false
        let full = try train(model, config, rng: RandomStream(seed: 1))
        #expect(full.solved && full.iterationsToSolve == result.iterationsToSolve && full.iterations == 300)
    }

    /// Gated cells train through the same loop; their stacked W_hh (G·H × H) has no spectral radius.
    @Test(arguments: [CellKind.lstm, CellKind.gru])
    func gatedCells(cell: CellKind) throws {
        var rng = RandomStream(seed: 8)
        let model = try RecurrentModel.initialized(cell: cell, inputSize: 6, hiddenSize: 5, headSize: 4, rng: &rng)
        var config = TrainingConfiguration(task: try TemporalOrder(bits: 2, length: 20), optimizer: try RMSprop())
        config.iterations = 20
        config.evaluationInterval = 10
        config.evaluationBatches = 1
        config.clipping = .perTensorNorm(maxNorm: 0.5)
        let result = try train(model, config, rng: RandomStream(seed: 9))
        #expect(result.iterations == 20 && result.records.count == 21)
        #expect(result.records.allSatisfy { $0.spectralRadius.isNaN })
        #expect(result.records.filter { $0.iteration % 10 == 0 }.allSatisfy { $0.sigmaMax > 0 })
        #expect(result.records.dropFirst().allSatisfy { $0.loss.isFinite && $0.loss < 3 * log(4.0) })
        #expect(result.model.parameters != model.parameters)
    }

    @Test func rejectsMismatchedModels() throws {
        let config = TrainingConfiguration(task: try CopyMemory(length: 5), optimizer: try Adam())
        #expect(throws: TrainingError.self) { try train(try tanhModel(inputs: 2, hidden: 4, outputs: 1, seed: 1), config, rng: RandomStream(seed: 1)) }
        var omega = TrainingConfiguration(task: try AddingProblem(variant: .pascanu2013, length: 10), optimizer: try Adam())
        omega.omegaWeight = 1
        var rng = RandomStream(seed: 1)
        let lstm = try RecurrentModel.initialized(cell: .lstm, inputSize: 2, hiddenSize: 3, headSize: 1, rng: &rng)
        #expect(throws: TrainingError.self) { try train(lstm, omega, rng: RandomStream(seed: 1)) }
    }
}

/// Exploding gradients in the loop: a ReLU RNN with W_hh = g·I amplifies ∂L/∂h by g per step.
@Suite struct ExplodingGradientTests {
    func explodingModel(gain: Double) throws -> RecurrentModel {
        try RecurrentModel(cell: .rnn(.relu), parameters: ParameterSet([
            (ParameterName.weightIH, try Matrix([[0.1, 0.1], [0.2, 0.1]])),
            (ParameterName.weightHH, Matrix.identity(2, scale: gain)),
            (ParameterName.biasIH, try Matrix([[1], [1]])),
            (ParameterName.headWeight, try Matrix([[0.5, 0.5]])),
        ]))
    }

    func configuration(length: Int) throws -> TrainingConfiguration {
        var config = TrainingConfiguration(task: try AddingProblem(variant: .arjovsky2016, length: length),
                                           optimizer: try SGD(learningRate: 0.1))
        config.iterations = 1
        config.evaluationBatches = 1
        config.evaluationBatchSize = 4
        config.batchSize = 4
        return config
    }

    /// ‖g‖ ≈ 3³⁰ > 1e10: Pascanu's guard replaces the gradient by 0.02·W_hh (others 0), so SGD
    /// shrinks W_hh by (1 − 0.1·0.02) and leaves every other parameter unchanged.
    @Test func guardShrinksRecurrentWeight() throws {
        var config = try configuration(length: 30)
        config.nonFiniteGuard = true
        config.clipping = .globalNorm(maxNorm: 1, nonFinite: .error)
        let model = try explodingModel(gain: 3)
        let result = try train(model, config, rng: RandomStream(seed: 1))
        let record = try #require(result.records.last)
        #expect(record.guarded && !record.clipped && record.gradNorm > 1e10)
        #expect(abs(record.gradNormClipped - 0.02 * Matrix.identity(2, scale: 3).frobeniusNorm) < 1e-12)
        let after = result.model.parameters
        let shrunk = try #require(after[ParameterName.weightHH])
        #expect(maxAbsDifference([shrunk], [Matrix.identity(2, scale: 3 * (1 - 0.1 * 0.02))]) < 1e-15)
        #expect(after[ParameterName.weightIH] == model.parameters[ParameterName.weightIH])
        #expect(after[ParameterName.headWeight] == model.parameters[ParameterName.headWeight])
    }

    /// An infinite gradient norm with the skip-step policy leaves the model untouched.
    @Test func skipStepOnInfiniteNorm() throws {
        var config = try configuration(length: 400)
        config.clipping = .globalNorm(maxNorm: 1, nonFinite: .skipStep)
        let model = try explodingModel(gain: 30)
        let result = try train(model, config, rng: RandomStream(seed: 1))
        let record = try #require(result.records.last)
        #expect(!record.gradNorm.isFinite && record.skipped && !result.diverged)
        #expect(result.model.parameters == model.parameters)
        config.clipping = .globalNorm(maxNorm: 1, nonFinite: .error)
        #expect(throws: ClippingError.self) { try train(model, config, rng: RandomStream(seed: 1)) }
    }
}
