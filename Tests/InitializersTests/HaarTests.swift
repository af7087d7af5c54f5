import Testing
import Linalg
@testable import Initializers

/// Haar measure on O(N): the sign fix matters, and low moments of tr Q match the theory
/// (Diaconis & Shahshahani: for N ≥ 2, E[tr Q] = 0 and E[(tr Q)²] = 1; E[(tr Q)⁴] = 3 for N ≥ 4).
@Suite("Haar orthogonal")
struct HaarTests {
    static func orthogonal(_ n: Int, seed: UInt64) throws -> Matrix {
        var rng = RandomStream(seed: seed)
        return try InitSpec(kind: .orthogonal).make(rows: n, cols: n, rng: &rng)
    }

    @Test func determinantSignIsFairForN2() throws {
        var positive = 0
        for seed in 0..<2000 {
            let q = try HaarTests.orthogonal(2, seed: UInt64(seed))
            if q[0, 0] * q[1, 1] - q[0, 1] * q[1, 0] > 0 { positive += 1 }
        }
        #expect(abs(Double(positive) / 2000 - 0.5) <= 0.03, "fraction with det +1: \(Double(positive) / 2000)")
    }

    /// Householder QR without the sign fix always gives det Q = −1 for N = 2: the fix is what makes it Haar.
    @Test func qrWithoutSignFixIsBiased() throws {
        for seed in 0..<200 {
            var rng = RandomStream(seed: UInt64(seed))
            let q = try rng.normalMatrix(rows: 2, cols: 2).qr().q
            #expect((q[0, 0] * q[1, 1] - q[0, 1] * q[1, 0] + 1).magnitude < 1e-12)
        }
    }

    @Test func traceMomentsForN10() throws {
        let n = 2000
        let traces = try (0..<n).map { seed in
            let q = try HaarTests.orthogonal(10, seed: UInt64(seed))
            return (0..<10).reduce(0.0) { $0 + q[$1, $1] }
        }
        func meanAndSE(_ x: [Double]) -> (Double, Double) {
            let m = x.reduce(0, +) / Double(x.count)
            let v = x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)
            return (m, (v / Double(x.count)).squareRoot())
        }
        let (m1, se1) = meanAndSE(traces)
        let (m2, se2) = meanAndSE(traces.map { $0 * $0 })
        #expect(abs(m1) < 4 * se1, "E[tr Q] = \(m1) ± \(se1)")
        #expect(abs(m2 - 1) < 4 * se2, "E[(tr Q)²] = \(m2) ± \(se2)")
    }

    @Test(arguments: [(6, 6), (9, 4), (4, 9), (1, 5), (5, 1)])
    func orthonormalColumnsOrRows(rows: Int, cols: Int) throws {
        var rng = RandomStream(seed: 11)
        let q = try InitSpec(kind: .orthogonal, gain: 1).make(rows: rows, cols: cols, rng: &rng)
        let gram = rows >= cols ? try matmul(q, q, transA: .transpose) : try matmul(q, q, transB: .transpose)
        #expect(try gram.adding(.identity(min(rows, cols)), scaledBy: -1).maxAbs < 1e-14)
    }

    @Test func gainScalesTheOrthogonalMatrix() throws {
        var r1 = RandomStream(seed: 5), r2 = RandomStream(seed: 5)
        let q = try InitSpec(kind: .orthogonal).make(rows: 5, cols: 5, rng: &r1)
        let q2 = try InitSpec(kind: .orthogonal, gain: 2.5).make(rows: 5, cols: 5, rng: &r2)
        #expect(q2 == q.scaled(by: 2.5))
    }
}
