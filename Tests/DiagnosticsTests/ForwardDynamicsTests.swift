import Foundation
import Linalg
import Testing
import Recurrent
@testable import Diagnostics

/// The forward statistics against direct counts and the mean-field map against an independent solve.
@Suite("Forward dynamics")
struct ForwardDynamicsTests {
    static func tanhCell(gain g: Double, h: Int, rng: inout RandomStream) -> VanillaCell {
        let w = rng.normalMatrix(rows: h, cols: h, std: g / Double(h).squareRoot())
        return VanillaCell(weights: CellWeights(gateCount: 1, inputWeight: rng.normalMatrix(rows: h, cols: 2, std: 0.5), hiddenWeight: w,
                                                inputBias: nil, hiddenBias: nil), activation: .tanh)
    }

    /// Saturated fraction per step = the number of units with 1 − h² < 0.01 counted on a plain loop.
    @Test(arguments: [0.5, 1.5, 8.0]) func saturationMatchesDirectCount(gain: Double) throws {
        var rng = RandomStream(seed: 21)
        let h = 64, t = 40
        let cell = Self.tanhCell(gain: gain, h: h, rng: &rng)
        let inputs = rng.normalMatrix(rows: t, cols: 2)
        let s0 = rng.normals(h)
        let fwd = try ForwardDynamics(cell: cell, family: .rnn, activation: .tanh, inputs: inputs, initialState: s0)
        // The states come from the same step map (bit-identical; a chaotic net would amplify any
        // rounding difference of an independent loop); the counts and sums are recomputed here.
        let run = try Trajectory(map: cell, initialState: s0, inputs: inputs)
        for step in 0..<t {
            var z = try matvec(cell.weights.hiddenWeight, run.states.row(step))
            let u = try matvec(cell.weights.inputWeight, inputs.row(step))
            for i in 0..<h { z[i] += u[i] }
            let state = run.states.row(step + 1)
            let count = state.filter { abs($0) > 0.99498743710662 }.count
            #expect(fwd.saturated[step] == Double(count) / Double(h))
            let norm = state.reduce(0) { $0 + $1 * $1 }.squareRoot(), q = z.reduce(0) { $0 + $1 * $1 } / Double(h)
            #expect(abs(fwd.hNorm[step] - norm) <= 1e-12 * norm)
            #expect(abs(fwd.preactivationQ[step] - q) <= 1e-12 * q)
        }
        if gain == 8.0 { #expect(fwd.regime == .saturating) }
        if gain == 0.5 { #expect(fwd.regime == .stable) }
    }

    /// q* of q ↦ g²·E[tanh²(√q ξ)] + c by bisection on the midpoint rule (independent of the library's
    /// Simpson iteration), agreeing to 1e-9.
    @Test func meanFieldFixedPointMatchesBisection() {
        for (g, c) in [(1.5, 0.0), (2.5, 0.1), (0.8, 0.3)] {
            func m(_ q: Double) -> Double {
                let n = 20000, a = -14.0, step = 28.0 / Double(n)
                var sum = 0.0
                for i in 0..<n {
                    let x = a + (Double(i) + 0.5) * step
                    let v = tanh(q.squareRoot() * x)
                    sum += v * v * exp(-0.5 * x * x)
                }
                return g * g * sum * step / (2 * Double.pi).squareRoot() + c
            }
            var lo = 1e-6, hi = 50.0
            for _ in 0..<200 { let mid = 0.5 * (lo + hi); if m(mid) > mid { lo = mid } else { hi = mid } }
            let expected = 0.5 * (lo + hi)
            let q = Theory.meanFieldFixedPoint(activation: .tanh, weightVariance: g * g, offsetVariance: c)
            #expect(abs(q - expected) < 1e-9, "g = \(g), c = \(c): \(q) vs \(expected)")
        }
    }

    /// For a wide tanh network the measured q_t settles near the mean-field q* (H = 400; within 10%).
    @Test func measuredVarianceSettlesNearMeanField() throws {
        var rng = RandomStream(seed: 3)
        let cell = Self.tanhCell(gain: 2.0, h: 400, rng: &rng)
        let fwd = try ForwardDynamics(cell: cell, family: .rnn, activation: .tanh, inputs: rng.normalMatrix(rows: 100, cols: 2),
                                      initialState: rng.normals(400))
        let tail = fwd.preactivationQ.suffix(50)
        let mean = tail.reduce(0, +) / Double(tail.count)
        let qStar = try #require(fwd.meanFieldQ)
        #expect(abs(mean / qStar - 1) < 0.1, "measured \(mean), mean field \(qStar)")
    }

    /// ReLU units that never switch on are dead; an exploding linear map is classified with its step.
    @Test func deadAndExplodingRegimes() throws {
        let h = 4
        let dead = VanillaCell(weights: CellWeights(gateCount: 1, inputWeight: Matrix(rows: h, cols: 1), hiddenWeight: .identity(h),
                                                    inputBias: [Double](repeating: -1, count: h), hiddenBias: nil), activation: .relu)
        let f1 = try ForwardDynamics(cell: dead, family: .rnn, activation: .relu, inputs: Matrix(rows: 10, cols: 1), initialState: [0.1, 0.2, 0.3, 0.4])
        #expect(f1.deadUnits == h && f1.regime == .dead)
        let grow = VanillaCell(weights: CellWeights(gateCount: 1, inputWeight: Matrix(rows: h, cols: 1), hiddenWeight: .identity(h, scale: 2),
                                                    inputBias: nil, hiddenBias: nil), activation: .linear)
        let f2 = try ForwardDynamics(cell: grow, family: .rnn, activation: .linear, inputs: Matrix(rows: 20, cols: 1), initialState: [1, 1, 1, 1])
        // RMS(h_t) = 2^t > 100 first at t = 7.
        #expect(f2.regime == .exploding && f2.regimeStep == 7)
    }
}
