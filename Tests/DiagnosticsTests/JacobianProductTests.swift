import Testing
import Foundation
import Linalg
@testable import Diagnostics

@Suite("Jacobian products and gradient flow")
struct JacobianProductTests {
    /// W = a·I, linear: ∂h_T/∂h_{T−k} = a^k·I, so ‖·‖₂ = a^k and ‖·‖_F = a^k·√H exactly.
    /// T = 10,000 takes 1.5^k to 10^1761 and 0.5^k to 10^−3010: far outside Double, fine in log space.
    /// 1e-12 relative on a norm is 1e-12/ln 10 absolute on its log10, plus the few ulps with which a
    /// log10 near ±3000 can be represented at all (ulp(3010) = 4.5e-13).
    func tolerance(_ log10Value: Double) -> Double { 1e-12 / log(10.0) + 4 * log10Value.ulp }

    @Test(arguments: [1.5, 0.5])
    func scaledIdentityGivesPowers(a: Double) throws {
        let h = 3, T = 10_000
        let map = TestMap(w: .identity(h, scale: a), u: Matrix(rows: h, cols: 1), phi: .linear)
        let traj = try Trajectory(map: map, initialState: [0, 0, 0], inputs: Matrix(rows: T, cols: 1))
        let flow = try BackwardFlow(map: map, trajectory: traj,
                                    options: .init(jacobianLags: .every(500), singularValueLags: [T], adjoint: [1, 0, 0]))
        #expect(flow.jacobianNorms.count == 21)
        for n in flow.jacobianNorms {
            let expected = Double(n.lag) * log10(a)
            let spectral = try #require(n.spectralLog10), frob = try #require(n.frobeniusLog10)
            #expect(abs(spectral - expected) < tolerance(expected), "lag \(n.lag): \(spectral) vs \(expected)")
            #expect(abs(frob - (expected + log10(Double(h)) / 2)) < tolerance(expected))
        }
        // ‖∂L/∂h_t‖ for ∂L/∂h_T = e_1: a^(T−t).
        for t in stride(from: 0, through: T, by: 1000) {
            let g = try #require(flow.gradNormLog10[t])
            #expect(abs(g - Double(T - t) * log10(a)) < tolerance(Double(T - t) * log10(a)))
        }
        let sv = try #require(flow.singularValuesLog10[T])
        #expect(sv.allSatisfy { abs($0 - Double(T) * log10(a)) < 1e-11 })
    }

