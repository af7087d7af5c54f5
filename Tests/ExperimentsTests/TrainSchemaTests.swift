import Testing
import Training
@testable import Sweeps
@testable import Lab

/// A valid `mode: train` experiment; tests edit it. Line numbers below refer to this text.
let trainYAML = """
name: train-unit
mode: train
model: {cell: rnn, hidden: 4}
task: {name: adding-arjovsky2016, length: 20}
optimizer: {kind: adam, lr: 0.01}
schedule: {kind: cosine, period: 100}
clipping: {kind: global-norm, threshold: 1.0}
training: {iterations: 50, eval_every: 10, snapshot_every: 5}
"""

@Suite struct TrainSchemaTests {
    @Test func decodesTheTrainBlocksIntoATrainSpec() throws {
        let spec = try Experiment(text: trainYAML, source: "t.yaml").points[0].spec
        #expect(spec.mode == .train && spec.measure.isEmpty)
        let train = try #require(spec.train)
        #expect(train.task == TaskSpec(name: "adding-arjovsky2016", length: 20))
        #expect(train.optimizer?.kind == .adam && train.optimizer?.lr == 0.01)
        #expect(train.clipping?.kind == .globalNorm && train.clipping?.threshold == 1)
        #expect(train.training?.iterations == 50 && train.training?.snapshotEvery == 5)
        // model.input defaults to the task's input size; sequence.length is the task's T.
        #expect(spec.model.input == 2 && spec.sequence.length == 20)
        let c = try train.configuration()
        #expect(c.iterations == 50 && c.evaluationInterval == 10 && c.schedule == .cosine(period: 100, minimum: 0))
    }

    @Test func sweptClippingKindsZipWithThresholds() throws {
        let text = edited("clipping: {kind: global-norm, threshold: 1.0}\n", "", in: trainYAML) + """

        zip:
          clipping.kind: [none, global-norm, value]
          clipping.threshold: [null, 1.0, 0.1]
          method: [no clipping, global norm 1, value 0.1]
        """
        let e = try Experiment(text: text, source: "t.yaml")
        #expect(e.points.map { $0.spec.train?.clipping?.threshold } == [nil, 1.0, 0.1])
        #expect(e.points.map(\.spec.method) == ["no clipping", "global norm 1", "value 0.1"])
    }

    /// (edit, expected line, expected message fragment)
    static let errors: [(String, String, Int, String)] = [
        ("optimizer: {kind: adam, lr: 0.01}", "optimizer: {kind: adam, lrr: 0.01}", 5, "unknown key 'lrr' in optimizer (did you mean 'lr'?)"),
        ("optimizer: {kind: adam, lr: 0.01}", "optimizer: {kind: adma, lr: 0.01}", 5, "did you mean 'adam'?"),
        ("optimizer: {kind: adam, lr: 0.01}", "optimizer: {kind: adam, momentum: 0.9}", 5, "optimizer: momentum does not apply to optimizer 'adam'"),
        ("clipping: {kind: global-norm, threshold: 1.0}", "clipping: {kind: none, threshold: 1.0}", 7, "clipping: clipping kind 'none' takes no threshold"),
        ("clipping: {kind: global-norm, threshold: 1.0}", "clipping: {kind: value}", 7, "clipping kind 'value' needs a threshold"),
        ("clipping: {kind: global-norm, threshold: 1.0}", "clipping: {kind: global-norm, threshold: 1.0, non_finite: skip_step}", 7, "expected one of error, skip-step, follow-pytorch; did you mean 'skip-step'?"),
        ("schedule: {kind: cosine, period: 100}", "schedule: {kind: cosine}", 6, "schedule 'cosine' needs 'period'"),
        ("training: {iterations: 50", "training: {iteratons: 50", 8, "did you mean 'iterations'?"),
        ("training: {iterations: 50", "training: {iterations: 50, batch_size: 0", 8, "training.batch_size must be at least 1"),
        ("task: {name: adding-arjovsky2016, length: 20}", "task: {name: adding-arjovksy2016, length: 20}", 4, "did you mean 'adding-arjovsky2016'?"),
        ("task: {name: adding-arjovsky2016, length: 20}", "task: {name: adding-arjovsky2016}", 4, "task.length is required"),
        ("model: {cell: rnn, hidden: 4}", "model: {cell: rnn, hidden: 4, input: 3}", 3, "model.input: task 'adding-arjovsky2016' has 2 inputs per step"),
        ("model: {cell: rnn, hidden: 4}", "model: {cell: lstm, hidden: 4}\nsequence: {length: 5}", 4, "sequence: does not apply to mode train"),
    ]

    @Test(arguments: 0..<errors.count)
    func trainBlockErrorsAreLocated(_ i: Int) throws {
        let (original, replacement, line, fragment) = Self.errors[i]
        let error = try #require(loadError(edited(original, replacement, in: trainYAML)))
        #expect(error.description.contains(fragment), "\(error)")
        if case .file(_, let l, _) = error.origin { #expect(l == line, "\(error)") } else { Issue.record("no file origin: \(error)") }
    }

    @Test func trainBlocksAreRejectedInOtherModes() throws {
        let text = baseYAML + "\noptimizer: {kind: sgd}\n"
        let error = try #require(loadError(text))
        #expect(error.description.contains("optimizer: applies to mode train only (this file has mode gradient-flow)"), "\(error)")
    }

    @Test func omegaNeedsAVanillaCell() throws {
        let text = edited("model: {cell: rnn, hidden: 4}", "model: {cell: gru, hidden: 4}",
                          in: edited("training: {iterations: 50", "training: {omega: 1.0, iterations: 50", in: trainYAML))
        let error = try #require(loadError(text))
        #expect(error.description.contains("training.omega: the Ω regularizer is defined for rnn cells only"), "\(error)")
    }
}
