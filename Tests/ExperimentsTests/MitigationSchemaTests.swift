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
        ("model: {cell: rnn, hidden: 4}", "model: {cell: rnn, hidden: 4, parametrization: {kind: cayly}}", 3, "'cayly' is not a valid model.parametrization.kind: expected one of none, expm, cayley; did you mean 'cayley'?"),
        ("model: {cell: rnn, hidden: 4}", "model: {cell: indrnn, hidden: 4, parametrization: {kind: expm}}", 3, "implemented for one-layer rnn, lstm and gru cells, not indrnn"),
        ("model: {cell: rnn, hidden: 4}", "model: {cell: lstm, hidden: 4, layers: 2, parametrization: {kind: cayley}}", 3, "not stacked or bidirectional ones"),
        ("model: {cell: rnn, hidden: 4}", "model: {cell: rnn, hidden: 4, parametrization: {kind: expm, negative_ones: 1}}", 3, "negative_ones (scoRNN's D) applies to kind cayley only"),
        ("model: {cell: rnn, hidden: 4}", "model: {cell: rnn, hidden: 4, parametrization: {kind: cayley, negative_ones: 5}}", 3, "negative_ones (5) cannot exceed the hidden size 4"),
        ("model: {cell: rnn, hidden: 4}", "model: {cell: rnn, hidden: 4, parametrization: {kind: cayley, negative_one: 5}}", 3, "did you mean 'negative_ones'?"),
        ("training: {iterations: 50", "training: {flossing: {every: 0}, iterations: 50", 8, "flossing with every: 0 needs a pre-training phase (before: N > 0)"),
        ("training: {iterations: 50", "training: {flossing: {befor: 10}, iterations: 50", 8, "did you mean 'before'?"),
        ("model: {cell: rnn, hidden: 4}", "model: {cell: lstm, hidden: 4}\ntraining: {flossing: {before: 10}}", 4, "gradient flossing is implemented for one-layer tanh rnn cells"),
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

    /// `kind: cayley` with scoRNN's D on an LSTM, and a flossing phase with `every: 0`.
    @Test func decodesCayleyAndFlossingPhase() throws {
        let text = edited("model: {cell: rnn, hidden: 4}", "model: {cell: rnn, hidden: 4, parametrization: {kind: cayley, lr_factor: 0.5, negative_ones: 2}}",
                          in: edited("training: {iterations: 50", "training: {flossing: {exponents: 2, every: 0, before: 30}, iterations: 50", in: trainYAML))
        let c = try TrainExecutors.configuration(try Experiment(text: text, source: "t.yaml").points[0].spec)
        #expect(c.parametrization == OrthogonalParametrization(kind: .cayley, lrFactor: 0.5, negativeOnes: 2))
        #expect(c.flossing == GradientFlossing(exponents: 2, weight: 1, window: 50, every: 0, target: 0, before: 30))
        let lstm = edited("model: {cell: rnn, hidden: 4}", "model: {cell: lstm, hidden: 4, parametrization: {kind: expm}}", in: trainYAML)
        #expect(try TrainExecutors.configuration(try Experiment(text: lstm, source: "t.yaml").points[0].spec).parametrization?.kind == .expm)
    }

    @Test func parametrizationIsTrainModeOnly() throws {
        let text = edited("model: {cell: rnn, activation: tanh, hidden: 4, input: 2}", "model: {cell: rnn, activation: tanh, hidden: 4, input: 2, parametrization: {kind: expm}}", in: baseYAML)
        let error = try #require(loadError(text))
        #expect(error.description.contains("model.parametrization: applies to mode train only"), "\(error)")
    }
}
