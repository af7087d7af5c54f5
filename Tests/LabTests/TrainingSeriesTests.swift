import Testing
import Linalg
import Recurrent
import Sweeps
import Training
@testable import Lab

@Suite struct TrainingTablesTests {
    @Test func seriesAndSummary() throws {
        var rng = RandomStream(seed: 4)
        let model = try RecurrentModel.initialized(cell: .rnn(.tanh), inputSize: 2, hiddenSize: 5, headSize: 1, rng: &rng)
        var config = TrainingConfiguration(task: try AddingProblem(variant: .arjovsky2016, length: 12),
                                           optimizer: try SGD(learningRate: 0.05))
        config.iterations = 20
        config.evaluationInterval = 10
        config.evaluationBatches = 1
        config.snapshotInterval = 5
        config.clipping = .value(0.01)
        let result = try train(model, config, rng: RandomStream(seed: 5))
        let rows = TrainExecutors.series(result)
        #expect(rows.allSatisfy { $0.value.isFinite })
        func count(_ metric: String) -> Int { rows.filter { $0.metric == metric }.count }
        #expect(count("loss") == 20 && count("grad_norm") == 20 && count("clipped") == 20)
        #expect(count("eval_loss") == 3 && count("accuracy") == 0)          // iterations 0, 10, 20; MSE task
        #expect(count("spectral_radius") == 3 && count("omega") == 0)        // every 10 iterations (0, 10, 20)
        #expect(count("grad_flow_log10") == 4 * 12)                         // snapshots 5, 10, 15, 20 × T
        let flow = rows.filter { $0.metric == "grad_flow_log10" && $0.step == 5 }
        #expect(flow.map(\.component) == Array(1...12))
        let summary = TrainExecutors.summary(result, config).mapValues { $0.number }
        #expect(summary["solved"] == 0 && summary["iterations"] == 20 && summary["iterations_to_solve"] == nil)
        #expect(summary["baseline_loss"] == 1.0 / 6 && summary["clipped_fraction"] == 1)
        #expect(summary["final_eval_loss"] == result.records.last?.evalLoss)
    }
}
