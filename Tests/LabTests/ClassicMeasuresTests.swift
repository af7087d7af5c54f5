import Diagnostics
import Foundation
import Linalg
import Sweeps
import Testing
@testable import Lab
@testable import Recurrent

/// The gradient-flow measures of the gallery's diagnostics classics (Pascanu-bound gap, singular-value
/// spread, matrix powers, truncated BPTT), through the executor, against direct computations.
@Suite struct ClassicMeasuresTests {
    static func results(_ yaml: String, _ overrides: [String] = []) throws -> [(Configuration<ExperimentSpec>, ConfigurationResult)] {
        let e = try Experiment(text: yaml, source: "classic.yaml", overrides: overrides)
        return try e.configurations.map { c in
            var random = c.randomStream
            let r = try #require(ExecutorRegistry.standard[.gradientFlow]).run(c, &random)
            #expect(r.status == .ok)
            return (c, r)
        }
    }

    static func series(_ r: ConfigurationResult, _ m: Metric) -> [(step: Int, value: Double)] {
        r.series.filter { $0.metric == m.name }.map { ($0.step, $0.value) }
    }

    static let pascanu = """
    name: pascanu
    mode: gradient-flow
    seed: 5
    model: {cell: rnn, activation: tanh, hidden: 12, input: 3}
    init:
      weight_hh: {kind: gaussian, spectral_radius: 1.0}
      weight_ih: {kind: xavier-uniform}
    sequence: {length: 40, input: {kind: gaussian, std: 1.0}, h0: gaussian}
    measure: [jacobian_norm]
    diagnostics: {lags: all}
    sweep:
      model.activation: [tanh, sigmoid, relu, linear]
      init.weight_hh.spectral_radius: [0.5, 1.0, 1.5, 3.0]
    """

    /// The bound is a theorem: every measured norm is at or below it (all activations, four radii), the
    /// stored minimum gap is the minimum over lags of the stored series, and a linear cell with an
    /// orthogonal W_hh (normal, all φ' = γ = 1) meets it with equality at every lag.
    @Test func measuredNormsNeverExceedThePascanuBound() throws {
        for (c, r) in try Self.results(Self.pascanu) {
            let measured = Dictionary(uniqueKeysWithValues: Self.series(r, .jacobianNormLog10).map { ($0.step, $0.value) })
            let bound = Self.series(r, .pascanuBoundLog10)
            #expect(bound.count == 41)
            var gaps: [Double] = []
            for (k, b) in bound where k >= 1 {
                let m = try #require(measured[k])
                #expect(m <= b + 1e-10, "\(c.runID): lag \(k): measured 10^\(m) above the bound 10^\(b)")
                gaps.append(b - m)
            }
            let stored = try #require(r.summary[Metric.boundGapMinLog10]?.number)
            #expect(abs(stored - (gaps.min() ?? .nan)) < 1e-12)
            #expect(abs((r.summary[Metric.boundGapLastLog10]?.number ?? .nan) - (gaps.last ?? .nan)) < 1e-12)
            #expect(stored >= -1e-10)
        }
        for (_, r) in try Self.results(Self.pascanu, ["init.weight_hh.kind=orthogonal", "sweep.model.activation=[linear]"]) {
            #expect(abs(r.summary[Metric.boundGapMinLog10]?.number ?? .nan) < 1e-9)
            #expect(abs(r.summary[Metric.boundGapLastLog10]?.number ?? .nan) < 1e-9)
        }
    }

    static let linearPowers = """
    name: powers
    mode: gradient-flow
    seed: 7
    model: {cell: rnn, activation: linear, hidden: 10, input: 2}
    init:
      weight_hh: {kind: chain, gain: 2.0, diagonal: 0.8}
      weight_ih: {kind: xavier-uniform}
    sequence: {length: 60, input: {kind: gaussian, std: 1.0}}
    measure: [jacobian_norm, matrix_power, singular_spread]
    diagnostics: {lags: all, singular_value_lags: [1, 5, 20, 60]}
    sweep:
      init.weight_hh: [{kind: chain, gain: 2.0, diagonal: 0.8}, {kind: schur, eigenvalue_moduli: 0.9, off_diagonal: 4.0}, {kind: gaussian, gain: 1.0}]
    """

