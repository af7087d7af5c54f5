import Linalg
import Recurrent

/// Bridges task batches (batch-first, with a loss mask) and the recurrent core (time-major inputs,
/// outputs on the last step or on every step).
extension TaskBatch {
    /// `.last` when every sequence is scored exactly at t = T − 1, `.all` when every step is scored,
    /// nil otherwise (the sentiment corpus: each sentence scored at its own last word).
    public var uniformOutputMode: OutputMode? {
        if lossMask.allSatisfy({ $0 }) { return .all }
        for b in 0..<batchSize where scoredSteps(of: b) != [length - 1] { return nil }
        return .last
    }

    /// The inputs as the core's time-major `SequenceBatch`.
    public func sequenceBatch() throws -> SequenceBatch {
        try SequenceBatch(steps: length, batchSize: batchSize, featureSize: inputSize, batchFirst: inputs)
    }

    /// The core's objective for this batch's targets over the output steps of `mode` (time-major):
    /// MSE for regression, cross-entropy for classes, BCE with logits for a binary output.
    public func objective(_ mode: OutputMode) throws -> Objective {
        let steps = mode == .last ? [length - 1] : Array(0..<length)
        switch targets {
        case .real(let values):
            let o = output.size
            var tm = [Double](repeating: 0, count: steps.count * batchSize * o)
            for (i, t) in steps.enumerated() { for b in 0..<batchSize { for k in 0..<o {
                tm[(i * batchSize + b) * o + k] = values[(b * length + t) * o + k]
            } } }
            return .mse(targets: try SequenceBatch(steps: steps.count, batchSize: batchSize, featureSize: o, timeMajor: tm))
        case .classes(let classes):
            let tm = steps.flatMap { t in (0..<batchSize).map { classes[$0 * length + t] } }
            if output == .binary {
                return .bce(targets: try SequenceBatch(steps: steps.count, batchSize: batchSize, featureSize: 1,
                                                       timeMajor: tm.map(Double.init)))
            }
            return .crossEntropy(classes: tm)
        }
    }

    /// Sequence b cut after step `end` (inclusive), as a batch of one.
    func prefix(of b: Int, through end: Int) -> TaskBatch {
        var one = TaskBatch(zeroBatchSize: 1, length: end + 1, inputSize: inputSize, output: output)
        for t in 0...end {
            for d in 0..<inputSize { one.setInput(0, t, d, input(b, t, d)) }
            guard lossMask[b * length + t] else { continue }
            switch targets {
            case .real(let v): one.setReal(0, t, Array(v[(b * length + t) * output.size ..< (b * length + t + 1) * output.size]))
            case .classes(let c): one.setClass(0, t, c[b * length + t])
            }
        }
        return one
    }
}

/// The model's outputs on `batch` in the batch's (B, T, O) layout (zeros where not computed).
///
/// The sequences run in chunks of at most `workspace.batchSize` (or `evaluationChunk` without a
/// workspace), so the forward pass keeps a tape of one chunk, never of a whole held-out batch (an
/// IndRNN with H = 900 at T = 400 held 2.45 GB for 100 sequences at once). Full chunks run on the
/// workspace (no tape allocated); a smaller last chunk, or every chunk without a workspace, runs
/// `RecurrentModel.forward`. Sequences are independent rows of every product, so the chunking does not
/// change the outputs: bit for bit for the RNN, LSTM, IndRNN and LRU, within a few ulps for the GRU
/// (`EvaluationChunkTests`).
func batchFirstOutputs(_ model: RecurrentModel, _ batch: TaskBatch, workspace: GradientWorkspace? = nil) throws -> [Double] {
    let mode = batch.uniformOutputMode ?? .all
    let o = model.outputSize, b = batch.batchSize, t = batch.length, d = batch.inputSize
    guard o == batch.output.size else {
        throw TrainingError("the model has \(o) outputs per step but task outputs need \(batch.output.size)")
    }
    var out = [Double](repeating: 0, count: b * t * o)
    let firstStep = mode == .last ? t - 1 : 0
    /// Writes a chunk's time-major outputs (T_out × n × O) into rows r0 ..< r0 + n of `out`.
    func relayout(_ outputs: UnsafeBufferPointer<Double>, rows r0: Int, count n: Int) {
        for s in firstStep..<t { for r in 0..<n { for k in 0..<o {
            out[((r0 + r) * t + s) * o + k] = outputs[((s - firstStep) * n + r) * o + k]
        } } }
    }
    let chunk = max(1, workspace?.batchSize ?? evaluationChunk)
    var r0 = 0
    while r0 < b {
        let n = min(chunk, b - r0)
        let x = n == b ? batch.inputs : Array(batch.inputs[r0 * t * d ..< (r0 + n) * t * d])
        if let workspace, workspace.batchSize == n {
            relayout(try workspace.outputs(model, batchFirstInputs: x, steps: t, outputs: mode), rows: r0, count: n)
        } else {
            let pass = try model.forward(try SequenceBatch(steps: t, batchSize: n, featureSize: d, batchFirst: x), outputs: mode)
            pass.outputs.withUnsafeBufferPointer { relayout($0, rows: r0, count: n) }
        }
        r0 += n
    }
    return out
}

/// Sequences per forward pass when outputs are computed without a workspace (`batchFirstOutputs`).
let evaluationChunk = 32
