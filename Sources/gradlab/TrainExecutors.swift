import Experiments
import Linalg
import Recurrent
import Training

/// The runner's executor for `mode: train`: the configuration's model (`model` + `init` specs, a
/// linear read-out sized for the task) is trained by `Training.train` on the `task`, `optimizer`,
/// `schedule`, `clipping` and `training` blocks; the records become `series` rows and the summary
/// becomes `runs` columns (names in docs/training.md and docs/experiments.md).
///
/// Random streams, split by purpose from the configuration's stream: `init.<parameter>` and
/// `init.head` for the weights, `train` for the training loop (which splits it into `train` batches
/// and the `evaluation` set), so changing the optimizer does not change the initial weights.
enum TrainExecutors {
    static func register(into registry: inout ExecutorRegistry) {
        registry.register(.train, estimatedSeconds: estimatedSeconds, check: check) { configuration, random in
            try run(configuration.spec, random)
        }
    }

    /// The configuration's Training setup; a spec that is not in train mode is a failure.
    static func configuration(_ spec: ExperimentSpec) throws -> TrainingConfiguration {
        guard let train = spec.train else { throw ConfigurationFailure("mode train needs the task: block") }
        do { return try train.configuration() } catch { throw ConfigurationFailure("\(error)") }
    }

    @Sendable static func check(_ spec: ExperimentSpec) throws {
        _ = try configuration(spec)
    }

    /// Trains one configuration and stores its records and summary.
    static func run(_ spec: ExperimentSpec, _ random: RandomStream) throws -> ConfigurationResult {
        let c = try configuration(spec)
        let model = try DiagnosticsExecutors.model(spec, random, headSize: c.task.output.size)
        let result: TrainingResult
        do { result = try train(model, c, rng: random.split("train")) } catch { throw ConfigurationFailure("\(error)") }
        return ConfigurationResult(summary: summary(result, c), series: result.seriesRows.map {
            SeriesPoint($0.metric, step: $0.step, component: $0.component, value: $0.value)
        })
    }

    /// `TrainingResult.summary` as runs columns (counts as integers), plus `clip_threshold` for
    /// norm clipping (the gradient-norm chart draws it) and `sequence_length` (T, the task's length).
    static func summary(_ result: TrainingResult, _ c: TrainingConfiguration) -> [String: StoredValue] {
        var summary: [String: StoredValue] = [:]
        let counts: Set<String> = ["solved", "iterations_to_solve", "iterations", "diverged"]
        for (key, value) in result.summary {
            summary[key] = counts.contains(key) ? .integer(Int64(value)) : .number(value)
        }
        switch c.clipping {
        case .globalNorm(let maxNorm, _), .perTensorNorm(let maxNorm): summary["clip_threshold"] = .number(maxNorm)
        default: break
        }
        summary["sequence_length"] = .integer(Int64(c.task.nominalLength))
        return summary
    }

    /// Multiply–adds of BPTT (forward, backward: ≈ 3 passes of the G·H × (H + D) products) for every
    /// training and evaluation sequence, at an effective 4 GFLOP/s per core.
    @Sendable static func estimatedSeconds(_ spec: ExperimentSpec) -> Double {
        guard let c = try? configuration(spec) else { return 0 }
        let h = Double(spec.model.hidden), d = Double(spec.model.input)
        let gates: Double = switch spec.model.cell { case .rnn: 1; case .gru: 3; case .lstm: 4 }
        let perSequence = Double(c.task.nominalLength) * 2 * gates * h * (h + d)
        let training = Double(c.iterations * c.batchSize) * 3 * perSequence
        let evaluations = Double(c.iterations / c.evaluationInterval + 2) * Double(c.evaluationBatches * c.evaluationBatchSize)
        return (training + evaluations * perSequence) / 4e9
    }
}
