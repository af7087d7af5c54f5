import Initializers
import Testing
@testable import Sweeps
@testable import Lab

let sweepYAML = baseYAML + """

sweep:
  init.weight_hh.spectral_radius: [0.5, 1.0, 1.5]
  model.activation: [tanh, relu]
zip:
  sequence.length: [20, 40]
  model.hidden: [3, 5]
"""

@Suite struct GridTests {
    @Test func productTimesZipInRowMajorOrder() throws {
        let e = try Experiment(text: sweepYAML, source: "exp.yaml")
        #expect(e.grid.count == 12 && e.points.count == 12 && e.runCount == 24)
        #expect(e.grid.sweptPaths == ["init.weight_hh.spectral_radius", "model.activation", "sequence.length", "model.hidden"])
        let rows = e.points.map { p in
            "\(p.spec.initialization.weightHH?.spectralRadius ?? -1) \(p.spec.model.activation.name) \(p.spec.sequence.length) \(p.spec.model.hidden)"
        }
        #expect(rows == [
            "0.5 tanh 20 3", "0.5 tanh 40 5", "0.5 relu 20 3", "0.5 relu 40 5",
            "1.0 tanh 20 3", "1.0 tanh 40 5", "1.0 relu 20 3", "1.0 relu 40 5",
            "1.5 tanh 20 3", "1.5 tanh 40 5", "1.5 relu 20 3", "1.5 relu 40 5",
        ])
        // Unswept keys keep their values; the weight_hh block keeps its other keys.
        #expect(e.points.allSatisfy { $0.spec.initialization.weightHH?.kind == .gaussian && $0.spec.seed == 7 })
        #expect(Set(e.points.map(\.identity)).count == 12)
        #expect(e.points[1].identity == "init.weight_hh.spectral_radius=0.5,model.activation=tanh,model.hidden=5,sequence.length=40")
    }

    @Test func identitiesAndRunIDsIgnoreWrittenOrderAndNumberSpelling() throws {
        let reordered = baseYAML + "\nsweep:\n  model.activation: [relu, tanh]\n  init.weight_hh.spectral_radius: [1.50, 0.5, 1.0]\nzip:\n  model.hidden: [5, 3]\n  sequence.length: [40, 20]\n"
        let a = try Experiment(text: sweepYAML, source: "a.yaml")
        let b = try Experiment(text: reordered, source: "b.yaml")
        #expect(Set(a.configurations.map(\.runID)) == Set(b.configurations.map(\.runID)))
        #expect(a.fingerprint == b.fingerprint)
    }

    @Test func zipListsOfDifferentLengthsAreRejected() throws {
        let error = try #require(loadError(edited("model.hidden: [3, 5]", "model.hidden: [3, 5, 7]", in: sweepYAML)))
        #expect(error.description == "exp.yaml:16:3: zip lists must have equal lengths: 'sequence.length' has 2 values, 'model.hidden' has 3")
    }

    @Test func aPathInBothSweepAndZipIsRejected() throws {
        let error = try #require(loadError(edited("  model.hidden: [3, 5]", "  model.activation: [tanh, relu]", in: sweepYAML)))
        #expect(error.description == "exp.yaml:16:3: 'model.activation' is swept twice (also at exp.yaml:13:3); a key belongs to either sweep or zip")
    }

    @Test func overlappingPathsAreRejected() throws {
        let text = baseYAML + "\nsweep:\n  model: [{hidden: 2}, {hidden: 3}]\n  model.hidden: [4, 5]\n"
        let error = try #require(loadError(text))
        #expect(error.description == "exp.yaml:13:3: 'model.hidden' overlaps 'model' (at exp.yaml:12:3); sweep a block or its keys, not both")
    }

    @Test func unknownSweptPathIsLocatedAtTheSweepKey() throws {
        let error = try #require(loadError(edited("model.activation: [tanh, relu]", "model.activaton: [tanh, relu]", in: sweepYAML)))
        #expect(error.origin == .file(path: "exp.yaml", line: 13, column: 3))
        #expect(error.message.hasPrefix("unknown key 'activaton' in model (did you mean 'activation'?)"))
    }

    @Test func badSweptValueIsLocatedAtTheValueAndNamesTheConfiguration() throws {
        let error = try #require(loadError(edited("[tanh, relu]", "[tanh, rleu]", in: sweepYAML)))
        #expect(error.origin == .file(path: "exp.yaml", line: 13, column: 28))
        #expect(error.message.hasPrefix("'rleu' is not a valid model.activation"))
        #expect(error.message.hasSuffix("(in configuration init.weight_hh.spectral_radius=0.5, model.activation=rleu, sequence.length=20, model.hidden=3)"))
    }

    @Test(arguments: [
        ("sweep: {model.hidden: []}", "must be a non-empty list"),
        ("sweep: {model.hidden: 4}", "must be a non-empty list"),
        ("sweep: {replicates: [1, 2]}", "'replicates' cannot be swept"),
        ("sweep: {model..hidden: [1]}", "is not a dotted path"),
        ("sweep: {model.hidden: [2, 3, 2.0]}", "lists 2 twice"),
        ("sweep: [model.hidden]", "sweep must be a mapping"),
    ])
    func malformedSweepsAreRejected(block: String, message: String) throws {
        let error = try #require(loadError(baseYAML + "\n" + block + "\n"))
        #expect(error.message.contains(message))
        guard case .file(_, 11, _) = error.origin else { Issue.record("not on line 11: \(error)"); return }
    }

    @Test func zipListsMayRepeatAValueButNotAPosition() throws {
        let ok = baseYAML + "\nzip:\n  model.activation: [tanh, tanh, relu]\n  model.hidden: [3, 5, 3]\n"
        let e = try Experiment(text: ok, source: "exp.yaml")
        #expect(e.points.map { "\($0.spec.model.activation.name) \($0.spec.model.hidden)" } == ["tanh 3", "tanh 5", "relu 3"])
        let same = baseYAML + "\nzip:\n  model.activation: [tanh, relu, tanh]\n  model.hidden: [3, 5, 3]\n"
        let error = try #require(loadError(same))
        #expect(error.message == "zip positions 1 and 3 are the same configuration (every zip list has equal values there)")
        #expect(error.origin == .file(path: "exp.yaml", line: 12, column: 34))   // the third value of the first zip list
    }

    @Test func shardsPartitionTheGrid() throws {
        let e = try Experiment(text: sweepYAML, source: "exp.yaml")
        let shards = (1...5).map { e.configurations(shard: Shard("\($0)/5")).map(\.runID) }
        let all = shards.flatMap { $0 }
        #expect(all.count == e.runCount && Set(all) == Set(e.configurations.map(\.runID)))
        #expect(shards.allSatisfy { !$0.isEmpty })
        #expect(Shard("0/3") == nil && Shard("4/3") == nil && Shard("x") == nil && Shard("2/3") == Shard("2/3"))
    }
}