    /// ‖W^k‖₂ against dense powers and a plain SVD (the values stay far from over- and underflow here);
    /// the peak and its lag against the same; for a linear cell ∂h_T/∂h_{T−k} = W^k, so the Jacobian
    /// norms equal the matrix powers. The non-normal kinds grow before they decay although ρ < 1.
    @Test func matrixPowerNormsEqualDensePowers() throws {
        for (c, r) in try Self.results(Self.linearPowers) {
            let w = try c.spec.makeModel(c.randomStream).cellWeights.hiddenWeight
            let stored = Self.series(r, .matrixPowerNormLog10)
            #expect(stored.count == 61)
            var p = Matrix.identity(w.rows), direct: [Double] = []
            for k in 0...60 {
                if k > 0 { p = try matmul(w, p) }
                direct.append(Foundation.log10(try p.spectralNorm()))
                #expect(abs(stored[k].value - direct[k]) < 1e-10, "\(c.runID) lag \(k)")
            }
            let jac = Dictionary(uniqueKeysWithValues: Self.series(r, .jacobianNormLog10).map { ($0.step, $0.value) })
            for (k, v) in stored { #expect(abs((jac[k] ?? .nan) - v) < 1e-9) }
            let peak = try #require(direct.indices.max { direct[$0] < direct[$1] })
            #expect(r.summary[Metric.peakLag] == .integer(Int64(peak)))
            let peakNorm = try #require(r.summary[Metric.peakMatrixPowerNorm]?.number)
            #expect(abs(peakNorm / Foundation.pow(10, direct[peak]) - 1) < 1e-10)
            if c.spec.initialization.weightHH?.kind != .gaussian {
                #expect(try w.spectralRadius() < 1)
                #expect(peakNorm > 10 && peak > 1, "\(c.runID): transient growth")
            }
        }
    }

    /// Spread and kept directions against a plain SVD of the formed product W^k (linear cell), where
    /// that SVD resolves the median singular value.
    @Test func singularSpreadMatchesADirectSVD() throws {
        for (c, r) in try Self.results(Self.linearPowers, ["sweep.init.weight_hh=[{kind: gaussian, gain: 1.0}, {kind: orthogonal}]"]) {
            let w = try c.spec.makeModel(c.randomStream).cellWeights.hiddenWeight
            let spread = Self.series(r, .singularSpreadLog10), kept = Self.series(r, .singularKeptFraction)
            #expect(spread.map(\.step) == [1, 5, 20, 60] && kept.map(\.step) == [1, 5, 20, 60])
            for (i, k) in [1, 5, 20, 60].enumerated() {
                var p = Matrix.identity(w.rows)
                for _ in 0..<k { p = try matmul(w, p) }
                let s = try p.singularValues().map { Foundation.log10($0) }.sorted(by: >)
                let median = (s[4] + s[5]) / 2
                // A formed product resolves σ_i only to about 1e-16·σ_max: compare the spread where the median
                // lies less than 6 decades down (the Gaussian product at k = 60 spreads ~13 decades; the
                // graded factorisation is checked against 200-digit products in ProductSingularValuesTests).
                let resolved = s[0] - median < 6
                if resolved { #expect(abs(spread[i].value - (s[0] - median)) < 1e-8, "\(c.runID) lag \(k)") }
                #expect(kept[i].value == Double(s.filter { $0 >= s[0] - 2 }.count) / 10)
                if k == 60 {
                    if resolved { #expect(abs((r.summary[Metric.finalSingularSpreadLog10]?.number ?? .nan) - (s[0] - median)) < 1e-8) }
                    #expect(r.summary[Metric.finalSingularKept] == .integer(Int64(s.filter { $0 >= s[0] - 2 }.count)))
                }
            }
            if c.spec.initialization.weightHH?.kind == .orthogonal { for p in spread { #expect(abs(p.value) < 1e-10) } }
        }
    }

    static let truncation = """
    name: truncation
    mode: gradient-flow
    seed: 11
    model: {cell: rnn, activation: tanh, hidden: 8, input: 3}
    init:
      weight_hh: {kind: orthogonal, spectral_radius: 0.8}
      weight_ih: {kind: xavier-uniform}
    sequence: {length: 25, input: {kind: gaussian, std: 1.0}, h0: gaussian}
    measure: [truncation]
    diagnostics: {truncation: [1, 3, 10, 24, 25, 40]}
    sweep:
      init.weight_hh.spectral_radius: [0.8, 1.6]
    """

    /// k ≥ T is the full gradient exactly (cosine 1, ratio 1); for k < T the cosine and ratio equal a
    /// direct computation: with the loss at T only, BPTT through the last k steps is the sum of the last
    /// k of the full BPTT's per-step terms (∂L/∂z_t)·h_{t−1}ᵀ, t = T − k + 1 … T.
    @Test func truncatedGradientAgainstFullAndDirect() throws {
        for (c, r) in try Self.results(Self.truncation) {
            let cos = Dictionary(uniqueKeysWithValues: Self.series(r, .truncatedCosine).map { ($0.step, $0.value) })
            let ratio = Dictionary(uniqueKeysWithValues: Self.series(r, .truncatedNormRatio).map { ($0.step, $0.value) })
            #expect(cos.keys.sorted() == [1, 3, 10, 24, 25, 40])
            for k in [25, 40] {
                #expect(abs((cos[k] ?? .nan) - 1) < 1e-14 && abs((ratio[k] ?? .nan) - 1) < 1e-14)
            }
            // The direct computation, on the sequence Diagnosis draws.
            let m = try c.spec.makeModel(c.randomStream)
            let d = c.randomStream.split("diagnosis")
            var xr = d.split("inputs"), hr = d.split("h0"), ar = d.split("adjoint")
            let x = Matrix.inputSequence(steps: 25, size: 3, source: .gaussian(std: 1), rng: &xr)
            let s0 = makeInitialState(.gaussian, hiddenSize: 8, stateSize: 8, rng: &hr)
            var a = ar.normals(8)
            scal(1 / nrm2(a), &a)
            let inputs = try SequenceBatch(steps: 25, batchSize: 1, featureSize: 3, timeMajor: x.elements)
            let objective = Objective.adjoint(try SequenceBatch(steps: 1, batchSize: 1, featureSize: 8, timeMajor: a))
            let index = try #require(m.parameters.index(of: ParameterName.weightHH))
            let g = try m.gradients(inputs, outputs: .last, objective: objective, initialState: s0)
            let full = g.parameters.tensors[index].elements
            for k in [1, 3, 10, 24] {
                var sum = [Double](repeating: 0, count: 64)
                for t in (25 - k + 1)...25 {
                    let dz = g.hiddenPreactivations[(t - 1) * 8..<t * 8].map { $0 }
                    let previous = t == 1 ? s0 : Array(g.forward.hidden[(t - 2) * 8..<(t - 1) * 8])
                    for i in 0..<8 { for j in 0..<8 { sum[i * 8 + j] += dz[i] * previous[j] } }
                }
                let cosine = try dot(sum, full) / (nrm2(sum) * nrm2(full))
                #expect(abs((cos[k] ?? .nan) - cosine) < 1e-12, "\(c.runID) k = \(k)")
                #expect(abs((ratio[k] ?? .nan) / (nrm2(sum) / nrm2(full)) - 1) < 1e-12)
            }
        }
    }
}
