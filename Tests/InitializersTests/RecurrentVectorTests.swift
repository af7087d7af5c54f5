import Foundation
import Linalg
import Testing
@testable import Initializers

/// IndRNN's recurrent vector u (`InitSpec.makeRecurrentVector`): Li et al.'s bounds on |u|^T,
/// rescaling to a spectral radius (max |u_j|), and the refusals of matrix-only options.
@Suite struct RecurrentVectorTests {
    @Test(arguments: [(100, 0.0, 2.0), (1000, 0.5, 2.0), (10, 0.1, 10.0)])
    func indRNNRuleBoundsTheProduct(steps: Int, minGain: Double, maxGain: Double) throws {
        var rng = RandomStream(seed: 3)
        let spec = InitSpec(kind: .indrnn, steps: steps, minGain: minGain, maxGain: maxGain)
        let u = try spec.makeRecurrentVector(hidden: 2000, rng: &rng)
        #expect(u.count == 2000)
        let powers = u.map { Foundation.pow(abs($0), Double(steps)) }
        // |u_j|^T ∈ [min_gain, max_gain] up to the rounding of the T-th root (relative 1e-12).
        #expect(powers.allSatisfy { $0 >= minGain * (1 - 1e-12) && $0 <= maxGain * (1 + 1e-12) })
        // Uniform on [min^(1/T), max^(1/T)): the sample covers the range (2000 draws).
        let lo = Foundation.pow(minGain, 1 / Double(steps)), hi = Foundation.pow(maxGain, 1 / Double(steps))
        #expect(u.min()! - lo < 0.01 * (hi - lo) && hi - u.max()! < 0.01 * (hi - lo))
    }

    @Test func spectralRadiusSetsTheLargestModulus() throws {
        var rng = RandomStream(seed: 4)
        let u = try InitSpec(kind: .uniform, a: -1, b: 0.5, spectralRadius: 0.97).makeRecurrentVector(hidden: 50, rng: &rng)
        #expect(abs(u.map(abs).max()! - 0.97) < 1e-15)
        let same = try InitSpec(kind: .identity, scale: 0.9).makeRecurrentVector(hidden: 4, rng: &rng)
        #expect(same == [0.9, 0.9, 0.9, 0.9])
    }

    @Test func matrixOnlyOptionsAreRefused() {
        var rng = RandomStream(seed: 5)
        for spec in [InitSpec(kind: .orthogonal), InitSpec(eigenvalueModuli: .constant(0.9)), InitSpec(kind: .gaussian, gain: 1)] {
            #expect(throws: InitError.self) { _ = try spec.makeRecurrentVector(hidden: 4, rng: &rng) }
        }
        #expect(throws: InitError.self) { _ = try InitSpec(kind: .indrnn).makeRecurrentVector(hidden: 4, rng: &rng) }  // no steps
        #expect(throws: InitError.self) { _ = try InitSpec(kind: .indrnn, steps: 10).make(rows: 4, cols: 4, rng: &rng) }  // not a matrix
    }
}
