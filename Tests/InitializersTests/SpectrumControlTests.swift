import Testing
import Foundation
import Linalg
import ComplexModule
@testable import Initializers

@Suite("Spectrum control")
struct SpectrumControlTests {
    static func rel(_ a: Double, _ b: Double) -> Double { abs(a - b) / abs(b) }

    @Test(arguments: [InitKind.gaussian, .uniform, .xavierNormal, .kaimingUniform, .orthogonal, .pytorchDefault],
          [0.5, 0.9, 1.1])
    func rescalesToSpectralRadius(kind: InitKind, rho: Double) throws {
        var rng = RandomStream(seed: 3)
        let w = try InitSpec(kind: kind, spectralRadius: rho).make(rows: 40, cols: 40, rng: &rng)
        #expect(Self.rel(try w.spectralRadius(), rho) < 1e-10)
    }

    @Test(arguments: [(30, 30), (20, 35), (35, 20)])
    func rescalesToSpectralNorm(rows: Int, cols: Int) throws {
        var rng = RandomStream(seed: 4)
        let w = try InitSpec(kind: .xavierUniform, spectralNorm: 1.3).make(rows: rows, cols: cols, rng: &rng)
        #expect(Self.rel(try w.spectralNorm(), 1.3) < 1e-10)
    }

    @Test func rescalingAZeroSpectralRadiusIsAnError() throws {
        var rng = RandomStream(seed: 1)
        let e = #expect(throws: InitError.self) { try InitSpec(kind: .zeros, spectralRadius: 0.9).make(rows: 4, cols: 4, rng: &rng) }
        #expect(e?.message == "cannot rescale to spectral_radius 0.9: the matrix's spectral radius is 0.0 (e.g. zero or nilpotent); choose another kind or use spectral_norm")
        let e2 = #expect(throws: InitError.self) { try InitSpec(kind: .gaussian, spectralRadius: 0.9).make(rows: 4, cols: 5, rng: &rng) }
        #expect(e2?.message.hasPrefix("spectral_radius needs a square matrix, got 4×5") == true)
    }

    /// Pascanu et al.'s "smart tanh": sparse with 15 non-zeros per row, rescaled to ρ = 0.95.
    @Test func smartTanhIsSparseWithRadius095() throws {
        var rng = RandomStream(seed: 9)
        let w = try InitSpec(kind: .sparse, nonzeros: 15, spectralRadius: 0.95).make(rows: 100, cols: 100, rng: &rng)
        for i in 0..<100 { #expect(w.row(i).filter { $0 != 0 }.count == 15) }
        #expect(Self.rel(try w.spectralRadius(), 0.95) < 1e-10)
    }

    @Test func prescribedSingularValuesAreReproduced() throws {
        var rng = RandomStream(seed: 21)
        let s = [3.0, 0.1, 2.0, 1e-3, 0.7]
        for (rows, cols) in [(5, 5), (5, 9), (12, 5)] {
            let w = try InitSpec(singularValues: .list(s)).make(rows: rows, cols: cols, rng: &rng)
            let got = try w.singularValues()
            for (g, e) in zip(got, s.sorted(by: >)) { #expect(abs(g - e) <= 1e-10 * e, "\(rows)×\(cols)") }
        }
        let e = #expect(throws: InitError.self) { try InitSpec(singularValues: .list(s)).make(rows: 4, cols: 6, rng: &rng) }
        #expect(e?.message == "singular_values for a 4×6 matrix lists 5 values but 4 are needed")
    }

    @Test func singularValueDistributions() throws {
        var rng = RandomStream(seed: 22)
        let c = try InitSpec(singularValues: .constant(0.8)).make(rows: 30, cols: 30, rng: &rng)
        #expect(try c.singularValues().allSatisfy { abs($0 - 0.8) < 1e-10 })
        let u = try InitSpec(singularValues: .uniform(0.5, 1.5)).make(rows: 30, cols: 30, rng: &rng)
        let su = try u.singularValues()
        #expect(su.allSatisfy { $0 >= 0.5 - 1e-12 && $0 < 1.5 + 1e-12 } && su.first! - su.last! > 0.5)
    }

    /// Eigenvalues from moduli and phases (lists), compared as multisets with LAPACK's dgeev.
    @Test func prescribedEigenvaluesAreReproduced() throws {
        let moduli = [0.5, 0.5, 0.9, 1.1, 2.0, 2.0, 0.0]
        let phases = [0.3, -0.3, Double.pi, 0, 1.2, -1.2, 2.0]
        var rng = RandomStream(seed: 23)
        let w = try InitSpec(eigenvalueModuli: .list(moduli), eigenvaluePhases: .list(phases)).make(rows: 7, cols: 7, rng: &rng)
        var expected = zip(moduli, phases).map { Complex($0 * cos($1), $0 * sin($1)) }
        var got = try w.eigenvalues()
        let order = { (a: Complex<Double>, b: Complex<Double>) in (a.real, a.imaginary) < (b.real, b.imaginary) }
        expected.sort(by: order); got.sort(by: order)
        expected[0] = Complex(expected[0].real, 0) // 0·e^{2i} is the real eigenvalue 0
        for (g, e) in zip(got, expected) { #expect((g - e).length < 1e-10, "\(g) vs \(e)") }
        // Real normal matrix: W·Wᵀ = Wᵀ·W.
        #expect(try matmul(w, w, transB: .transpose).adding(matmul(w, w, transA: .transpose), scaledBy: -1).maxAbs < 1e-12)
    }

    @Test(arguments: [9, 10])
    func everyEigenvalueOnACircle(n: Int) throws {
        var rng = RandomStream(seed: 24)
        let w = try InitSpec(eigenvalueModuli: .constant(0.9)).make(rows: n, cols: n, rng: &rng)
        #expect(try w.eigenvalues().allSatisfy { abs($0.length - 0.9) < 1e-10 })
        #expect(try w.eigenvalues().filter { $0.imaginary != 0 }.count >= n - 1)
    }

    @Test func eigenvaluesWithoutConjugateAreRejected() throws {
        var rng = RandomStream(seed: 25)
        let e = #expect(throws: InitError.self) {
            try InitSpec(eigenvaluePhases: .list([0.5, 0.4, 0])).make(rows: 3, cols: 3, rng: &rng)
        }
        #expect(e?.message == "eigenvalue 1.0·e^{i·0.5} has no complex conjugate 1.0·e^{−i·0.5}; a real matrix needs complex eigenvalues in conjugate pairs: add it, or use phase 0 or π")
    }

    @Test func prescribedSpectrumThenRescaleAndGain() throws {
        var rng = RandomStream(seed: 26)
        let w = try InitSpec(gain: 0.5, eigenvalueModuli: .uniform(0.2, 0.8)).make(rows: 8, cols: 8, rng: &rng)
        #expect(try w.spectralRadius() <= 0.4 + 1e-12)
        let v = try InitSpec(spectralRadius: 1.05, eigenvalueModuli: .uniform(0.2, 0.8)).make(rows: 8, cols: 8, rng: &rng)
        #expect(Self.rel(try v.spectralRadius(), 1.05) < 1e-10)
    }
}
