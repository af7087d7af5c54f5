import Linalg
import Recurrent

/// What `train` keeps for a whole run so that an iteration allocates nothing proportional to the
/// model or the batch: the BPTT workspace of the training batches, the forward workspace of the
/// held-out batches, and the second parameter set the optimizer steps (exchanged with the model's).
struct TrainingBuffers {
    /// Whether the run's configuration lets the core run on workspaces (one layer, no dropout, no Ω).
    let usesWorkspace: Bool
    private var trainingWorkspace: GradientWorkspace? = nil
    private var evaluationWorkspace: GradientWorkspace? = nil
    /// The parameter set the optimizer writes (same names, order and shapes as the model's).
    var parameters: [Matrix] = []

    init(usesWorkspace: Bool) { self.usesWorkspace = usesWorkspace }

    /// The workspace for `batch` (made at the first batch, remade only when B changes), or nil when the
    /// run does not use one.
    mutating func training(_ model: RecurrentModel, _ batch: TaskBatch) throws -> GradientWorkspace? {
        guard usesWorkspace else { return nil }
        if let w = trainingWorkspace, w.batchSize == batch.batchSize { return w }
        trainingWorkspace = try GradientWorkspace(model: model, steps: max(batch.length, 1), batchSize: batch.batchSize)
        return trainingWorkspace
    }

    /// The forward workspace for the held-out batches (sized by the first one and its longest length),
    /// or nil when the run does not use one.
    mutating func evaluation(_ model: RecurrentModel, _ batches: [TaskBatch]) throws -> GradientWorkspace? {
        guard usesWorkspace, GradientWorkspace.supports(model), let first = batches.first else { return nil }
        if let w = evaluationWorkspace { return w }
        let longest = batches.map(\.length).max() ?? 1
        evaluationWorkspace = try GradientWorkspace(model: model, steps: max(longest, 1), batchSize: first.batchSize)
        return evaluationWorkspace
    }

    /// `parameters` ← the model's values (allocated at the first call; in place afterwards).
    mutating func copyParameters(of model: RecurrentModel) {
        let source = model.parameters.tensors
        if parameters.count != source.count || !zip(parameters, source).allSatisfy({ $0.rows == $1.rows && $0.cols == $1.cols }) {
            parameters = source.map { Matrix(rows: $0.rows, cols: $0.cols) }
        }
        for i in parameters.indices {
            source[i].withUnsafeBufferPointer { src in
                parameters[i].withUnsafeMutableBufferPointer { dst in
                    if let d = dst.baseAddress, let s = src.baseAddress { d.update(from: s, count: src.count) }
                }
            }
        }
    }
}
