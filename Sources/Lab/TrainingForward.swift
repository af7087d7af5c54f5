import Diagnostics
import Linalg
import Recurrent
import Training

/// Forward statistics in training records (docs/dynamics.md): at every evaluation the model runs over
/// the first held-out batch from h_0 = 0 (as training and evaluation run it) and `ForwardDynamics`
/// (the thresholds of `measure: forward`) measures each sequence. Stored as series by iteration, in
/// `Metric.trainingForward` order; NaN (not stored) where a statistic does not apply:
/// - `eval_hidden_norm`: mean over sequences and steps of ‖h_t‖₂;
/// - `eval_saturated_fraction`: mean over sequences and steps of the saturated fraction (tanh, sigmoid);
/// - `eval_dead_fraction`: mean over sequences of the fraction of units with z ≤ 0 at every step of
///   the sequence (relu, leaky-relu);
/// - `eval_forget_gate_mean` (LSTM f), `eval_update_gate_mean` (GRU z): mean over sequences, steps, units.
/// Single-layer models only (stacked: every value NaN). Cost: one forward pass of the batch per evaluation.
enum TrainingForward {
    @Sendable static func probe(_ model: RecurrentModel, _ batch: TaskBatch) throws -> [Double] {
        let none = [Double](repeating: .nan, count: Metric.trainingForward.count)
        guard !model.isStacked, batch.batchSize > 0, batch.length > 0 else { return none }
        return try measure(model.makeCell(), model, batch)
    }

    private static func measure<C: RecurrentCell>(_ cell: C, _ model: RecurrentModel, _ batch: TaskBatch) throws -> [Double] {
        let t = batch.length, d = batch.inputSize, h = model.hiddenSize
        // φ of every cell with a point-wise activation (RNN, IndRNN, LN-RNN); nil for LSTM, GRU and the LRU.
        let activation = model.cell.activation
        let family = model.cell.family
        var norm = 0.0, saturated = 0.0, dead = 0.0, forget = 0.0, update = 0.0
        let s0 = [Double](repeating: 0, count: model.stateSize)
        for b in 0..<batch.batchSize {
            let x = try Matrix(rows: t, cols: d, elements: Array(batch.inputs[(b * t * d)..<((b + 1) * t * d)]))
            let f = try ForwardDynamics(cell: cell, family: family, activation: activation, inputs: x, initialState: s0, meanField: false)
            norm += mean(f.hNorm)
            saturated += mean(f.saturated)
            dead += Double(f.deadUnits) / Double(h)
            if family == .lstm, f.gateMean.count > 1 { forget += mean(f.gateMean[1]) }
            if family == .gru, f.gateMean.count > 1 { update += mean(f.gateMean[1]) }
        }
        let n = Double(batch.batchSize)
        let saturating = activation == .tanh || activation == .sigmoid
        let relu: Bool
        switch activation { case .relu?, .leakyRelu?: relu = true; default: relu = false }
        return [norm / n, saturating ? saturated / n : .nan, relu ? dead / n : .nan,
                family == .lstm ? forget / n : .nan, family == .gru ? update / n : .nan]
    }

    /// The mean of a series (NaN when empty: a sequence whose first step left the finite numbers).
    private static func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }
}
