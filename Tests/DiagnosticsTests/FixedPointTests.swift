import Foundation
import Linalg
import Testing
import Recurrent
@testable import Diagnostics

/// Fixed and slow points against closed forms: the 1-D tanh map, an orthogonal linear map, a
/// rotation-plus-decay map.
@Suite("Fixed points")
struct FixedPointTests {
    /// An Elman cell with W_hh = `w`, W_ih = 0 (D = 1), optional b_hh.
    static func cell(_ w: Matrix, activation: Activation, bias: [Double]? = nil) -> VanillaCell {
        VanillaCell(weights: CellWeights(gateCount: 1, inputWeight: Matrix(rows: w.rows, cols: 1), hiddenWeight: w,
                                         inputBias: nil, hiddenBias: bias), activation: activation)
    }

    /// h* > 0 with tanh(a·h*) = h*, by bisection (an oracle independent of the Newton iteration).
    static func positiveRoot(a: Double) -> Double {
        var lo = 0.1, hi = 1.0
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if tanh(a * mid) - mid > 0 { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }

    @Test func tanhScalarMapHasZeroAndTwoSymmetricPoints() throws {
        let a = 2.0, hStar = Self.positiveRoot(a: a)
        #expect(abs(hStar - 0.957504) < 1e-6)
        let search = try FixedPointSearch(cell: Self.cell(.identity(1, scale: a), activation: .tanh), input: [0])
        let starts = stride(from: -3.0, through: 3.0, by: 0.25).map { [$0] }
        let report = try search.run(starts: starts)
        #expect(report.points.count == 3)
        let sorted = report.points.sorted { $0.state[0] < $1.state[0] }
        let expected = [-hStar, 0, hStar]
        for (p, e) in zip(sorted, expected) {
            #expect(abs(p.state[0] - e) < 1e-10)
            #expect(p.isFixed)
            let lambda = e == 0 ? a : a * (1 - e * e)
            #expect(abs(p.eigenvalues[0].re - lambda) < 1e-10 && p.eigenvalues[0].im == 0)
            #expect(p.stability == (e == 0 ? .unstable : .stable))
            #expect(p.unstableModes == (e == 0 ? 1 : 0))
        }
    }

    @Test func orthogonalLinearMapHasExactlyOneFixedPoint() throws {
        var rng = RandomStream(seed: 11)
        let h = 6
        var q = try rng.normalMatrix(rows: h, cols: h).qr().q
        // An even-sized orthogonal Q with det −1 has the eigenvalue +1 (I − Q singular): flip a column.
        if try q.logAbsDeterminant().sign < 0 { for i in 0..<h { q[i, 0] = -q[i, 0] } }
        let gap = try Matrix.identity(h).adding(q, scaledBy: -1).singularValues().last ?? 0
        #expect(gap > 1e-3) // I − Q invertible
        let b = rng.normals(h)
        let search = try FixedPointSearch(cell: Self.cell(q, activation: .linear, bias: b), input: [0])
        let starts = (0..<20).map { _ in rng.normals(h, std: 3) }
        let report = try search.run(starts: starts)
        #expect(report.points.count == 1)
        #expect(report.discarded == 0)
        let p = try #require(report.points.first)
        #expect(p.hits == 20)
        // Q h + b = h, checked directly.
        let qh = try matvec(q, p.state)
        let worst = (0..<h).map { abs(qh[$0] + b[$0] - p.state[$0]) }.max() ?? .nan
        #expect(worst < 1e-12)
        // An orthogonal Jacobian: every |λ| = 1, all marginal.
        #expect(p.marginalModes == h && p.unstableModes == 0 && p.stability == .marginal)
    }

    @Test func rotationWithDecayHasClosedFormEigenvalues() throws {
        let rho = 0.9, theta = 0.7
        let w = try Matrix([[rho * cos(theta), -rho * sin(theta)], [rho * sin(theta), rho * cos(theta)]])
        for activation in [Activation.linear, .tanh] {
            let search = try FixedPointSearch(cell: Self.cell(w, activation: activation), input: [0])
            let report = try search.run(starts: [[0.5, -0.3], [2, 1], [-1, 0.2]])
            #expect(report.points.count == 1)
            let p = try #require(report.points.first)
            #expect(p.state.allSatisfy { abs($0) < 1e-12 })
            let lambda = p.eigenvalues.sorted { $0.im > $1.im }
            #expect(abs(lambda[0].re - rho * cos(theta)) < 1e-12 && abs(lambda[0].im - rho * sin(theta)) < 1e-12)
            #expect(abs(lambda[1].re - rho * cos(theta)) < 1e-12 && abs(lambda[1].im + rho * sin(theta)) < 1e-12)
            #expect(p.stability == .stable)
        }
    }

    /// An LSTM's exact Jacobian drives Newton to q ≈ 0; each point satisfies F(s*) = s* directly.
    @Test func lstmPointsAreFixedUnderTheStepMap() throws {
        var rng = RandomStream(seed: 5)
        let model = try RecurrentModel.initialized(cell: .lstm, inputSize: 2, hiddenSize: 5, headSize: nil, rng: &rng)
        let cell = try #require(model.makeCell() as? LSTMCell)
        let search = try FixedPointSearch(cell: cell, input: [0.3, -0.2])
        let pool = try FixedPointStarts.autonomousPool(cell: cell, input: [0.3, -0.2], batch: 4, steps: 20, rng: &rng)
        let report = try search.run(starts: FixedPointStarts.sample(pool: pool, count: 16, noise: 0.1, rng: &rng))
        #expect(!report.points.isEmpty)
        var ws = cell.makeWorkspace()
        for p in report.points where p.isFixed {
            var next = [Double](repeating: 0, count: 10)
            cell.step(p.state, [0.3, -0.2], into: &next, workspace: &ws)
            #expect(zip(next, p.state).allSatisfy { abs($0 - $1) < 1e-10 })
        }
    }
}
