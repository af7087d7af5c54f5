import Initializers
import Testing
@testable import Sweeps
@testable import Lab

/// A valid experiment; tests edit lines of it. Line numbers below refer to this text.
let baseYAML = """
name: unit
mode: gradient-flow
seed: 7
model: {cell: rnn, activation: tanh, hidden: 4, input: 2}
init:
  weight_hh: {kind: gaussian, spectral_radius: 0.9}
sequence: {length: 10, input: {kind: gaussian, std: 1.0}, h0: zeros}
loss: {kind: adjoint}
replicates: 2
measure: [grad_norm, jacobian_norm]
"""

/// `baseYAML` with `replace` substituted for `original` (which must occur).
func edited(_ original: String, _ replace: String, in text: String = baseYAML) -> String {
    precondition(text.contains(original), "fixture text lacks \(original)")
    return text.replacingOccurrences(of: original, with: replace)
}

/// The error loading `text` throws (or nil).
func loadError(_ text: String, overrides: [String] = []) -> ExperimentError? {
    do {
        _ = try Experiment(text: text, source: "exp.yaml", overrides: overrides)
        return nil
    } catch let e as ExperimentError {
        return e
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

@Suite struct SchemaTests {
    @Test func decodesTheExampleWithDefaults() throws {
        let e = try Experiment(text: baseYAML, source: "exp.yaml")
        #expect(e.points.count == 1 && e.replicates == 2 && e.runCount == 2)
        let spec = e.points[0].spec
        #expect(spec.mode == .gradientFlow && spec.seed == 7)
        #expect(spec.model.hidden == 4 && spec.model.input == 2 && spec.model.cell == .rnn)
        #expect(spec.initialization.weightHH?.spectralRadius == 0.9)
        #expect(spec.sequence.length == 10 && spec.sequence.h0 == .zeros)
        #expect(spec.diagnostics.lags == .log(count: 50) && spec.diagnostics.logLags == 50 && spec.diagnostics.lyapunov == .all)
        #expect(spec.measure == [.gradNorm, .jacobianNorm])
    }

    @Test func acceptsJSON() throws {
        let json = """
        {"name": "j", "mode": "lyapunov", "model": {"hidden": 3},
         "sequence": {"length": 5}, "sweep": {"model.hidden": [2, 3]}}
        """
        let e = try Experiment(text: json, source: "exp.json")
        #expect(e.points.map(\.spec.model.hidden) == [2, 3])
        #expect(e.points[0].spec.measure == [.lyapunov])
    }

    @Test func unknownKeyIsLocatedWithSuggestion() throws {
        let error = try #require(loadError(edited("hidden: 4", "hiden: 4")))
        #expect(error.origin == .file(path: "exp.yaml", line: 4, column: 38))
        #expect(error.description == "exp.yaml:4:38: unknown key 'hiden' in model (did you mean 'hidden'?)")
    }

    @Test func unknownInitializerKeyIsLocatedWithSuggestion() throws {
        let error = try #require(loadError(edited("spectral_radius: 0.9", "spectral_raduis: 0.9")))
        #expect(error.description == "exp.yaml:6:31: unknown key 'spectral_raduis' in init.weight_hh (did you mean 'spectral_radius'?)")
    }

    @Test func initializerValidationIsLocatedAtItsBlock() throws {
        let error = try #require(loadError(edited("{kind: gaussian, spectral_radius: 0.9}", "{kind: gaussian, std: -1}")))
        #expect(error.description == "exp.yaml:6:14: init.weight_hh: std must be positive, got -1.0")
        let kind = try #require(loadError(edited("kind: gaussian", "kind: gausian")))
        #expect(kind.origin == .file(path: "exp.yaml", line: 6, column: 21))
        #expect(kind.message.hasPrefix("init.weight_hh.kind: unknown kind 'gausian'"))
    }

    @Test func unknownTopLevelKeyListsNoFarSuggestion() throws {
        let error = try #require(loadError(baseYAML + "\nfrobnicate: 3\n"))
        #expect(error.origin == .file(path: "exp.yaml", line: 11, column: 1))
        #expect(error.message.hasPrefix("unknown key 'frobnicate' in the top level (known keys: name, description"))
    }

    @Test func misspeltChoiceSuggestsTheClosest() throws {
        let error = try #require(loadError(edited("mode: gradient-flow", "mode: gradient_flow")))
        #expect(error.description == "exp.yaml:2:7: 'gradient_flow' is not a valid mode: expected one of gradient-flow, lyapunov, train, fixed-points; did you mean 'gradient-flow'?")
    }

    @Test func wrongTypeNamesPathAndValue() throws {
        let error = try #require(loadError(edited("length: 10", "length: ten")))
        #expect(error.description == "exp.yaml:7:20: sequence.length must be an integer, found 'ten'")
    }

    @Test func missingKeyPointsAtItsMapping() throws {
        let error = try #require(loadError(edited("hidden: 4, ", "")))
        #expect(error.description == "exp.yaml:4:8: missing key 'hidden' in model")
    }

    @Test func rangeErrorsAreLocated() throws {
        let error = try #require(loadError(edited("replicates: 2", "replicates: 0")))
        #expect(error.description == "exp.yaml:9:13: replicates: must be at least 1")
    }

    @Test func measureMustFitTheMode() throws {
        let error = try #require(loadError(edited("mode: gradient-flow", "mode: lyapunov")))
        #expect(error.origin == .file(path: "exp.yaml", line: 10, column: 11))
        #expect(error.message.contains("'grad_norm' is not measured in mode lyapunov"))
    }

    @Test func plotsNameSweptPathsOrDataColumns() throws {
        let ok = baseYAML + "\nsweep: {model.activation: [tanh, relu]}\nplots:\n  - {recipe: norm-vs-lag, color: model.activation, x: lag}\n"
        #expect(loadError(ok) == nil)
        let badPath = try #require(loadError(edited("color: model.activation", "color: model.activaton", in: ok)))
        #expect(badPath.origin == .file(path: "exp.yaml", line: 13, column: 34))
        #expect(badPath.message.contains("did you mean 'model.activation'?"))
        let badRecipe = try #require(loadError(edited("recipe: norm-vs-lag", "recipe: norm-vs-lagg", in: ok)))
        #expect(badRecipe.message.hasPrefix("'norm-vs-lagg' is not a valid plots.0.recipe") && badRecipe.message.contains("did you mean 'norm-vs-lag'?"))
        // A channel the chart would not read as a swept value is refused at validation, not drawn uncoloured.
        let summaryColour = try #require(loadError(edited("color: model.activation", "color: spectral_radius", in: ok)))
        #expect(summaryColour.origin == .file(path: "exp.yaml", line: 13, column: 34))
        #expect(summaryColour.message.contains("is not a valid plots.0.color: expected one of model.activation"))
        // A recipe whose data the mode does not produce is refused too.
        let wrongMode = try #require(loadError(edited("recipe: norm-vs-lag, color: model.activation, x: lag", "recipe: loss-curves", in: ok)))
        #expect(wrongMode.message.contains("loss-curves needs mode train"))
    }

    @Test func yamlSyntaxErrorsCarryTheirPosition() throws {
        let error = try #require(loadError("name: x\nmodel: {hidden: 4\nmode: lyapunov\n"))
        guard case let .file(path, line, _) = error.origin else { Issue.record("no file origin"); return }
        #expect(path == "exp.yaml" && line >= 2)
        #expect(error.message.hasPrefix("YAML syntax"))
    }

    @Test(arguments: [("gain", "gain", true), ("hiden", "hidden", true), ("frobnicate", "hidden", false)])
    func suggestions(word: String, candidate: String, expected: Bool) {
        #expect((suggestion(for: word, among: [candidate, "cell"]) == candidate) == expected)
    }

    @Test func editDistanceMatchesHandCounts() {
        #expect(editDistance("kitten", "sitting") == 3)
        #expect(editDistance("", "abc") == 3)
        #expect(editDistance("flaw", "lawn") == 2)
    }
}
