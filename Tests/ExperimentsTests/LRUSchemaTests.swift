import Foundation
import Initializers
import Linalg
import Recurrent
import Testing
@testable import Sweeps
@testable import Lab

/// `model.cell: lru` in the schema: `init.lambda` (ring keys sweep like any other), its refusals with a
/// location, one unidirectional layer, and the model the factory builds.
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
        let stacked = try #require(loadError(edited("hidden: 4, input: 2}", "hidden: 4, input: 2, layers: 2}", in: Self.lru)))
        #expect(stacked.description.contains("model.layers: an lru model is one layer here"))
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
