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

/// The model's outputs on `batch` in the batch's (B, T, O) layout (zeros where not computed); the
/// forward pass runs on `workspace` when one of the batch's size is given (same numbers, no tape allocated).
func batchFirstOutputs(_ model: RecurrentModel, _ batch: TaskBatch, workspace: GradientWorkspace? = nil) throws -> [Double] {
    let mode = batch.uniformOutputMode ?? .all
    let o = model.outputSize, b = batch.batchSize, t = batch.length
    guard o == batch.output.size else {
        throw TrainingError("the model has \(o) outputs per step but task outputs need \(batch.output.size)")
    }
    var out = [Double](repeating: 0, count: b * t * o)
    let firstStep = mode == .last ? t - 1 : 0
    func relayout(_ outputs: UnsafeBufferPointer<Double>) {
        for s in firstStep..<t { for r in 0..<b { for k in 0..<o {
            out[(r * t + s) * o + k] = outputs[((s - firstStep) * b + r) * o + k]
        } } }
    }
    if let workspace, workspace.batchSize == b {
        relayout(try workspace.outputs(model, batchFirstInputs: batch.inputs, steps: t, outputs: mode))
    } else {
        let pass = try model.forward(batch.sequenceBatch(), outputs: mode)
        pass.outputs.withUnsafeBufferPointer(relayout)
    }
    return out
}
