import Testing
import Training
@testable import Sweeps
@testable import Lab

/// The mitigations' keys in a `mode: train` file: decoded into Training's types, errors located with
/// suggestions (lines refer to `trainYAML`).
@Suite struct MitigationSchemaTests {
    static let errors: [(String, String, Int, String)] = [
        ("training: {iterations: 50", "training: {constraint: {kind: spectal, threshold: 1}, iterations: 50", 8, "did you mean 'spectral'?"),
        ("training: {iterations: 50", "training: {constraint: {kind: spectral}, iterations: 50", 8, "training.constraint kind 'spectral' needs a threshold"),
        ("training: {iterations: 50", "training: {constraint: {kind: spectral, treshold: 1}, iterations: 50", 8, "did you mean 'threshold'?"),
        ("training: {iterations: 50", "training: {dropout: {recurent: 0.2}, iterations: 50", 8, "did you mean 'recurrent'?"),
        ("training: {iterations: 50", "training: {dropout: {kind: zoneout}, iterations: 50", 8, "expected one of variational"),
        ("training: {iterations: 50", "training: {dropout: {recurrent: 1.0}, iterations: 50", 8, "dropout.recurrent must be a probability in [0, 1)"),
        ("training: {iterations: 50", "training: {flossing: {exponents: 9}, iterations: 50", 8, "flossing.exponents cannot exceed model.hidden (4)"),
        ("training: {iterations: 50", "training: {flossing: {windw: 9}, iterations: 50", 8, "did you mean 'window'?"),
        ("model: {cell: rnn, hidden: 4}", "model: {cell: rnn, hidden: 4, parametrization: {kind: cayly}}", 3, "'cayly' is not a valid model.parametrization.kind: expected one of none, expm"),
        ("model: {cell: rnn, hidden: 4}", "model: {cell: lstm, hidden: 4, parametrization: {kind: expm}}", 3, "implemented for one-layer rnn cells, not lstm"),
        ("model: {cell: rnn, hidden: 4}", "model: {cell: rnn, hidden: 4, parametrization: {lr_factor: 0}}", 3, "lr_factor must be finite and > 0"),
        ("task: {name: adding-arjovsky2016, length: 20}", "task: {name: char-lm, length: 20, generator: zipf}", 4, "unknown generator 'zipf'; known generators: dyck"),
        ("task: {name: adding-arjovsky2016, length: 20}", "task: {name: char-lm, length: 20, file: /nonexistent/c.txt}", 4, "cannot read the corpus file '/nonexistent/c.txt'"),
        ("model: {cell: rnn, hidden: 4}", "model: {cell: gru, hidden: 4}\ntraining: {dropout: {recurrent: 0.2}}", 4, "dropout is implemented for one-layer rnn cells, not gru"),
    ]

    @Test(arguments: 0..<errors.count)
    func errorsAreLocated(_ i: Int) throws {
        let (original, replacement, line, fragment) = Self.errors[i]
        var text = edited(original, replacement, in: trainYAML)
        if replacement.contains("\ntraining:") { text = edited("training: {iterations: 50, eval_every: 10, snapshot_every: 5}", "", in: text) }
        let error = try #require(loadError(text))
        #expect(error.description.contains(fragment), "\(error)")
        if case .file(_, let l, _) = error.origin { #expect(l == line, "\(error)") } else { Issue.record("no file origin: \(error)") }
    }

    @Test func decodesEveryMitigation() throws {
        let text = edited("model: {cell: rnn, hidden: 4}", "model: {cell: rnn, hidden: 4, parametrization: {kind: expm, lr_factor: 0.1}}",
                          in: edited("training: {iterations: 50", "training: {dropout: {kind: variational, recurrent: 0.25, input: 0.1}, flossing: {exponents: 2, weight: 0.5, window: 10, every: 5}, iterations: 50", in: trainYAML))
        let spec = try Experiment(text: text, source: "t.yaml").points[0].spec
        #expect(spec.model.parametrization == OrthogonalParametrization(kind: .expm, lrFactor: 0.1))
        let c = try TrainExecutors.configuration(spec)
        #expect(c.dropout == RecurrentDropout(input: 0.1, recurrent: 0.25, output: 0))
        #expect(c.flossing == GradientFlossing(exponents: 2, weight: 0.5, window: 10, every: 5, target: 0))
        #expect(c.parametrization?.lrFactor == 0.1)
        let constrained = edited("training: {iterations: 50", "training: {constraint: {kind: elementwise, threshold: 0.5}, iterations: 50", in: trainYAML)
        #expect(try TrainExecutors.configuration(Experiment(text: constrained, source: "t.yaml").points[0].spec).constraint == .elementwise(limit: 0.5))
    }

    @Test func parametrizationIsTrainModeOnly() throws {
        let text = edited("model: {cell: rnn, activation: tanh, hidden: 4, input: 2}", "model: {cell: rnn, activation: tanh, hidden: 4, input: 2, parametrization: {kind: expm}}", in: baseYAML)
        let error = try #require(loadError(text))
        #expect(error.description.contains("model.parametrization: applies to mode train only"), "\(error)")
    }
}
