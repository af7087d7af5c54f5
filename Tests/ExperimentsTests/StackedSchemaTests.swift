import Testing
@testable import Sweeps
@testable import Lab

/// `model.layers` and `model.bidirectional`: defaults, sweeping, and a located error.
@Suite struct StackedSchemaTests {
    @Test func layersAndBidirectionalDefaultAndSweep() throws {
        let e = try Experiment(text: baseYAML, source: "exp.yaml")
        #expect(e.points[0].spec.model.layers == 1 && e.points[0].spec.model.bidirectional == false)
        let swept = try Experiment(text: baseYAML + "\nsweep:\n  model.layers: [1, 2, 4]\n  model.bidirectional: [false, true]\n", source: "exp.yaml")
        #expect(swept.points.map(\.spec.model.layers) == [1, 1, 2, 2, 4, 4])
        #expect(swept.points.map(\.spec.model.bidirectional) == [false, true, false, true, false, true])
    }

    @Test func zeroLayersIsLocated() throws {
        let error = try #require(loadError(edited("hidden: 4,", "hidden: 4, layers: 0,")))
        #expect(error.description.hasPrefix("exp.yaml:4:") && error.description.hasSuffix("model.layers: must be at least 1"))
    }
}
