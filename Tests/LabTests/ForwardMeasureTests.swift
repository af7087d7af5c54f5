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

    /// A stacked bidirectional model: every layer and direction is stored, and the top layer's series —
    /// built by running each unit on the outputs of the layer below, the backward one on the reversed
    /// sequence and re-aligned with time — equal ‖h_t‖ and ‖c_t‖ of the model's own stacked forward pass
    /// (Recurrent's `forward`, PyTorch's stacking: [fwd; bwd] at every t), to 1e-12.
    @Test func stackedBidirectionalModelsMatchTheModelsForwardPass() throws {
        let e = try Experiment(text: Self.text, source: "forward.yaml", overrides: ["model.layers=2", "model.bidirectional=true", "sequence.h0=gaussian"])
        let c = try #require(e.configurations.first)
        var random = c.randomStream
        let result = try #require(ExecutorRegistry.standard[.gradientFlow]).run(c, &random)
        #expect(result.status == .ok)
        let hidden = result.series.filter { $0.metric == Metric.hiddenNorm.name }
        #expect(hidden.count == 2 * 2 * 30)
        let m = try c.spec.makeModel(c.randomStream)
        let stacked = try StackedForward(model: m, options: DiagnosisOptions(steps: 30, input: .gaussian(std: 1.0), initialState: .gaussian),
                                         rng: c.randomStream.split("diagnosis"))
        // The same inputs and h_0 through the model's own forward pass.
        var inputRng = c.randomStream.split("diagnosis").split("inputs"), stateRng = c.randomStream.split("diagnosis").split("h0")
        let x = Matrix.inputSequence(steps: 30, size: 2, source: .gaussian(std: 1.0), rng: &inputRng)
        let s0 = (0..<4).flatMap { _ in makeInitialState(.gaussian, hiddenSize: 6, stateSize: 12, rng: &stateRng) }
        let pass = try m.forward(try SequenceBatch(steps: 30, batchSize: 1, featureSize: 2, timeMajor: x.elements), outputs: .all, initialState: s0)
        let cells = try #require(pass.cell)
        for (dir, direction) in ["forward", "reverse"].enumerated() {
            let unit = try #require(stacked.units.first { $0.layer == 1 && $0.reverse == (dir == 1) })
            let stored = hidden.filter { $0.layer == 1 && $0.direction == direction }.sorted { $0.step < $1.step }
            #expect(stored.count == 30)
            for t in 0..<30 {
                let h = (0..<6).map { pass.hidden[t * 12 + dir * 6 + $0] }, cNorm = (0..<6).map { cells[t * 12 + dir * 6 + $0] }
                let hNorm = h.reduce(0) { $0 + $1 * $1 }.squareRoot()
                #expect(abs(unit.dynamics.hNorm[t] - hNorm) <= 1e-12 * max(1, hNorm))
                #expect(abs(unit.dynamics.cNorm[t] - cNorm.reduce(0) { $0 + $1 * $1 }.squareRoot()) <= 1e-12)
                #expect(stored[t].step == t + 1 && stored[t].value == unit.dynamics.hNorm[t])
            }
        }
        #expect(result.summary[Metric.forwardRegime.name] != nil)
    }
}
