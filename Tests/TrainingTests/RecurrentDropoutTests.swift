import Foundation
import Linalg
import Recurrent
import Testing
@testable import Training

@Suite struct RecurrentDropoutTests {
    func model(inputs: Int, hidden: Int, outputs: Int, seed: UInt64) throws -> RecurrentModel {
        var rng = RandomStream(seed: seed, stream: 1)
        return try RecurrentModel.initialized(cell: .rnn(.tanh), inputSize: inputs, hiddenSize: hidden, headSize: outputs, rng: &rng)
    }

    func batches() throws -> [(RecurrentModel, TaskBatch)] {
        var rng = RandomStream(seed: 11)
        let adding = try AddingProblem(variant: .arjovsky2016, length: 7)      // MSE, last step
        let memo = try Memorization(length: 6, values: 3, positions: 2)        // cross-entropy, every step
        return [
            (try model(inputs: adding.inputSize, hidden: 5, outputs: 1, seed: 2), adding.makeBatch(batchSize: 3, rng: &rng)),
            (try model(inputs: memo.inputSize, hidden: 4, outputs: memo.output.size, seed: 3), memo.makeBatch(batchSize: 2, rng: &rng)),
        ]
    }

    /// All masks one (p = 0): loss, gradients and ‖∂L/∂h_t‖ equal the core's exact BPTT.
    @Test func withoutDropoutEqualsTheCore() throws {
        for (m, batch) in try batches() {
            let ws = DropoutWorkspace(model: m, steps: batch.length, batch: batch.batchSize)
            let loss = try ws.step(m, batch)
            let core = try batchGradients(m, batch)
            #expect(abs(loss - core.loss) < 1e-14)
            #expect(maxAbsDifference(ws.gradients, core.gradients) < 1e-13)
            #expect(zip(ws.hiddenNorms, core.hiddenNorms).allSatisfy { abs($0 - $1) <= 1e-13 * max(1, $1) })
        }
    }

    /// Fixed masks (p = 0.3 on inputs, recurrent state and outputs): every parameter entry's gradient
    /// against central differences of the same masked loss, h = 1e−6, |error| ≤ 1e−8·max(1, |g|).
    @Test func gradientMatchesFiniteDifferences() throws {
        for (m, batch) in try batches() {
            let ws = DropoutWorkspace(model: m, steps: batch.length, batch: batch.batchSize)
            var rng = RandomStream(seed: 5)
            ws.drawMasks(RecurrentDropout(input: 0.3, recurrent: 0.3, output: 0.3), rng: &rng)
            #expect(ws.recurrentMask.contains(0) && ws.recurrentMask.contains(1 / 0.7))
            _ = try ws.step(m, batch)
            let analytic = ws.gradients
            var worst = 0.0
            for (k, tensor) in m.parameters.tensors.enumerated() {
                for i in 0..<tensor.rows { for j in 0..<tensor.cols {
                    func loss(_ delta: Double) throws -> Double {
                        var tensors = m.parameters.tensors
                        tensors[k][i, j] += delta
                        var shifted = m
                        try shifted.setTensors(tensors)
                        return try ws.step(shifted, batch)
                    }
                    let h = 1e-6
                    let numeric = (try loss(h) - loss(-h)) / (2 * h)
                    let g = analytic[k][i, j]
                    worst = max(worst, abs(numeric - g) / max(1, abs(g)))
                } }
            }
            #expect(worst < 1e-8, "worst relative error \(worst)")
        }
    }

    /// Masks: entries 0 or 1/(1 − p), the dropped fraction near p (binomial: 4 standard errors), one
    /// draw per call from the stream, reproducible.
    @Test func masksAreSeededBernoulli() throws {
        let m = try model(inputs: 2, hidden: 50, outputs: 1, seed: 1)
        let ws = DropoutWorkspace(model: m, steps: 3, batch: 40)
        var a = RandomStream(seed: 9), b = RandomStream(seed: 9)
        let d = RecurrentDropout(input: 0.1, recurrent: 0.25, output: 0.5)
        ws.drawMasks(d, rng: &a)
        let first = (ws.inputMask, ws.recurrentMask, ws.outputMask)
        for (mask, p) in [(ws.recurrentMask, 0.25), (ws.outputMask, 0.5)] {
            #expect(mask.allSatisfy { $0 == 0 || $0 == 1 / (1 - p) })
            let dropped = Double(mask.filter { $0 == 0 }.count) / Double(mask.count)
            #expect(abs(dropped - p) < 4 * (p * (1 - p) / Double(mask.count)).squareRoot())
        }
        ws.drawMasks(d, rng: &b)
        #expect(first.0 == ws.inputMask && first.1 == ws.recurrentMask && first.2 == ws.outputMask)
        ws.drawMasks(d, rng: &b)
        #expect(first.1 != ws.recurrentMask)
    }

    /// Same seed ⇒ bit-identical training; another seed ⇒ other masks, another run; and dropout
    /// actually changes training (versus p = 0).
    @Test func trainingIsReproducible() throws {
        let task = try AddingProblem(variant: .arjovsky2016, length: 10)
        var config = TrainingConfiguration(task: task, optimizer: try Adam(learningRate: 0.01))
        config.iterations = 20
        config.evaluationInterval = 10
        config.evaluationBatches = 1
        config.dropout = RecurrentDropout(input: 0.1, recurrent: 0.25, output: 0.1)
        let m = try model(inputs: 2, hidden: 8, outputs: 1, seed: 4)
        let a = try train(m, config, rng: RandomStream(seed: 1)), b = try train(m, config, rng: RandomStream(seed: 1))
        #expect("\(a.records)" == "\(b.records)" && a.model.parameters == b.model.parameters)
        let c = try train(m, config, rng: RandomStream(seed: 2))
        #expect(c.model.parameters != a.model.parameters)
        config.dropout = RecurrentDropout()
        let plain = try train(m, config, rng: RandomStream(seed: 1))
        #expect(plain.model.parameters != a.model.parameters)
        #expect(a.records.dropFirst().allSatisfy { $0.loss.isFinite && $0.gradientReach > 0 })
    }

    @Test func rejectsWhatItCannotDo() throws {
        #expect(throws: TrainingError.self) { try RecurrentDropout(recurrent: 1).validate() }
        #expect(throws: TrainingError.self) { try DropoutSpec(input: -0.1).make() }
        let task = try AddingProblem(variant: .arjovsky2016, length: 5)
        var config = TrainingConfiguration(task: task, optimizer: try Adam())
        config.dropout = RecurrentDropout(recurrent: 0.2)
        config.iterations = 1
        var rng = RandomStream(seed: 1)
        let lstm = try RecurrentModel.initialized(cell: .lstm, inputSize: 2, hiddenSize: 3, headSize: 1, rng: &rng)
        #expect(throws: TrainingError.self) { try train(lstm, config, rng: RandomStream(seed: 1)) }
    }
}
