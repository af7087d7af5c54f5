import Foundation
import Initializers
import Linalg
import Recurrent
import Testing
@testable import Sweeps
@testable import Lab

/// `model.cell: lru` in the schema: `init.lambda` (ring keys sweep like any other), its refusals with a
/// location, stacked and bidirectional lru models in gradient-flow, and the models the factory builds.
@Suite struct LRUSchemaTests {
    static let lru = edited("model: {cell: rnn, activation: tanh, hidden: 4, input: 2}\ninit:\n  weight_hh: {kind: gaussian, spectral_radius: 0.9}",
                            "model: {cell: lru, hidden: 4, input: 2}\ninit:\n  lambda: {kind: ring, r_min: 0.9, r_max: 0.99}")

    @Test func ringKeysSweepAndBuildTheModel() throws {
        let e = try Experiment(text: Self.lru + "\nsweep:\n  init.lambda.r_min: [0.5, 0.98]\n", source: "exp.yaml")
        #expect(e.points.map { $0.spec.initialization.lambda?.rMin } == [0.5, 0.98])
        let spec = e.points[1].spec
        let model = try spec.makeModel(RandomStream(seed: 3), headSize: 2)
        #expect(model.cell == .lru && model.hiddenSize == 8 && model.inputSize == 2 && model.outputSize == 2)
        let lam = model.lruParameters().rotation
        #expect((0..<4).allSatisfy { let r = hypot(lam[$0], lam[4 + $0]); return r >= 0.98 * (1 - 1e-14) && r <= 0.99 * (1 + 1e-14) })
    }

    @Test func refusalsAreLocated() throws {
        let badRing = try #require(loadError(edited("r_max: 0.99", "r_max: 1.5", in: Self.lru)))
        #expect(badRing.description.hasPrefix("exp.yaml:6:11: init.lambda: ring needs 0 ≤ r_min ≤ r_max < 1"))
        let onRNN = try #require(loadError(edited("{kind: gaussian, spectral_radius: 0.9}", "{kind: ring}")))
        #expect(onRNN.description.contains("init.weight_hh: kind 'ring' initialises an LRU's eigenvalues"))
        let lambdaOnRNN = try #require(loadError(baseYAML.replacingOccurrences(of: "  weight_hh:", with: "  lambda: {kind: ring}\n  weight_hh:")))
        #expect(lambdaOnRNN.description.contains("init.lambda: init.lambda sets an LRU's eigenvalues"))
        let weightOnLRU = try #require(loadError(Self.lru.replacingOccurrences(of: "  lambda:", with: "  weight_hh: {kind: orthogonal}\n  lambda:")))
        #expect(weightOnLRU.description.contains("init.weight_hh: an lru cell has no weight_hh"))
        // Stacked and bidirectional lru models load in gradient-flow (the depth × time lattice follows their read-outs).
        #expect(loadError(edited("hidden: 4, input: 2}", "hidden: 4, input: 2, layers: 2}", in: Self.lru)) == nil)
        #expect(loadError(edited("hidden: 4, input: 2}", "hidden: 4, input: 2, layers: 2, bidirectional: true}", in: Self.lru)) == nil)
        // A bidirectional stack doubles its width per layer: 2^17 > 65,536 is refused before anything is built.
        let wide = try #require(loadError(edited("hidden: 4, input: 2}", "hidden: 4, input: 2, layers: 18, bidirectional: true}", in: Self.lru)))
        #expect(wide.description.contains("model.layers: a bidirectional lru doubles its width per layer"))
    }

    /// The factory's stacked bidirectional LRU: every layer and direction from `init.lambda` (ring 0.9–0.99),
    /// layer ℓ reading D_ℓ = 2^ℓ·D, the head on the 2·D_{L−1} top read-outs; layer 0's forward tensors keep
    /// the single-layer stream, so adding layers leaves them unchanged.
    @Test func factoryBuildsStackedBidirectionalLRU() throws {
        var spec = try Experiment(text: Self.lru, source: "exp.yaml").points[0].spec
        let single = try spec.makeModel(RandomStream(seed: 5), headSize: 1)
        spec.model.layers = 3
        spec.model.bidirectional = true
        let model = try spec.makeModel(RandomStream(seed: 5), headSize: 1)
        #expect(model.layers == 3 && model.bidirectional && model.hiddenSize == 8)
        #expect((0..<3).map { model.lruWidth(layer: $0) } == [2, 4, 8] && model.topWidth == 16 && model.outputSize == 1)
        #expect(model.parameters.names == LRUName.stateDictOrder(layers: 3, bidirectional: true))
        for stem in LRUName.stems { #expect(model.parameters[LRUName.name(stem)] == single.parameters[LRUName.name(stem)]) }
        for l in 0..<3 {
            for r in [false, true] {
                let lam = model.lruParameters(layer: l, reverse: r).rotation
                #expect((0..<4).allSatisfy { let m = hypot(lam[$0], lam[4 + $0]); return m >= 0.9 * (1 - 1e-14) && m <= 0.99 * (1 + 1e-14) })
            }
        }
        #expect(model.lruParameters(layer: 1, reverse: true).nuLog != model.lruParameters(layer: 1).nuLog)
    }

    /// A zipped row may leave a parameter out with null (an lru row beside rnn rows).
    @Test func nullLeavesAZippedParameterOut() throws {
        let text = baseYAML + """

        zip:
          model.cell: [rnn, lru]
          init.weight_hh: [{kind: orthogonal}, null]
          init.lambda: [null, {kind: ring, r_min: 0.5}]
        """
        let e = try Experiment(text: text, source: "exp.yaml")
        #expect(e.points.count == 2)
        #expect(e.points[1].spec.initialization.weightHH == nil && e.points[1].spec.initialization.lambda?.rMin == 0.5)
        #expect(e.points[0].spec.initialization.lambda == nil)
    }
}
