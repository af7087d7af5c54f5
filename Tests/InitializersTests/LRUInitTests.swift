import Foundation
import Linalg
import Recurrent
import Testing
@testable import Initializers

/// The LRU's `init.lambda` (`InitSpec.makeLRU`): the ring is uniform in |λ|² on [r_min², r_max²] and
/// in arg λ on [0, max_phase), γ = √(1 − |λ|²); prescribed moduli; refusals of matrix-only options.
@Suite struct LRUInitTests {
    /// 4,000 units: every |λ| in [r_min, r_max]; the mean of |λ|² is (r_min² + r_max²)/2 and the mean
    /// phase max_phase/2, each within 5 standard errors (σ/√n of a uniform: width/√12/√4000).
    @Test(arguments: [(0.0, 0.99, 2 * Double.pi), (0.9, 0.999, Double.pi / 10), (0.5, 0.6, 1.0)])
    func ringIsUniformOnTheAnnulus(rMin: Double, rMax: Double, maxPhase: Double) throws {
        var rng = RandomStream(seed: 12)
        let n = 4000
        let p = try InitSpec(kind: .ring, rMin: rMin, rMax: rMax, maxPhase: maxPhase).makeLRU(units: n, inputSize: 3, rng: &rng)
        let lam = p.rotation
        let moduli = (0..<n).map { hypot(lam[$0], lam[n + $0]) }
        #expect(moduli.allSatisfy { $0 >= rMin * (1 - 1e-14) && $0 <= rMax * (1 + 1e-14) })
        let squares = moduli.map { $0 * $0 }
        let width2 = rMax * rMax - rMin * rMin
        let meanSquare = squares.reduce(0, +) / Double(n)
        #expect(abs(meanSquare - (rMin * rMin + rMax * rMax) / 2) < 5 * width2 / (12 * Double(n)).squareRoot())
        let phases = p.thetaLog.map { Foundation.exp($0) }
        #expect(phases.allSatisfy { $0 > 0 && $0 <= maxPhase })
        let meanPhase = phases.reduce(0, +) / Double(n)
        #expect(abs(meanPhase - maxPhase / 2) < 5 * maxPhase / (12 * Double(n)).squareRoot())
        // γ normalises: γ² = 1 − |λ|².
        for j in 0..<n { #expect(abs(Foundation.exp(2 * p.gammaLog[j]) - (1 - squares[j])) < 1e-12) }
        #expect(p.bRe.rows == n && p.bRe.cols == 3 && p.cRe.rows == 3 && p.cRe.cols == n && p.d.count == 3)
    }

    @Test func prescribedModuliAndPhases() throws {
        var rng = RandomStream(seed: 1)
        let p = try InitSpec(eigenvalueModuli: .list([0.5, 0.9, 0.99]), eigenvaluePhases: .list([0, 1, 3])).makeLRU(units: 3, inputSize: 2, rng: &rng)
        let lam = p.rotation
        for (j, (r, phase)) in zip([0.5, 0.9, 0.99], [0.0, 1, 3]).enumerated() {
            #expect(abs(hypot(lam[j], lam[3 + j]) - r) < 1e-15)
            #expect(abs(atan2(lam[3 + j], lam[j]) - phase) < 1e-14)
        }
        let same = try InitSpec(eigenvalueModuli: .constant(0.95)).makeLRU(units: 5, inputSize: 1, rng: &rng)
        #expect((0..<5).allSatisfy { abs(hypot(same.rotation[$0], same.rotation[5 + $0]) - 0.95) < 1e-15 })
    }

    @Test func refusesWhatCannotApply() throws {
        var rng = RandomStream(seed: 2)
        let bad: [(InitSpec, String)] = [
            (InitSpec(kind: .ring, rMin: 0.5, rMax: 1), "r_max < 1"),
            (InitSpec(kind: .ring, rMin: 0.9, rMax: 0.5), "r_min ≤ r_max"),
            (InitSpec(kind: .ring, maxPhase: 0), "max_phase must be positive"),
            (InitSpec(kind: .gaussian), "does not apply to an LRU"),
            (InitSpec(kind: .ring, spectralRadius: 0.9), "spectral_radius does not apply"),
            (InitSpec(eigenvalueModuli: .constant(1)), "(0, 1)"),
            (InitSpec(eigenvalueModuli: .list([0.5, 0.5]), eigenvaluePhases: .list([-1, 1])), "≥ 0"),
        ]
        for (spec, phrase) in bad {
            #expect { _ = try spec.makeLRU(units: 2, inputSize: 1, rng: &rng) } throws: { e in
                "\(e)".contains(phrase)
            }
        }
        // A ring is no matrix.
        #expect(throws: InitError.self) { _ = try InitSpec(kind: .ring).make(rows: 4, cols: 4, rng: &rng) }
    }
}
