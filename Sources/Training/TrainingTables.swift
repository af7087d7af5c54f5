import Foundation

/// One row of a long-format series table: `metric` at `step`, `component` 0 unless a metric has
/// several values per step. Mirrors the experiment store's `series` rows.
public struct TrainingSeriesRow: Sendable, Equatable {
    public var metric: String
    public var step: Int
    public var component: Int
    public var value: Double
}

extension TrainingResult {
    /// The records and snapshots as series rows, step = iteration. Only defined, finite values are
    /// listed (a record's NaN fields — no evaluation at that iteration, ρ of a gated cell — and a
    /// diverged loss are left out; `diverged` in `summary` says the latter), because the store
    /// reads a non-finite value as a failed measurement.
    ///
    /// Metrics: `loss`, `eval_loss`, `accuracy`, `learning_rate`, `omega`, `grad_norm`,
    /// `grad_norm_clipped`, `clipped` (0/1), `guarded` (0/1), `spectral_radius`, `sigma_max`,
    /// `gradient_reach`, and `grad_flow_log10` (log10 ‖∂L/∂h_t‖ of a snapshot; component = t,
    /// 1-based; a norm of exactly 0 is left out).
    public var seriesRows: [TrainingSeriesRow] {
        var rows: [TrainingSeriesRow] = []
        func add(_ metric: String, _ step: Int, _ value: Double?, component: Int = 0) {
            if let value, value.isFinite { rows.append(TrainingSeriesRow(metric: metric, step: step, component: component, value: value)) }
        }
        for r in records {
            let i = r.iteration
            add("loss", i, r.loss)
            add("eval_loss", i, r.evalLoss)
            add("accuracy", i, r.accuracy)
            add("learning_rate", i, r.learningRate)
            add("omega", i, r.omega)
            add("grad_norm", i, r.gradNorm)
            add("grad_norm_clipped", i, r.gradNormClipped)
            if i > 0 {
                add("clipped", i, r.clipped ? 1 : 0)
                add("guarded", i, r.guarded ? 1 : 0)
            }
            add("spectral_radius", i, r.spectralRadius)
            add("sigma_max", i, r.sigmaMax)
            add("gradient_reach", i, r.gradientReach)
        }
        for s in snapshots {
            for (t, v) in s.log10Norms.enumerated() { add("grad_flow_log10", s.iteration, v, component: t + 1) }
        }
        return rows
    }

    /// The runs-table summary: `solved` (0/1), `iterations_to_solve` (absent when unsolved),
    /// `iterations`, `diverged` (0/1), `final_loss`, `final_eval_loss`, `final_accuracy`,
    /// `baseline_loss`, `clipped_fraction` (of the recorded training iterations). Non-finite values
    /// are left out.
    public var summary: [String: Double] {
        let trained = records.filter { $0.iteration > 0 }
        let values: [String: Double?] = [
            "solved": solved ? 1 : 0,
            "iterations_to_solve": iterationsToSolve.map(Double.init),
            "iterations": Double(iterations),
            "diverged": diverged ? 1 : 0,
            "final_loss": finalLoss,
            "final_eval_loss": finalEvalLoss,
            "final_accuracy": finalAccuracy,
            "baseline_loss": baselineLoss,
            "clipped_fraction": trained.isEmpty ? nil : Double(trained.filter(\.clipped).count) / Double(trained.count),
        ]
        return values.compactMapValues { v in v.flatMap { $0.isFinite ? $0 : nil } }
    }
}
