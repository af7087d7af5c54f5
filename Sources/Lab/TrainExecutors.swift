import Foundation
import Sweeps
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
        registry.register(.train, check: check) { configuration, random in
            try run(configuration.spec, random, runID: configuration.runID)
        }
    }

    /// The configuration's Training setup; a spec that is not in train mode is a failure.
    static func configuration(_ spec: ExperimentSpec) throws -> TrainingConfiguration {
        guard let train = spec.train else { throw ConfigurationFailure("mode train needs the task: block") }
        do {
            var c = try train.configuration()
            c.parametrization = spec.model.parametrization
            c.evaluationProbe = TrainingForward.probe
            return c
        } catch { throw ConfigurationFailure("\(error)") }
    }

    @Sendable static func check(_ spec: ExperimentSpec) throws {
        _ = try configuration(spec)
    }

    /// Trains one configuration and stores its records and summary.
    /// With a `runID`, the trained model goes to `TrainedModelStore.relativePath(runID:)`.
    static func run(_ spec: ExperimentSpec, _ random: RandomStream, runID: String? = nil) throws -> ConfigurationResult {
        let c = try configuration(spec)
        let model = try spec.makeModel(random, headSize: c.task.output.size)
        let result: TrainingResult
        do { result = try train(model, c, rng: random.split("train")) } catch { throw ConfigurationFailure("\(error)") }
        var files: [String: Data] = [:]
        if let runID {
            let (path, data) = TrainedModelStore.file(runID: runID, model: result.model, task: c.task)
            files[path] = data
        }
        return ConfigurationResult(summary: summary(result, c), series: series(result, withConstraint: c.constraint != .none),
                                   files: files)
    }

    /// The records and snapshots as series points, step = iteration. Only defined, finite values are
    /// listed (a record's NaN fields — no evaluation at that iteration, ρ of a gated cell — and a
    /// diverged loss are left out; `diverged` in the summary says the latter), because the store reads
    /// a non-finite value as a failed measurement. `grad_flow_log10`: component = t, 1-based; a norm of
    /// exactly 0 is left out. `withConstraint`: also `constrained`, `spectral_radius_before` and
    /// `sigma_max_before` (training.constraint on). With a flossing phase: `floss_phase_lambda` (step =
    /// phase iteration, component = i) and `floss_probe_lambda` (steps 0 and N: before and after).
    static func series(_ result: TrainingResult, withConstraint: Bool = false) -> [SeriesPoint] {
        var points: [SeriesPoint] = []
        func add(_ metric: Metric, _ step: Int, _ value: Double?, component: Int = 0) {
            if let value, value.isFinite { points.append(SeriesPoint(metric, step: step, component: component, value: value)) }
        }
        for r in result.records {
            let i = r.iteration
            add(.loss, i, r.loss)
            add(.evalLoss, i, r.evalLoss)
            add(.accuracy, i, r.accuracy)
            add(.learningRate, i, r.learningRate)
            add(.omega, i, r.omega)
            add(.gradNorm, i, r.gradNorm)
            add(.gradNormClipped, i, r.gradNormClipped)
            if i > 0 {
                add(.clipped, i, r.clipped ? 1 : 0)
                add(.guarded, i, r.guarded ? 1 : 0)
            }
            add(.spectralRadius, i, r.spectralRadius)
            add(.sigmaMax, i, r.sigmaMax)
            add(.gradientReach, i, r.gradientReach)
            add(.flossLoss, i, r.flossLoss)
            add(.flossLambda1, i, r.flossLambda1)
            for (metric, value) in zip(Metric.trainingForward, r.evaluationProbe) { add(metric, i, value) }
            if i > 0, withConstraint {
                add(.constrained, i, r.constrained ? 1 : 0)
                add(.spectralRadiusBefore, i, r.spectralRadiusBefore)
                add(.sigmaMaxBefore, i, r.sigmaMaxBefore)
            }
        }
        for snapshot in result.snapshots {
            for (t, v) in snapshot.log10Norms.enumerated() { add(.gradFlowLog10, snapshot.iteration, v, component: t + 1) }
        }
        if let phase = result.flossingPhase {
            for (i, lambdas) in phase.lambdas.enumerated() {
                for (k, v) in lambdas.enumerated() { add(.flossPhaseLambda, i + 1, v, component: k + 1) }
            }
            for (k, v) in phase.before.enumerated() { add(.flossProbeLambda, 0, v, component: k + 1) }
            for (k, v) in phase.after.enumerated() { add(.flossProbeLambda, phase.lambdas.count, v, component: k + 1) }
        }
        return points
    }

    /// The runs columns: `solved`, `iterations_to_solve` (absent when unsolved), `iterations`,
    /// `diverged` (counts and flags as integers), `final_loss`, `final_eval_loss`, `final_accuracy`,
    /// `baseline_loss`, `clipped_fraction` (of the recorded training iterations), `clip_threshold` for
    /// norm clipping (the gradient-norm chart draws it), `sequence_length` (T, the task's length) and,
    /// with a flossing phase, `floss_lambda_1_before`/`_after` (on its probe sequence).
    /// Non-finite values are left out.
    static func summary(_ result: TrainingResult, _ c: TrainingConfiguration) -> [String: StoredValue] {
        var summary: [String: StoredValue] = [:]
        func number(_ metric: Metric, _ value: Double?) {
            if let value, value.isFinite { summary[metric] = .number(value) }
        }
        summary[Metric.solved] = .integer(result.solved ? 1 : 0)
        summary[Metric.iterationsToSolve] = result.iterationsToSolve.map { .integer(Int64($0)) }
        summary[Metric.iterations] = .integer(Int64(result.iterations))
        summary[Metric.diverged] = .integer(result.diverged ? 1 : 0)
        number(.finalLoss, result.finalLoss)
        number(.finalEvalLoss, result.finalEvalLoss)
        number(.finalAccuracy, result.finalAccuracy)
        number(.baselineLoss, result.baselineLoss)
        let trained = result.records.filter { $0.iteration > 0 }
        number(.clippedFraction, trained.isEmpty ? nil : Double(trained.filter(\.clipped).count) / Double(trained.count))
        switch c.clipping {
        case .globalNorm(let maxNorm, _), .perTensorNorm(let maxNorm): summary[Metric.clipThreshold] = .number(maxNorm)
        default: break
        }
        summary[Metric.sequenceLength] = .integer(Int64(c.task.nominalLength))
        if let phase = result.flossingPhase {
            number(.flossLambda1Before, phase.before.first)
            number(.flossLambda1After, phase.after.first)
        }
        if let lm = c.task as? CharacterLM {
            number(.finalBitsPerChar, result.finalEvalLoss / log(2))
            number(.baselineBitsPerChar, result.baselineLoss / log(2))
            summary[Metric.vocabularySize] = .integer(Int64(lm.vocabulary.count))
        }
        return summary
    }
}
