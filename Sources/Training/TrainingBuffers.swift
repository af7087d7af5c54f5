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

    /// The forward workspace for the held-out batches, or nil when the run does not use one: its batch
    /// is `evaluationChunk(heldOut:training:)` sequences (the held-out batches run in equal chunks, so
    /// its tape is no larger than the training batch's), its length the longest held-out batch's.
    mutating func evaluation(_ model: RecurrentModel, _ batches: [TaskBatch], trainingBatch: Int) throws -> GradientWorkspace? {
        guard usesWorkspace, GradientWorkspace.supports(model), let first = batches.first else { return nil }
        if let w = evaluationWorkspace { return w }
        let longest = batches.map(\.length).max() ?? 1
        let chunk = Self.evaluationChunk(heldOut: first.batchSize, training: trainingBatch)
        evaluationWorkspace = try GradientWorkspace(model: model, steps: max(longest, 1), batchSize: chunk)
        return evaluationWorkspace
    }

    /// The largest divisor of the held-out batch size not above the training batch size (at least 1):
    /// 100 and 20 → 20, 100 and 32 → 25, 100 and 7 → 5.
    static func evaluationChunk(heldOut: Int, training: Int) -> Int {
        let limit = max(1, min(heldOut, training))
        return (1...limit).last { heldOut % $0 == 0 } ?? 1
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
