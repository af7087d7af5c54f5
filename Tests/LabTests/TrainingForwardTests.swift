import Foundation
import Linalg
import Recurrent
import Sweeps
import Testing
import Training
@testable import Lab

/// Forward statistics in training records (docs/dynamics.md): the probe against a direct count on a
/// plain loop, and the series a train run stores at its evaluation iterations.
@Suite struct TrainingForwardTests {
    /// A tanh RNN with Gaussian W_hh of gain g (entries N(0, g²/H)), W_ih ~ N(0, 1), no bias, D = 2.
    static func tanhModel(h: Int, gain: Double, seed: UInt64) throws -> RecurrentModel {
        var r = RandomStream(seed: seed)
        let whh = r.normalMatrix(rows: h, cols: h, std: gain / Double(h).squareRoot())
        let wih = r.normalMatrix(rows: h, cols: 2, std: 1)
        return try RecurrentModel(cell: .rnn(.tanh), parameters: ParameterSet([(ParameterName.weightIH, wih), (ParameterName.weightHH, whh)]))
    }

    static func batch(b: Int, t: Int, seed: UInt64) throws -> TaskBatch {
        var r = RandomStream(seed: seed)
        return try TaskBatch(batchSize: b, length: t, inputSize: 2, output: .regression(size: 1),
                             inputs: (0..<(b * t * 2)).map { _ in r.normal() }, targets: .real([Double](repeating: 0, count: b * t)),
                             lossMask: [Bool](repeating: true, count: b * t))
    }

    @Test(arguments: [0.5, 1.5, 8.0])
    func tanhProbeEqualsADirectCount(gain: Double) throws {
        let h = 40, t = 30, b = 5
        let m = try Self.tanhModel(h: h, gain: gain, seed: 3)
        let batch = try Self.batch(b: b, t: t, seed: 4)
        let probe = try TrainingForward.probe(m, batch)
        let whh = try #require(m.parameters[ParameterName.weightHH]), wih = try #require(m.parameters[ParameterName.weightIH])
        var norm = 0.0, saturated = 0
        for s in 0..<b {
            var state = [Double](repeating: 0, count: h)
            for step in 0..<t {
                let x = (0..<2).map { batch.inputs[(s * t + step) * 2 + $0] }
                state = (0..<h).map { i in tanh((0..<h).reduce(0) { $0 + whh[i, $1] * state[$1] } + wih[i, 0] * x[0] + wih[i, 1] * x[1]) }
                norm += state.reduce(0) { $0 + $1 * $1 }.squareRoot()
                saturated += state.filter { 1 - $0 * $0 < 0.01 }.count
            }
        }
        // BLAS and the plain loop round differently; at gain 8 the chaotic map amplifies that to ~1e-10.
        #expect(abs(probe[0] - norm / Double(b * t)) <= 1e-8 * max(1, probe[0]))
        #expect(abs(probe[1] - Double(saturated) / Double(b * t * h)) <= 1e-12)
        #expect(probe[2].isNaN && probe[3].isNaN && probe[4].isNaN)
        if gain == 8 { #expect(probe[1] > 0.3) } else if gain == 0.5 { #expect(probe[1] < 0.05) }
    }

    @Test func trainRunStoresForwardStatisticsAtEvaluations() throws {
        let text = """
        name: train-forward
        mode: train
        seed: 1
        model: {cell: lstm, hidden: 8}
        task: {name: adding-hochreiter1997, length: 30}
        training: {batch_size: 10, iterations: 40, eval_every: 10, eval_batches: 1, eval_batch_size: 20, stop_when_solved: false}
        """
        let c = try #require(try Experiment(text: text, source: "t.yaml").configurations.first)
        var random = c.randomStream
        let result = try #require(ExecutorRegistry.standard[.train]).run(c, &random)
        #expect(result.status == .ok)
        let forget = result.series.filter { $0.metric == Metric.evalForgetGateMean.name }
        #expect(forget.map(\.step) == [0, 10, 20, 30, 40])
        #expect(forget.allSatisfy { $0.value > 0 && $0.value < 1 })
        #expect(result.series.filter { $0.metric == Metric.evalHiddenNorm.name }.count == 5)
        #expect(result.series.allSatisfy { $0.metric != Metric.evalSaturatedFraction.name && $0.metric != Metric.evalUpdateGateMean.name })
    }

    /// Every cell trains with the forward probe on (it once crashed for cells whose φ it did not pass:
    /// IndRNN and the LN-RNN): a point-wise φ gives the saturated (tanh) or dead (relu) fraction, the
    /// LRU only ‖h_t‖; a stacked LN-RNN as well.
    @Test(arguments: ["{cell: indrnn, activation: relu, hidden: 8}", "{cell: lnrnn, activation: tanh, hidden: 8}",
                      "{cell: lru, hidden: 4}", "{cell: lnrnn, activation: tanh, hidden: 6, layers: 2}"])
    func everyCellTrainsWithTheForwardProbe(model: String) throws {
        let text = """
        name: train-forward
        mode: train
        seed: 1
        model: \(model)
        task: {name: adding-hochreiter1997, length: 30}
        training: {batch_size: 10, iterations: 20, eval_every: 10, eval_batches: 1, eval_batch_size: 10, stop_when_solved: false}
        """
        let c = try #require(try Experiment(text: text, source: "t.yaml").configurations.first)
        var random = c.randomStream
        let result = try #require(ExecutorRegistry.standard[.train]).run(c, &random)
        #expect(result.status == .ok, "\(result.reason ?? "")")
        let norms = result.series.filter { $0.metric == Metric.evalHiddenNorm.name }
        let stacked = model.contains("layers")
        #expect(stacked ? norms.isEmpty : norms.map(\.step) == [0, 10, 20])
        let saturated = result.series.filter { $0.metric == Metric.evalSaturatedFraction.name }
        #expect(saturated.count == (model.contains("tanh") && !stacked ? 3 : 0))
        #expect(saturated.allSatisfy { $0.value >= 0 && $0.value <= 1 })
    }
}
