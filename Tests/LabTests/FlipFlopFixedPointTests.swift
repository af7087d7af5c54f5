import Foundation
import Linalg
import Testing
import Recurrent
import Diagnostics
import Training

/// End to end: train a tanh RNN on the 3-bit flip-flop, then find its fixed points under zero input.
/// Sussillo & Barak (2013): a trained network holds 8 stable fixed points, one per corner of the
/// output cube {±1}³.
@Suite("Flip-flop fixed points")
struct FlipFlopFixedPointTests {
    @Test func trainedNetworkHasEightStableCorners() throws {
        let task = try FlipFlop(length: 32)
        var rng = RandomStream(seed: 7)
        let model = try RecurrentModel.initialized(cell: .rnn(.tanh), inputSize: 3, hiddenSize: 16, headSize: 3, rng: &rng)
        var c = TrainingConfiguration(task: task, optimizer: try Adam(learningRate: 0.01))
        c.batchSize = 32
        c.iterations = 600
        c.evaluationInterval = 100
        c.evaluationBatchSize = 50
        let result = try train(model, c, rng: rng.split("train"))
        #expect(result.finalEvalLoss < 0.1 * task.baselineLoss)
        let trained = result.model
        let cell = try #require(trained.makeCell() as? VanillaCell)
        let search = try FixedPointSearch(cell: cell, input: [0, 0, 0])
        var pool = rng.split("pool"), starts = rng.split("starts")
        let states = try FixedPointStarts.autonomousPool(cell: cell, input: [0, 0, 0], batch: 32, steps: 50, rng: &pool)
        let report = try search.run(starts: FixedPointStarts.sample(pool: states, count: 256, noise: 0.05, rng: &starts))
        let stable = report.points.filter { $0.isFixed && $0.stability == .stable }
        #expect(stable.count == 8)
        let w = try #require(trained.parameters[ParameterName.headWeight])
        let b = try #require(trained.parameters[ParameterName.headBias])
        var corners = Set<[Int]>()
        for p in stable {
            let y = try matvec(w, p.state).enumerated().map { $1 + b[$0, 0] }
            // Near a corner: every output within 0.25 of ±1.
            #expect(y.allSatisfy { abs(abs($0) - 1) < 0.25 }, "output \(y)")
            corners.insert(y.map { $0 > 0 ? 1 : -1 })
        }
        #expect(corners.count == 8)
    }
}
