import Linalg
import Recurrent
import Testing
@testable import Training

/// Held-out batches are evaluated in chunks (`batchFirstOutputs`, `TrainingBuffers.evaluation`) so the
/// evaluation tape is no larger than the training batch's; the chunking must not change a single bit.
struct EvaluationChunkTests {
    @Test func chunkIsTheLargestDivisorNotAboveTheTrainingBatch() {
        #expect(TrainingBuffers.evaluationChunk(heldOut: 100, training: 20) == 20)
        #expect(TrainingBuffers.evaluationChunk(heldOut: 100, training: 32) == 25)
        #expect(TrainingBuffers.evaluationChunk(heldOut: 100, training: 7) == 5)
        #expect(TrainingBuffers.evaluationChunk(heldOut: 97, training: 20) == 1)
        #expect(TrainingBuffers.evaluationChunk(heldOut: 10, training: 64) == 10)
    }

    /// 100 held-out sequences of the adding problem (T = 30): on a workspace of 20 sequences (5 chunks),
    /// without a workspace (chunks of 32, 32, 32, 4), and as one forward pass of all 100 — bit for bit,
    /// for every cell the workspace supports, a stacked model and an LRU (no workspace). The GRU's outputs
    /// move by an ulp or two with the batch (measured: 2 of 100 values, 1 ulp each), so it is held to
    /// 4 ulps; the others are held bit for bit.
    @Test(arguments: [CellKind.rnn(.tanh), .lstm, .gru, .indrnn(.relu), .lru])
    func chunkedOutputsEqualOneForwardPass(_ cell: CellKind) throws {
        let task = try AddingProblem(variant: .arjovsky2016, length: 30)
        var rng = RandomStream(seed: 11)
        let batch = task.makeEvaluationBatch(batchSize: 100, rng: &rng)
        for layers in cell == .lru ? [1] : [1, 2] {
            let model = try RecurrentModel.initialized(cell: cell, inputSize: 2, hiddenSize: 8, headSize: 1, layers: layers, rng: &rng)
            let whole = try model.forward(batch.sequenceBatch(), outputs: batch.uniformOutputMode ?? .all).outputs
            let plain = try batchFirstOutputs(model, batch)
            let last = plain.indices.filter { $0 % 30 == 29 }.map { plain[$0] }   // (B, T, O = 1): the scored last step
            if cell == .gru {
                let worst = zip(last, whole).map { abs($0 - $1) / max(abs($1), .leastNormalMagnitude) }.max() ?? .infinity
                #expect(worst <= 4 * Double.ulpOfOne, "GRU, L = \(layers): relative difference \(worst)")
            } else {
                #expect(last == whole, "\(cell), L = \(layers): without a workspace")
            }
            if GradientWorkspace.supports(model) {
                let workspace = try GradientWorkspace(model: model, steps: 30, batchSize: 20)
                #expect(try batchFirstOutputs(model, batch, workspace: workspace) == plain, "\(cell): on a workspace of 20")
            }
        }
    }
}
