import Testing
import Foundation
import ComplexModule
import Linalg
import Recurrent
@testable import Diagnostics

@Suite("Lyapunov spectra and theory")
struct LyapunovTests {
    @Test func orthogonalLinearHasZeroExponents() throws {
        let h = 12
        let map = TestMap(w: try orthogonalWeight(h, seed: 4), u: Matrix(rows: h, cols: 1), phi: .linear)
        var rng = RandomStream(seed: 1)
        let spectrum = try LyapunovSpectrum(map: map, options: .init(count: h, steps: 500, transient: 10, initialState: .zeros), rng: &rng)
        #expect(spectrum.exponents.count == h)
        #expect(spectrum.exponents.allSatisfy { abs($0) < 1e-10 })
    }

    /// CholeskyQR2 and Householder (the default) give the same exponents to round-off on a chaotic
    /// tanh map (H = 32, g = 2; no fallback needed), full and partial spectra.
    @Test(arguments: [32, 5])
    func choleskyQR2MatchesHouseholder(count k: Int) throws {
        let h = 32
        let map = TestMap(w: gaussianWeight(h, gain: 2.0, seed: 9), u: Matrix(rows: h, cols: 1), phi: .tanh)
        var o = LyapunovOptions(count: k, steps: 2000, transient: 100)
        o.qrMethod = .choleskyQR2
        var r1 = RandomStream(seed: 3), r2 = r1
        let fast = try LyapunovSpectrum(map: map, options: o, rng: &r1)
        o.qrMethod = .householder
        let reference = try LyapunovSpectrum(map: map, options: o, rng: &r2)
        #expect(fast.qrFallbacks == 0 && reference.qrFallbacks == 0)
        for (a, b) in zip(fast.exponents, reference.exponents) { #expect(abs(a - b) < 1e-10, "\(a) vs \(b)") }
        #expect(abs(fast.exponents.reduce(0, +) - reference.exponents.reduce(0, +)) < 1e-11)
    }

    /// An exactly singular Jacobian every step (a linear map whose W has a zero row): the guards of
    /// CholeskyQR2 and of one CholeskyQR pass refuse every factorisation, so the run is Householder's
    /// with Q formed (what the fallback computes), −∞ included — bit for bit with CholeskyQR2, and to the
    /// one pass's opening/closing correction (≈ u per run: 1e-13) with it; the automatic interval stays
    /// at one step (every block's min|r_ii|/‖Y‖_F is round-off).
    @Test(arguments: [QRMethod.choleskyQR2, .choleskyQR])
    func singularFactorsTakeTheHouseholderFallback(method: QRMethod) throws {
        let h = 6
        var w = gaussianWeight(h, gain: 0.9, seed: 12)
        for b in 0..<h { w[0, b] = 0 }
        let map = TestMap(w: w, u: Matrix(rows: h, cols: 1), phi: .linear)
        var o = LyapunovOptions(count: h, steps: 200, transient: 0)
        o.qrMethod = method
        var r1 = RandomStream(seed: 4), r2 = r1
        let fast = try LyapunovSpectrum(map: map, options: o, rng: &r1)
        o.qrMethod = .householder
        o.compactFrame = false
        let reference = try LyapunovSpectrum(map: map, options: o, rng: &r2)
        #expect(fast.qrFallbacks == 200)
        #expect(fast.longestBlock == 1 && fast.rejectedBlocks == 0)
        #expect(fast.negativeInfiniteCount == 1 && fast.singularSteps == reference.singularSteps)
        if method == .choleskyQR2 { #expect(fast.exponents == reference.exponents) }
        for (a, b) in zip(fast.exponents, reference.exponents) { #expect(a == b || abs(a - b) < 1e-13, "\(a) vs \(b)") }
    }

    /// One CholeskyQR pass (the default) and Householder give the same exponents to round-off on a
    /// chaotic tanh map (H = 32, g = 2), full and partial spectra, without a fallback.
    @Test(arguments: [32, 5])
    func onePassCholeskyQRMatchesHouseholder(count k: Int) throws {
        let h = 32
        let map = TestMap(w: gaussianWeight(h, gain: 2.0, seed: 9), u: Matrix(rows: h, cols: 1), phi: .tanh)
        var o = LyapunovOptions(count: k, steps: 2000, transient: 100)
        #expect(o.qrMethod == .choleskyQR)
        var r1 = RandomStream(seed: 3), r2 = r1
        let fast = try LyapunovSpectrum(map: map, options: o, rng: &r1)
        o.qrMethod = .householder
        let reference = try LyapunovSpectrum(map: map, options: o, rng: &r2)
        #expect(fast.qrFallbacks == 0)
        for (a, b) in zip(fast.exponents, reference.exponents) { #expect(abs(a - b) < 1e-10, "\(a) vs \(b)") }
        #expect(abs(fast.exponents.reduce(0, +) - reference.exponents.reduce(0, +)) < 1e-11)
    }

    /// The benchmark's kind of map at N = 128 (x ↦ tanh(W x), g = 1.5: a spread of ≈ 5 nats per step, so
    /// the automatic blocks stay at one step and one pass leaves QᵀQ − I ≈ 10⁻⁸): the exponents equal
    /// Householder's to 1e-11 and Σλ the mean ln|det J_t| to 1e-10.
    @Test func onePassCholeskyQRKeepsTheSpreadSpectrumOfAWideMap() throws {
        let h = 128, steps = 200, transient = 20
        let map = TestMap(w: gaussianWeight(h, gain: 1.5, seed: 21), u: Matrix(rows: h, cols: 1), phi: .tanh)
        var o = LyapunovOptions(count: h, steps: steps, transient: transient)
        var r1 = RandomStream(seed: 7), r2 = r1
        let replay = r1
        let fast = try LyapunovSpectrum(map: map, options: o, rng: &r1)
        o.qrMethod = .householder
        let reference = try LyapunovSpectrum(map: map, options: o, rng: &r2)
        #expect(fast.qrFactorizations == steps + transient && fast.qrFallbacks < 10)
        let spread = try #require(fast.exponents.first) - (try #require(fast.exponents.last))
        #expect(spread > 3, "λ_1 − λ_K = \(spread)")
        for (a, b) in zip(fast.exponents, reference.exponents) { #expect(abs(a - b) < 1e-11, "\(a) vs \(b)") }
        let mean = try meanLogAbsDeterminant(map, rng: replay, transient: transient, steps: steps)
        #expect(abs(fast.exponents.reduce(0, +) - mean) < 1e-10)
    }

    /// The opening and closing correction (log r̃_ii of Q = Q̃·R̃ where the measurement starts and ends):
    /// a linear map with singular values over 5 decades (κ = 10⁵ per step: one pass is accepted, ω ≈
    /// 5·10⁻⁵, and its Q is orthonormal only to ≈ 10⁻⁸) measured over 5 steps, after 0 and 3 transient
    /// steps. Without the correction the exponents would be off by ≈ (QᵀQ − I)/T ≈ 3·10⁻⁹ and 10⁻⁸ (a
    /// NumPy replica); with it they equal Householder's (Q formed, every step) to 1e-10 (the replica:
    /// 8·10⁻¹³).
    @Test(arguments: [0, 3])
    func onePassCholeskyQRTelescopesOverShortRuns(transient: Int) throws {
        let h = 16
        let u = try orthogonalWeight(h, seed: 51), v = try orthogonalWeight(h, seed: 52)
        var us = u
        for j in 0..<h { let s = Foundation.pow(10, -5 * Double(j) / Double(h - 1)); for i in 0..<h { us[i, j] *= s } }
        let map = TestMap(w: try matmul(us, v, transB: .transpose), u: Matrix(rows: h, cols: 1), phi: .linear)
        var o = LyapunovOptions(count: h, steps: 5, transient: transient, initialState: .zeros)
        var r1 = RandomStream(seed: 8), r2 = r1
        let fast = try LyapunovSpectrum(map: map, options: o, rng: &r1)
        o.qrMethod = .householder
        o.interval = .every(1)
        o.compactFrame = false
        let reference = try LyapunovSpectrum(map: map, options: o, rng: &r2)
        #expect(fast.qrFallbacks == 0 && fast.qrFactorizations == transient + 5)
        for (a, b) in zip(fast.exponents, reference.exponents) { #expect(abs(a - b) < 1e-10, "\(a) vs \(b)") }
    }

    /// A linear map's Lyapunov spectrum is the sorted ln|λ_i(W)|.
    @Test func linearSpectrumIsLogEigenvalueModuli() throws {
        let h = 6
        let w = gaussianWeight(h, gain: 1.2, seed: 17)
        let expected = try w.eigenvalues().map { Foundation.log($0.length) }.sorted(by: >)
        let map = TestMap(w: w, u: Matrix(rows: h, cols: 1), phi: .linear)
        var rng = RandomStream(seed: 2)
        let spectrum = try LyapunovSpectrum(map: map, options: .init(count: h, steps: 20_000, transient: 0, initialState: .zeros), rng: &rng)
        for (got, want) in zip(spectrum.exponents, expected) { #expect(abs(got - want) < 1e-3, "\(got) vs \(want)") }
    }

    /// With K = S and QR every step, Σλ_i = (1/T)·Σ_t ln|det J_t| along the same trajectory.
    @Test func exponentSumIsMeanLogDeterminant() throws {
        let h = 8, steps = 400, transient = 50
        let w = gaussianWeight(h, gain: 2.0, seed: 5)
        let map = TestMap(w: w, u: Matrix(rows: h, cols: 1), phi: .tanh)
        var rng = RandomStream(seed: 6)
        let replay = rng
        let spectrum = try LyapunovSpectrum(map: map, options: .init(count: h, steps: steps, transient: transient), rng: &rng)
        let mean = try meanLogAbsDeterminant(map, rng: replay, transient: transient, steps: steps)
        #expect(abs(spectrum.exponents.reduce(0, +) - mean) < 1e-8)
    }

    /// (1/T)·Σ_t ln|det J_t| over the measured steps of the autonomous trajectory from the Gaussian s_0
    /// that `rng` draws first (as `LyapunovSpectrum` does).
    func meanLogAbsDeterminant(_ map: TestMap, rng: RandomStream, transient: Int, steps: Int) throws -> Double {
        var replay = rng
        let h = map.stateSize
        var state = makeInitialState(.gaussian, hiddenSize: h, stateSize: h, rng: &replay)
        var ws = map.makeWorkspace()
        var next = state, jac = Matrix(rows: h, cols: h)
        var sum = 0.0
        let x = [0.0]
        for t in 1...(transient + steps) {
            jac.withUnsafeMutableBufferPointer { map.jacobian(state, x, into: $0.baseAddress!, workspace: &ws) }
            if t > transient { sum += try jac.logAbsDeterminant().logAbs }
            map.step(state, x, into: &next, workspace: &ws)
            swap(&state, &next)
        }
        return sum / Double(steps)
    }

    /// Two independent algorithms on one trajectory: Benettin's QR (Lyapunov exponents) and the graded
    /// singular spectrum of ∂h_T/∂h_{T−k} (BackwardFlow), (ln σ_i)/k → λ_i. Chaotic tanh, H = 12, g = 2,
    /// k = 4000: the smallest σ lies near 10^−3000, far below what a formed product could hold.
    @Test func singularExponentsOfALongProductMatchTheLyapunovSpectrum() throws {
        let h = 12, k = 4000
        let map = TestMap(w: gaussianWeight(h, gain: 2.0, seed: 21), u: Matrix(rows: h, cols: 1), phi: .tanh)
        var rng = RandomStream(seed: 8)
        // Start on the attractor: 300 transient steps from a random state.
        let warm = try Trajectory(map: map, initialState: rng.normals(h), inputs: Matrix(rows: 300, cols: 1))
        let start = (0..<h).map { warm.states[300, $0] }
        let trajectory = try Trajectory(map: map, initialState: start, inputs: Matrix(rows: k, cols: 1))
        let flow = try BackwardFlow(map: map, trajectory: trajectory, options: .init(jacobianLags: nil, singularValueLags: [k]))
        let rates = try #require(flow.singularValuesLog10[k]).map { $0 * Foundation.log(10.0) / Double(k) }
        var options = LyapunovOptions(count: h, steps: k, transient: 0)
        options.start = start
        let lyapunov = try LyapunovSpectrum(map: map, options: options, rng: &rng).exponents
        #expect(try #require(flow.singularValuesLog10[k]).last! < -1000)
        for (r, l) in zip(rates, lyapunov) { #expect(abs(r - l) < 5e-3, "(ln σ)/k = \(r), λ = \(l)") }
    }

    /// Chaotic tanh networks: λ_max matches the mean-field prediction within 0.02 (H = 500, zero input).
    /// The trajectory is chaotic, so its rounding (e.g. OpenBLAS's thread count, which other tests
    /// change while this one runs) moves the 1500-step estimate: at g = 3 it passed 0.01 run alone and
    /// measured 0.2999 in the full parallel suite, against the mean field's 0.3102.
    @Test(arguments: [1.5, 2.0, 3.0])
    func tanhMaximalExponentMatchesMeanField(g: Double) throws {
        let h = 500
        // The production cell (not the test map): W_hh Gaussian with gain g, no input.
        let weights = CellWeights(gateCount: 1, inputWeight: Matrix(rows: h, cols: 1),
                                  hiddenWeight: gaussianWeight(h, gain: g, seed: 100 + UInt64(g * 10)), inputBias: nil, hiddenBias: nil)
        let map = VanillaCell(weights: weights, activation: .tanh)
        var rng = RandomStream(seed: 8)
        let spectrum = try LyapunovSpectrum(map: map, options: .init(count: 1, steps: 1500, transient: 300), rng: &rng)
        let theory = Theory.meanFieldTanh(gain: g).lambdaMax
        #expect(abs(try #require(spectrum.maximum) - theory) < 0.02, "g = \(g): \(spectrum.maximum!) vs mean field \(theory)")
    }

    @Test func meanFieldClosedForms() {
        #expect(abs(Theory.gaussianExpectation { $0 * $0 } - 1) < 1e-12)
        #expect(abs(Theory.gaussianExpectation { $0 * $0 * $0 * $0 } - 3) < 1e-12)
        #expect(Theory.meanFieldTanh(gain: 0.8) == (0, log(0.8)))
        let (q, _) = Theory.meanFieldTanh(gain: 2)
        let residual = 4 * Theory.gaussianExpectation { let t = tanh(q.squareRoot() * $0); return t * t } - q
        #expect(q > 0.5 && abs(residual) < 1e-12)
    }

    @Test func kaplanYorke() throws {
        // Partial sums 0.693, 0.470, −0.916 → j = 2, D = 2 + 0.470/|ln 0.25|.
        let l = [log(2.0), log(0.8), log(0.25)]
        #expect(abs(LyapunovSpectrum.kaplanYorkeDimension(l) - (2 + (l[0] + l[1]) / abs(l[2]))) < 1e-15)
        #expect(LyapunovSpectrum.kaplanYorkeDimension([-0.1, -0.2]) == 0)
        #expect(LyapunovSpectrum.kaplanYorkeDimension([0.3, 0.1]) == 2)
        let map = TestMap(w: .diagonal([2, 0.8, 0.25]), u: Matrix(rows: 3, cols: 1), phi: .linear)
        var rng = RandomStream(seed: 1)
        #expect(throws: Error.self) { try LyapunovSpectrum(map: map, options: .init(count: 4, steps: 10), rng: &rng) }
    }
}
