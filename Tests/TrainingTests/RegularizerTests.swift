import Foundation
import Linalg
import Testing
@testable import Training

/// Pascanu et al.'s Ω against an independent evaluation of its formula and central differences.
@Suite struct RegularizerTests {
    /// Ω written directly from the definition, one (t, b) at a time.
    func omegaReference(_ w: Matrix, _ delta: [Double], _ phi: [Double], b: Int, h: Int) -> Double {
        let rows = delta.count / h, steps = rows / b
        var num = 0.0, den = 0.0
        for t in 0..<steps {
            var s = 0.0, m = 0.0
            for r in 0..<b {
                let row = t * b + r
                let d = (0..<h).map { delta[row * h + $0] }
                let a = (0..<h).map { d[$0] * phi[row * h + $0] }
                let v = (0..<h).map { j in (0..<h).reduce(0) { $0 + w[$1, j] * a[$1] } } // Wᵀa
                let dd = d.reduce(0) { $0 + $1 * $1 }
                guard dd >= 1e-20 else { continue }
                let ratio = v.reduce(0) { $0 + $1 * $1 } / dd
                s += (ratio - 1) * (ratio - 1)
                m += 1
            }
            num += s / Double(b)
            den += m / Double(b)
        }
        return num / den
    }

    @Test func valueAndGradientMatchDefinition() throws {
        let (t, b, h) = (5, 3, 4)
        var rng = RandomStream(seed: 99)
        let w = rng.normalMatrix(rows: h, cols: h, std: 0.6)
        var delta = rng.normals(t * b * h)
        for j in 0..<h { delta[(1 * b + 2) * h + j] = 0 }  // one (t, b) below the bound
        let phi = rng.uniforms(t * b * h, 0.1, 1)
        let omega = try VanishingGradientRegularizer(recurrentWeight: w, stateGradients: delta,
                                                     activationDerivatives: phi, batchSize: b)
        let reference = omegaReference(w, delta, phi, b: b, h: h)
        #expect(abs(omega.value - reference) < 1e-12 * max(1, reference))
        #expect(abs(omega.reachedFraction - (Double(t * b - 1) / Double(b)) / Double(t)) < 1e-15)
        let eps = 1e-6
        for i in 0..<h { for j in 0..<h {
            var plus = w, minus = w
            plus[i, j] += eps; minus[i, j] -= eps
            let fd = (omegaReference(plus, delta, phi, b: b, h: h) - omegaReference(minus, delta, phi, b: b, h: h)) / (2 * eps)
            #expect(abs(omega.gradient[i, j] - fd) < 1e-7 * max(1, abs(fd)), "∂Ω/∂W[\(i),\(j)]")
        } }
    }

    /// H = 1: r = (w·φ')², Ω = mean over steps of (w²φ'² − 1)².
    @Test func scalarCase() throws {
        let w = try Matrix([[0.5]])
        let omega = try VanishingGradientRegularizer(recurrentWeight: w, stateGradients: [2, -1],
                                                     activationDerivatives: [1, 0.5], batchSize: 1)
        let r1 = 0.25, r2 = 0.0625
        let expected: Double = ((r1 - 1) * (r1 - 1) + (r2 - 1) * (r2 - 1)) / 2
        #expect(abs(omega.value - expected) < 1e-15)
        // dΩ/dw = mean over t of 2(r − 1)·2wφ'²
        let g1: Double = 2 * (r1 - 1) * 2 * 0.5 * 1, g2: Double = 2 * (r2 - 1) * 2 * 0.5 * 0.25
        let grad = (g1 + g2) / 2
        #expect(abs(omega.gradient[0, 0] - grad) < 1e-15)
    }
}
