import Foundation
import Testing
@testable import Sweeps
@testable import Lab

/// The lazy grid against the grid as it was materialised before (nested loops, replicates innermost),
/// and the located errors of grid points, base values and `--set` arguments.
@Suite struct LazyGridTests {
    static let experiments = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("experiments")

    /// (identity, replicate) of every configuration as the materialised grid listed them: the sweep lists
    /// nested with the last one innermost, then the zip positions, then the replicates.
    static func materialised<Spec>(_ e: Sweep<Spec>) -> [String] {
        var points: [[(String, String)]] = [[]]
        for axis in e.grid.product {
            points = points.flatMap { p in axis.values.map { p + [(axis.path, $0.canonical)] } }
        }
        let zipLength = e.grid.zip.first?.values.count ?? 1
        var out: [String] = []
        for p in points {
            for z in 0..<zipLength {
                let values = p + e.grid.zip.map { ($0.path, $0.values[z].canonical) }
                let identity = values.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
                for r in 0..<e.replicates { out.append("\(identity) r\(r)") }
            }
        }
        return out
    }

    static func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: experiments.path).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test func lazyConfigurationsFollowTheMaterialisedOrder() throws {
        let files = try Self.files()
        #expect(files.count >= 5)
        var sweeps = try files.map { try Experiment.load(path: Self.experiments.appendingPathComponent($0).path) }
        sweeps.append(try Experiment(text: sweepYAML, source: "exp.yaml"))
        for e in sweeps {
            let lazy = e.configurations
            #expect(lazy.count == e.runCount)
            let iterated = Array(lazy)
            #expect(iterated.map { "\($0.point.identity) r\($0.replicate)" } == Self.materialised(e), "\(e.source)")
            #expect(iterated.enumerated().allSatisfy { $0.element.point.index == $0.offset / e.replicates })
            // Random access decodes the same configuration as iteration.
            for k in [0, lazy.count / 2, lazy.count - 1] {
                #expect(lazy[k].runID == iterated[k].runID && lazy[k].point.index == iterated[k].point.index)
            }
            // Shards are the materialised list filtered by grid index.
            for shard in [Shard("1/3"), Shard("2/7")].compactMap({ $0 }) {
                #expect(e.configurations(shard: shard).map(\.runID)
                        == iterated.filter { $0.point.index % shard.count == shard.index - 1 }.map(\.runID))
            }
        }
    }

    @Test func aShardBeyondTheGridIsEmptyAndHugeShardCountsDoNotOverflow() throws {
        let e = try Experiment(text: sweepYAML, source: "exp.yaml")
        #expect(e.configurations(shard: Shard("13/20")).isEmpty)
        let last = try #require(Shard("\(Int.max)/\(Int.max)"))
        #expect(e.configurations(shard: last).isEmpty)
        #expect(e.configurations(shard: Shard("1/\(Int.max)")).map(\.point.index) == [0, 0])
    }

    // MARK: - Located errors

    @Test func aSweepIntoAMissingBlockIsLocatedAtTheSweepKey() throws {
        let e = try #require(loadError(edited("init:\n  weight_hh: {kind: gaussian, spectral_radius: 0.9}\n", "") + "\nsweep:\n  init.weight_hh.spectral_radius: [0.5, 1.0]"))
        #expect(e.origin == .file(path: "exp.yaml", line: 10, column: 3))
        #expect(e.message.hasPrefix("init.weight_hh: no kind given"))
        #expect(e.message.hasSuffix("(in configuration init.weight_hh.spectral_radius=0.5)"))
    }

    static let train = """
    name: t
    mode: train
    model: {hidden: 4}
    task: {name: adding-pascanu2013, length: 10}
    training: {iterations: 2}
    """

    @Test func aZippedThresholdWithoutAClippingBlockIsLocatedAtTheZipKey() throws {
        let e = try #require(loadError(Self.train + "\nzip:\n  clipping.threshold: [null, 1.0]"))
        #expect(e.description == "exp.yaml:7:3: clipping: clipping kind 'none' takes no threshold (in configuration clipping.threshold=1)")
    }

    @Test func aTaskMadeByASweepIsLocatedAtTheSweepKey() throws {
        let e = try #require(loadError(edited("task: {name: adding-pascanu2013, length: 10}\n", "", in: Self.train) + "\nsweep:\n  task.length: [10, 20]"))
        #expect(e.description == "exp.yaml:6:3: missing key 'name' in task (in configuration task.length=10)")
    }

    @Test func setErrorsPointAtTheArgument() throws {
        let choice = try #require(loadError(baseYAML, overrides: ["model.activation=tahn"]))
        #expect(choice.description == "--set model.activation=tahn: 'tahn' is not a valid model.activation: expected one of tanh, relu, sigmoid, linear, leaky-relu; did you mean 'tanh'?")
        let block = try #require(loadError(baseYAML, overrides: ["init.bias_hh.gain=2"]))
        #expect(block.origin == .override("init.bias_hh.gain=2"))
        #expect(block.message.hasPrefix("init.bias_hh: no kind given"))
        // A block-level error (Training checks the whole clipping block) points at the --set inside it.
        let clipping = try #require(loadError(Self.train + "\nclipping: {kind: global-norm, threshold: 1.0}", overrides: ["clipping.threshold=-1"]))
        #expect(clipping.origin == .override("clipping.threshold=-1"))
        // … before a swept value in the same block (the sweep sets init.weight_hh.spectral_radius).
        let initBlock = try #require(loadError(sweepYAML, overrides: ["init.weight_hh.gain=-1"]))
        #expect(initBlock.origin == .override("init.weight_hh.gain=-1"))
        #expect(initBlock.message.hasPrefix("init.weight_hh: gain must be positive, got -1.0"))
        // A --set that makes a swept key's parent a scalar: at the sweep key, naming the --set.
        let parent = try #require(loadError(sweepYAML, overrides: ["model=5"]))
        #expect(parent.origin == .file(path: "exp.yaml", line: 13, column: 3))
        #expect(parent.message == "cannot set 'model.activation': its parent is not a mapping ('model' is 5, at --set model=5)")
        // A sweep set by --set: the bad value is the argument's, and the configuration is named.
        let swept = try #require(loadError(baseYAML, overrides: ["sweep.model.activation=[tanh, tahn]"]))
        #expect(swept.origin == .override("sweep.model.activation=[tanh, tahn]"))
        #expect(swept.message.hasSuffix("(in configuration model.activation=tahn)"))
    }

    @Test func baseValuesAreCheckedWhenASweepReplacesThem() throws {
        let sweep = "\nsweep:\n  model.activation: [tanh, relu]"
        let e = try #require(loadError(edited("activation: tanh", "activation: tahn") + sweep))
        #expect(e.origin == .file(path: "exp.yaml", line: 4, column: 32))
        #expect(e.message == "'tahn' is not a valid model.activation: expected one of tanh, relu, sigmoid, linear, leaky-relu; did you mean 'tanh'? (a base value that sweep 'model.activation' at exp.yaml:12:3 replaces; it must be valid too)")
        let range = try #require(loadError(edited("hidden: 4", "hidden: -4") + "\nzip:\n  model.hidden: [3, 5]"))
        #expect(range.origin == .file(path: "exp.yaml", line: 4, column: 46))
        #expect(range.message.hasPrefix("model.hidden: must be at least 1 (a base value that zip 'model.hidden'"))
        // A base value that only fails with another swept value (clipping kind none + zipped thresholds)
        // is the combination's business, not the base value's.
        let zipped = Self.train + "\nclipping: {kind: none}\nzip:\n  clipping.kind: [global-norm, value]\n  clipping.threshold: [1.0, 0.5]"
        #expect(loadError(zipped) == nil)
    }
}
