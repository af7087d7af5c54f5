import Testing
import Foundation
import Linalg
import Recurrent
@testable import Diagnostics

/// Automatic re-orthonormalisation blocks and the compact frame (`ReorthonormalizationInterval`,
/// `LyapunovFrame`) against the previous method, QR every step with Q formed by dorgqr: in exact
/// arithmetic every grouping of the steps gives the same Σ log|r_ii|, so the oracle is the same
/// estimate computed step by step, and the differences must be round-off.
@Suite("Lyapunov: automatic intervals and the compact frame")
struct LyapunovIntervalTests {
    /// Householder QR every step with Q formed (dgeqrf + dorgqr + dgemm), the method GradLab used before
    /// (the defaults under test use one CholeskyQR pass).
    func previousMethod(_ o: LyapunovOptions) -> LyapunovOptions {
        var p = o
        p.interval = .every(1)
        p.qrMethod = .householder
        p.compactFrame = false
        return p
    }

    /// A chaotic tanh map (H = 32, g = 2): automatic blocks agree with QR every step to 1e-11 per
    /// exponent, for the full spectrum (compact frame), K = 20 (compact, 2K ≥ S) and K = 5 (Q formed;
    /// there the blocks are long: fewer than half as many factorisations).
    @Test(arguments: [32, 20, 5])
    func automaticBlocksMatchEveryStep(count k: Int) throws {
        let h = 32, steps = 2000, transient = 100
        let map = TestMap(w: gaussianWeight(h, gain: 2.0, seed: 9), u: Matrix(rows: h, cols: 1), phi: .tanh)
        let o = LyapunovOptions(count: k, steps: steps, transient: transient)
        #expect(o.interval == .automatic)
        var r1 = RandomStream(seed: 3), r2 = r1
        let auto = try LyapunovSpectrum(map: map, options: o, rng: &r1)
        let reference = try LyapunovSpectrum(map: map, options: previousMethod(o), rng: &r2)
        #expect(auto.measuredSteps == steps && reference.measuredSteps == steps)
        #expect(reference.qrFactorizations == steps + transient)
        if k == 5 {   // λ_1 − λ_5 is small: long blocks
            #expect(auto.longestBlock > 1)
            #expect(auto.qrFactorizations * 2 < steps + transient, "\(auto.qrFactorizations) factorisations, longest block \(auto.longestBlock)")
        }
        for (a, b) in zip(auto.exponents, reference.exponents) { #expect(abs(a - b) < 1e-11, "\(a) vs \(b)") }
        #expect(abs(auto.exponents.reduce(0, +) - reference.exponents.reduce(0, +)) < 1e-11)
    }

    /// QR every step with the compact frame (dgeqrf + dormqr, Q never formed) against Q formed.
    @Test func compactFrameMatchesFormedQ() throws {
        let h = 24
        let map = TestMap(w: gaussianWeight(h, gain: 1.5, seed: 31), u: Matrix(rows: h, cols: 1), phi: .tanh)
        var o = LyapunovOptions(count: h, steps: 500, transient: 20, reorthonormalizeEvery: 1)
        o.qrMethod = .householder       // the compact frame is Householder's
        o.compactFrameMinimumSize = 0   // exercise the compact frame at this small S
        var r1 = RandomStream(seed: 5), r2 = r1
        let compact = try LyapunovSpectrum(map: map, options: o, rng: &r1)
        o.compactFrame = false
        let formed = try LyapunovSpectrum(map: map, options: o, rng: &r2)
        for (a, b) in zip(compact.exponents, formed.exponents) { #expect(abs(a - b) < 1e-12, "\(a) vs \(b)") }
    }

    /// The map and drive of the guard's test: tanh, H = 8, g = 1.2, a 50-step input cycle that is 0 for
    /// 46 steps and then pushes units 0–3 to pre-activations ≈ 9 for 4 steps (tanh′ ≈ 6·10⁻⁸): in
    /// those steps four directions contract by ~10⁷ per step, so a block that reaches them has
    /// min|r_ii|/‖Y‖_F far below τ = 10⁻³.
    func saturatedMap() -> (map: TestMap, inputs: Matrix, start: [Double]) {
        let h = 8
        var u = Matrix(rows: h, cols: 1)
        for i in 0..<4 { u[i, 0] = 1 }
        var x = Matrix(rows: 50, cols: 1)
        for t in 46..<50 { x[t, 0] = 9 }
        var rng = RandomStream(seed: 41)
        return (TestMap(w: gaussianWeight(h, gain: 1.2, seed: 40), u: u, phi: .tanh), x, rng.normals(h))
    }

    /// An ill-conditioned case: the planned blocks run into the saturated steps, the guard refuses them
    /// and they are redone one step at a time — and the exponents still equal QR every step within the
    /// run's own round-off sensitivity (the difference between two roundings of QR every step, Q compact
    /// and Q formed: 3·10⁻¹⁰ here, where the saturated directions' exponents lie close together; the
    /// automatic blocks differ by at most 2.5·10⁻¹⁰; allowed 1e-11 + twice the sensitivity), and Σλ the
    /// trajectory's mean ln|det J_t| (1e-8), as QR every step does. Unguarded blocks of 16
    /// (`.every(16)`) on the same run are off by more than 10⁻³: the guard is what keeps the accuracy.
    @Test func illConditionedBlocksAreRedoneStepByStep() throws {
        let (map, inputs, start) = saturatedMap()
        let h = 8, steps = 1000, transient = 100
        var o = LyapunovOptions(count: h, steps: steps, transient: transient)
        o.inputs = inputs
        o.start = start
        var r1 = RandomStream(seed: 1), r2 = r1, r3 = r1, r4 = r1
        let auto = try LyapunovSpectrum(map: map, options: o, rng: &r1)
        let reference = try LyapunovSpectrum(map: map, options: previousMethod(o), rng: &r2)
        #expect(auto.rejectedBlocks >= 10, "\(auto.rejectedBlocks) refused blocks")
        #expect(auto.longestBlock > 1, "\(auto.qrFactorizations) factorisations")
        #expect(auto.negativeInfiniteCount == 0)
        // The run's own round-off sensitivity: QR every step with Q compact against Q formed (the same
        // method, different rounding).
        var everyStep = o
        everyStep.interval = .every(1)
        everyStep.qrMethod = .householder
        everyStep.compactFrameMinimumSize = 0
        let compact = try LyapunovSpectrum(map: map, options: everyStep, rng: &r4)
        let noise = zip(compact.exponents, reference.exponents).map { abs($0 - $1) }.max() ?? 0
        #expect(noise < 1e-9)
        for (a, b) in zip(auto.exponents, reference.exponents) { #expect(abs(a - b) < 1e-11 + 2 * noise, "\(a) vs \(b); round-off sensitivity \(noise)") }

        // Σλ against the mean ln|det J_t| of the same trajectory.
        var state = start, next = start, ws = map.makeWorkspace(), jac = Matrix(rows: h, cols: h), sum = 0.0
        for t in 1...(transient + steps) {
            let x = [inputs[(t - 1) % inputs.rows, 0]]
            jac.withUnsafeMutableBufferPointer { map.jacobian(state, x, into: $0.baseAddress!, workspace: &ws) }
            if t > transient { sum += try jac.logAbsDeterminant().logAbs }
            map.step(state, x, into: &next, workspace: &ws)
            swap(&state, &next)
        }
        #expect(abs(auto.exponents.reduce(0, +) - sum / Double(steps)) < 1e-8)

        var unguarded = o
        unguarded.interval = .every(16)
        let blocks = try LyapunovSpectrum(map: map, options: unguarded, rng: &r3)
        let error = zip(blocks.exponents, reference.exponents).map { abs($0 - $1) }.max() ?? 0
        #expect(error > 1e-3, "unguarded blocks of 16: max |Δλ| = \(error)")
    }

    /// A state that becomes non-finite inside an automatic block: the block's finite steps are measured
    /// one by one, so the run reports what QR every step reports (the same step, the same exponents to
    /// round-off). A linear map with gain 40 overflows after ≈ 190 steps.
    @Test func nonfiniteStateInsideABlockKeepsTheFiniteSteps() throws {
        let h = 4
        let map = TestMap(w: try orthogonalWeight(h, seed: 3).scaled(by: 40), u: Matrix(rows: h, cols: 1), phi: .linear)
        let o = LyapunovOptions(count: h, steps: 1000, transient: 0)
        var r1 = RandomStream(seed: 2), r2 = r1
        let auto = try LyapunovSpectrum(map: map, options: o, rng: &r1)
        let reference = try LyapunovSpectrum(map: map, options: previousMethod(o), rng: &r2)
        let bad = try #require(reference.nonfiniteStep)
        #expect(auto.nonfiniteStep == bad)
        #expect(auto.measuredSteps == reference.measuredSteps && auto.measuredSteps == bad - 1)
        for (a, b) in zip(auto.exponents, reference.exponents) { #expect(abs(a - b) < 1e-11, "\(a) vs \(b)") }
    }

    /// The planning rule: −log ρ per step sets the block so that ρ ≈ τ^{3/4}; growth of ‖Y‖ caps it;
    /// non-finite or zero ρ gives 1; the cap is `maximumBlock`.
    @Test func plannedBlockLengths() {
        typealias I = ReorthonormalizationInterval
        let k = 4, norm = 2.0   // ‖Y‖_F = √K: no growth
        #expect(I.plannedBlock(rho: 1, norm: norm, columns: k, steps: 1) == I.maximumBlock)
        // −log ρ = 1 per step: ¾·log(10³)/1 = 5.18 → 5; 0.5 per step → 10.36 → 10; 3 per step → 1.
        #expect(I.plannedBlock(rho: exp(-1), norm: norm, columns: k, steps: 1) == 5)
        #expect(I.plannedBlock(rho: exp(-2), norm: norm, columns: k, steps: 4) == 10)
        #expect(I.plannedBlock(rho: exp(-6), norm: norm, columns: k, steps: 2) == 1)
        #expect(I.plannedBlock(rho: 1e-12, norm: norm, columns: k, steps: 1) == 1)
        #expect(I.plannedBlock(rho: .nan, norm: norm, columns: k, steps: 4) == 1)
        #expect(I.plannedBlock(rho: 0, norm: norm, columns: k, steps: 4) == 1)
        // ‖Y‖ growing by e^{60} per step: 300/60 = 5 steps.
        #expect(I.plannedBlock(rho: 0.5, norm: norm * exp(120), columns: k, steps: 2) == 5)
    }
}
