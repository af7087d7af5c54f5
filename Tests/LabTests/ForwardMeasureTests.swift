import Sweeps
import Foundation
import Linalg
import Recurrent
import Diagnostics
import Testing
@testable import Lab

/// `measure: forward` in a gradient-flow experiment: the stored series equal a `ForwardDynamics` run
/// on the same model, inputs and h_0.
@Suite struct ForwardMeasureTests {
    static let text = """
    name: forward
    mode: gradient-flow
    seed: 5
    model: {cell: lstm, hidden: 6, input: 2}
    sequence: {length: 30, input: {kind: gaussian, std: 1.0}}
    measure: [grad_norm, forward]
    """

    @Test func storedSeriesMatchTheLibrary() throws {
        let e = try Experiment(text: Self.text, source: "forward.yaml")
        let c = try #require(e.configurations.first)
        var random = c.randomStream
        let result = try #require(ExecutorRegistry.standard[.gradientFlow]).run(c, &random)
        #expect(result.status == .ok)
        let hidden = result.series.filter { $0.metric == Metric.hiddenNorm.name }.sorted { $0.step < $1.step }
        #expect(hidden.count == 30 && hidden.first?.step == 1)
        let forget = result.series.filter { $0.metric == Metric.gateMean.name && $0.component == 1 }
        #expect(forget.count == 30 && forget.allSatisfy { $0.value > 0 && $0.value < 1 })
        #expect(result.summary[Metric.forwardRegime.name] != nil)
        // The same numbers from the library on the executor's model and streams.
        let m = try c.spec.makeModel(c.randomStream)
        let options = DiagnosisOptions(steps: 30, input: .gaussian(std: 1.0), initialState: c.spec.sequence.h0)
        let f = try ForwardDynamics(model: m, options: options, rng: c.randomStream.split("diagnosis"))
        for (p, v) in zip(hidden, f.hNorm) { #expect(p.value == v) }
    }

    @Test func stackedModelsAreRefused() throws {
        let e = try Experiment(text: Self.text, source: "forward.yaml", overrides: ["model.layers=2"])
        let c = try #require(e.configurations.first)
        var random = c.randomStream
        #expect(throws: (any Error).self) { _ = try #require(ExecutorRegistry.standard[.gradientFlow]).run(c, &random) }
    }
}
