import Diagnostics
import Foundation
import Sweeps
import Testing
@testable import Lab

/// experiments/classic/transition-to-chaos.yaml on reduced grids: the autonomous bias-free tanh map
/// h_{t+1} = tanh(W h_t), W ~ N(0, g²/N), through the lyapunov executor the experiment uses.
@Suite struct TransitionToChaosTests {
    static let classicFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("experiments/classic/transition-to-chaos.yaml")

    /// (gain, λ_max, mean-field λ_max) of every configuration of the shipped file under `overrides`.
    static func run(_ overrides: [String]) throws -> [(gain: Double, lambda: Double, meanField: Double)] {
        let e = try Experiment.load(path: classicFile.path, overrides: overrides)
        return try e.configurations.map { c in
            var random = c.randomStream
            let r = try #require(ExecutorRegistry.standard[.lyapunov]).run(c, &random)
            #expect(r.status == .ok)
            return (try #require(c.spec.initialization.weightHH?.gain), try #require(r.summary["lambda_max"]?.number),
                    try #require(r.summary["mean_field_lambda_max"]?.number))
        }
    }

    /// Below g = 1 the map contracts to 0 (λ_max = ln ρ(W) < 0); above it is chaotic (λ_max > 0).
    /// N = 256, 3 replicates: every replicate has the sign.
    @Test func lambdaMaxChangesSignBetweenGain09And12() throws {
        let points = try Self.run(["zip.model.hidden=[256]", "zip.sequence.length=[2000]", "zip.diagnostics.transient=[500]", "sweep.init.weight_hh.gain=[0.9, 1.2]", "replicates=3"])
        #expect(points.count == 6)
        for p in points {
            if p.gain < 1 { #expect(p.lambda < -0.05, "g = \(p.gain): λ_max = \(p.lambda)") } else { #expect(p.lambda > 0, "g = \(p.gain): λ_max = \(p.lambda)") }
        }
    }

    /// N = 1024: within 0.02 nats/step of the mean-field λ_max (Theory.meanFieldTanh at g = ‖W‖_F/√N)
    /// at g = 2 (the experiment covers 1.5 and 3 too; one N = 1024 point keeps this test under ~20 s in
    /// debug); N = 256 at g ∈ {1.5, 3} with the same tolerance.
    @Test func lambdaMaxIsWithin002OfMeanField() throws {
        var points = try Self.run(["zip.model.hidden=[1024]", "zip.sequence.length=[400]", "zip.diagnostics.transient=[100]", "sweep.init.weight_hh.gain=[2.0]", "replicates=1"])
        points += try Self.run(["zip.model.hidden=[256]", "zip.sequence.length=[2000]", "zip.diagnostics.transient=[500]", "sweep.init.weight_hh.gain=[1.5, 3.0]", "replicates=1"])
        #expect(points.count == 3)
        for p in points {
            #expect(abs(p.lambda - p.meanField) < 0.02, "g = \(p.gain): λ_max = \(p.lambda), mean field \(p.meanField)")
            #expect(abs(p.meanField - Theory.meanFieldTanh(gain: p.gain).lambdaMax) < 0.01)
        }
    }
}
