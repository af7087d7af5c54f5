import Testing
import Linalg
@testable import Initializers

/// Girko's circular law and the quarter-circle edge for an N = 1000 Gaussian matrix with gain 1
/// (entries N(0, 1/N)): eigenvalues fill the unit disc uniformly, σ_max → 2.
@Suite("Circular law")
struct CircularLawTests {
    static let w: Matrix = {
        var rng = RandomStream(seed: 2026)
        do { return try InitSpec(kind: .gaussian, gain: 1).make(rows: 1000, cols: 1000, rng: &rng) } catch {
            Issue.record("\(error)")
            return Matrix(rows: 1, cols: 1)
        }
    }()

    @Test func eigenvaluesFillTheUnitDisc() throws {
        let lambda = try CircularLawTests.w.eigenvalues()
        let rho = lambda.reduce(0) { max($0, $1.length) }
        let inner = Double(lambda.filter { $0.length < 0.5 }.count) / Double(lambda.count)
        #expect(abs(rho - 1) < 0.05, "ρ = \(rho)")
        #expect(abs(inner - 0.25) <= 0.02, "fraction |λ| < 0.5 = \(inner)")
    }

    @Test func largestSingularValueIsTwo() throws {
        let sigma = try CircularLawTests.w.spectralNorm()
        #expect(abs(sigma - 2) < 0.06, "σ_max = \(sigma)")
    }
}