    /// Orthogonal W, linear: every product is orthogonal, so every singular value of every product is 1.
    @Test func orthogonalProductsAreIsometries() throws {
        let h = 16, T = 300
        let w = try orthogonalWeight(h, seed: 3)
        let map = TestMap(w: w, u: Matrix(rows: h, cols: 2), phi: .linear)
        let traj = try Trajectory(map: map, initialState: [Double](repeating: 0, count: h), inputs: Matrix(rows: T, cols: 2))
        var adj = [Double](repeating: 0, count: h); adj[5] = 1
        let flow = try BackwardFlow(map: map, trajectory: traj,
                                    options: .init(jacobianLags: .all, singularValueLags: [1, 10, 100, 300], adjoint: adj))
        #expect(flow.jacobianNorms.count == T + 1)
        for n in flow.jacobianNorms {
            #expect(abs(try #require(n.spectralLog10)) < 1e-10 / log(10.0))
            #expect(abs(try #require(n.frobeniusLog10) - log10(Double(h)) / 2) < 1e-10)
        }
        for (_, values) in flow.singularValuesLog10 { #expect(values.allSatisfy { abs($0) < 1e-10 }) }
        #expect(flow.gradNormLog10.allSatisfy { abs($0 ?? 1) < 1e-10 })
        let summary = FlowSummary(norms: flow.jacobianNorms)
        #expect(summary.label == .stable && summary.horizon == nil)
    }

    /// W = Q·diag(a)·Qᵀ, linear: ∂h_T/∂h_{T−k} = Q·diag(a^k)·Qᵀ, singular values |a_i|^k. At k = 300 they
    /// span 300·log10(1.1/0.02) ≈ 522 decades, all resolved (the formed product keeps 16 of them).
    @Test func singularSpectraAreResolvedFarBelowTheLargest() throws {
        let a = [1.1, 0.9, -0.7, 0.5, 0.3, 0.1, -0.05, 0.02]
        let h = a.count, T = 300
        let q = try orthogonalWeight(h, seed: 11)
        var d = Matrix(rows: h, cols: h)
        for i in 0..<h { d[i, i] = a[i] }
        let w = try matmul(matmul(q, d), q, transB: .transpose)
        let map = TestMap(w: w, u: Matrix(rows: h, cols: 1), phi: .linear)
        let traj = try Trajectory(map: map, initialState: [Double](repeating: 0, count: h), inputs: Matrix(rows: T, cols: 1))
        let flow = try BackwardFlow(map: map, trajectory: traj, options: .init(jacobianLags: nil, singularValueLags: [10, T]))
        for k in [10, T] {
            let want = a.map { Double(k) * log10(abs($0)) }.sorted(by: >)
            let got = try #require(flow.singularValuesLog10[k])
            for (g, e) in zip(got, want) { #expect(abs(g - e) < 1e-10 * max(1, abs(e)), "lag \(k): \(g) vs \(e)") }
        }
    }

    /// Pascanu et al.'s bound ‖∂h_T/∂h_{T−k}‖₂ ≤ (γ·σ_max(W))^k holds at every lag (property over seeds).
    @Test(arguments: [TestMap.Phi.tanh, .sigmoid])
    func pascanuBoundHolds(phi: TestMap.Phi) throws {
        let gamma = phi == .tanh ? 1.0 : 0.25
        for seed in UInt64(1)...12 {
            let h = 10, T = 60
            let gain = [0.5, 1.0, 2.0, 4.0][Int(seed) % 4] * (phi == .sigmoid ? 4 : 1)
            let w = gaussianWeight(h, gain: gain, seed: seed)
            var rng = RandomStream(seed: seed, stream: 1)
            let u = rng.normalMatrix(rows: h, cols: 3)
            let map = TestMap(w: w, u: u, phi: phi)
            let inputs = rng.normalMatrix(rows: T, cols: 3)
            let traj = try Trajectory(map: map, initialState: rng.normals(h), inputs: inputs)
            let flow = try BackwardFlow(map: map, trajectory: traj, options: .init(jacobianLags: .all))
            let sigma = try w.spectralNorm()
            for n in flow.jacobianNorms {
                let bound = Theory.pascanuBoundLog10(lag: n.lag, gamma: gamma, sigmaMax: sigma)
                #expect(try #require(n.spectralLog10) <= bound + 1e-12, "seed \(seed) lag \(n.lag)")
            }
        }
    }

    /// A dense product against the naive product of explicit Jacobians (short horizon, no rescaling needed).
    @Test func matchesNaiveProduct() throws {
        let h = 5, T = 12
        let w = gaussianWeight(h, gain: 1.3, seed: 9)
        var rng = RandomStream(seed: 9, stream: 2)
        let map = TestMap(w: w, u: rng.normalMatrix(rows: h, cols: 2), phi: .tanh)
        let traj = try Trajectory(map: map, initialState: rng.normals(h), inputs: rng.normalMatrix(rows: T, cols: 2))
        let flow = try BackwardFlow(map: map, trajectory: traj, options: .init(jacobianLags: .all, singularValueLags: [7]))
        var ws = map.makeWorkspace()
        var product = Matrix.identity(h)
        for k in 1...T {
            let t = T - k + 1
            var j = Matrix(rows: h, cols: h)
            let s = traj.states.row(t - 1), x = traj.inputs.row(t - 1)
            j.withUnsafeMutableBufferPointer { map.jacobian(s, x, into: $0.baseAddress!, workspace: &ws) }
            product = try matmul(product, j)
            let got = try #require(flow.jacobianNorms[k].spectralLog10)
            #expect(abs(got - log10(try product.spectralNorm())) < 1e-13)
            if k == 7 {
                let sv = try product.singularValues().map(log10)
                #expect(zip(sv, try #require(flow.singularValuesLog10[7])).allSatisfy { abs($0 - $1) < 1e-12 })
            }
        }
    }

    @Test func lagSelections() {
        #expect(LagSelection.all.lags(upTo: 3) == [0, 1, 2, 3])
        #expect(LagSelection.every(4).lags(upTo: 10) == [0, 4, 8, 10])
        let log = LagSelection.log(count: 20).lags(upTo: 1000)
        #expect(log.first == 0 && log.last == 1000 && log.contains(1) && log.count <= 22 && log.count >= 15)
        #expect(LagSelection(parsing: "log:10") == .log(count: 10))
        #expect(LagSelection(parsing: "7") == .every(7))
        #expect(LagSelection(parsing: "0") == nil && LagSelection(parsing: "often") == nil)
    }

    @Test func summaryLabels() {
        func norms(_ slope: Double) -> [LagNorm] {
            (0...100).map { LagNorm(lag: $0, spectralLog10: slope * Double($0), frobeniusLog10: nil) }
        }
        let v = FlowSummary(norms: norms(-0.1)), e = FlowSummary(norms: norms(0.02)), s = FlowSummary(norms: norms(0.001))
        #expect(v.label == .vanishing && abs(v.slopeLog10PerStep! + 0.1) < 1e-12 && v.horizon == 61)
        #expect(e.label == .exploding && e.horizon == nil)
        #expect(s.label == .stable)
    }
}

/// `powerOfTenText`: reports keep the mantissa of small and large values.
@Suite("power-of-ten text")
struct PowerOfTenTextTests {
    @Test func mantissaIsKept() {
        #expect(powerOfTenText(log10(9.54e-7)) == "9.54e-7")
        #expect(powerOfTenText(log10(0.0132)) == "0.0132")
        #expect(powerOfTenText(log10(123.0)) == "123")
        #expect(powerOfTenText(log10(2.5e7)) == "2.5e7")
        #expect(powerOfTenText(-349.5) == "3.16e-350")   // beyond Float64, from the logarithm
        #expect(powerOfTenText(log10(9.996e-5)) == "1e-4")  // rounding carries into the exponent
        #expect(powerOfTenText(-.infinity) == "0")
        #expect(powerOfTenText(.nan) == "nan")
    }
}
