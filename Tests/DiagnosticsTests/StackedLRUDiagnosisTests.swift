import Foundation
import Linalg
import Testing
import Recurrent
@testable import Diagnostics

/// The depth × time diagnosis of stacked and bidirectional LRU models, whose layers read the read-outs
/// y_t = Re(C h_t) + D ⊙ x_t of the layer below: per-unit ∂L/∂s_t against BPTT (StackedTape, itself
/// checked against PyTorch's autograd by the lru-L* fixtures), and the depth products against central
/// differences of an independent complex-arithmetic forward step.
@Suite("Stacked LRU diagnosis")
struct StackedLRUDiagnosisTests {
    /// A random stacked LRU (D = 2, N = 2 complex units: S = 4) with γ moved off its normalised value, so
    /// that W_ih, C′ and D all matter.
    static func model(layers: Int, bidirectional: Bool, seed: UInt64) throws -> RecurrentModel {
        var rng = RandomStream(seed: seed)
        let model = try RecurrentModel.initialized(cell: .lru, inputSize: 2, hiddenSize: 2, headSize: nil, layers: layers,
                                                   bidirectional: bidirectional, rng: &rng)
        let pairs = try model.parameters.pairs.map { name, m -> (String, Matrix) in
            guard name.hasPrefix("gamma_log") || name.hasPrefix("D") else { return (name, m) }
            return (name, try Matrix(rows: m.rows, cols: m.cols, elements: m.elements.map { $0 + 0.3 }))
        }
        return try RecurrentModel(cell: .lru, parameters: ParameterSet(pairs))
    }

    /// Per unit, every step: the lattice's log10 ‖∂L/∂s_t‖ and log10 |∂L/∂s_t,i| equal BPTT's (the
    /// adjoint g on the top read-outs [y_T^{fwd}; y_T^{bwd}]) to 1e-12 in log10.
    @Test(arguments: [(2, false), (3, false), (2, true), (3, true)])
    func latticeMatchesBPTT(layers: Int, bidirectional: Bool) throws {
        let model = try Self.model(layers: layers, bidirectional: bidirectional, seed: UInt64(10 * layers + (bidirectional ? 1 : 0)))
        var rng = RandomStream(seed: 5)
        let t = 9, s = model.stateSize, x = rng.normalMatrix(rows: t, cols: 2), g = rng.normals(model.topWidth)
        #expect(model.topWidth == (bidirectional ? 2 : 1) * model.lruWidth(layer: layers - 1))
        let flow = try DepthTimeFlow(model: model, inputs: x, options: .init(lags: .explicit([0, 3]), adjoint: g, unitMaps: true),
                                     rng: RandomStream(seed: 0))
        let bptt = try model.gradients(SequenceBatch(x), outputs: .last,
                                       objective: .adjoint(try SequenceBatch(steps: 1, batchSize: 1, featureSize: model.topWidth, timeMajor: g)))
        #expect(flow.units.count == bptt.layers.count && flow.units.count == layers * model.directions)
        var worstNorm = 0.0, worstEntry = 0.0, compared = 0
        for (unit, layer) in zip(flow.units, bptt.layers) {
            #expect(unit.layer == layer.layer && unit.reverse == layer.reverse)
            for (a, b) in zip(unit.gradNormLog10, layer.hiddenNorms) {
                if b == 0 { #expect(a == nil) } else { worstNorm = max(worstNorm, abs((a ?? .nan) - log10(b))) }
            }
            for time in 0..<t {
                for i in 0..<s {
                    let b = layer.hidden[time * s + i], a = unit.unitLog10[time][i]
                    if b == 0 { #expect(a == -.infinity) } else { worstEntry = max(worstEntry, abs(a - log10(abs(b)))); compared += 1 }
                }
            }
        }
        // Exact zeros (a backward top unit's ∂L/∂s_t, t < T: g reaches it at t = T only) agree above; the rest compared.
        #expect(compared >= flow.units.count * t * s / 2)
        #expect(worstNorm < 1e-12, "worst log10 ‖∂L/∂s‖ difference \(worstNorm)")
        #expect(worstEntry < 1e-12, "worst log10 |∂L/∂s_i| difference \(worstEntry)")
        #expect(flow.dominantPath.first == LatticeNode(step: 1, layer: 0, reverse: false))
        #expect(flow.dominantPath.last?.layer == layers - 1)
    }

    /// One LRU step in complex arithmetic, h' = λ ⊙ h + γ ⊙ (B x), state [Re h; Im h].
    static func step(_ p: LRUParameters, _ s: [Double], _ x: [Double]) -> [Double] {
        let n = p.units
        var out = [Double](repeating: 0, count: 2 * n)
        for j in 0..<n {
            let r = exp(-exp(p.nuLog[j])), phi = exp(p.thetaLog[j]), gamma = exp(p.gammaLog[j])
            var ure = 0.0, uim = 0.0
            for c in 0..<x.count { ure += p.bRe[j, c] * x[c]; uim += p.bIm[j, c] * x[c] }
            out[j] = r * (cos(phi) * s[j] - sin(phi) * s[n + j]) + gamma * ure
            out[n + j] = r * (sin(phi) * s[j] + cos(phi) * s[n + j]) + gamma * uim
        }
        return out
    }

    /// y = Re(C h) + D ⊙ x.
    static func readout(_ p: LRUParameters, _ s: [Double], _ x: [Double]) -> [Double] {
        let n = p.units
        return (0..<p.d.count).map { r in
            (0..<n).reduce(0.0) { $0 + p.cRe[r, $1] * s[$1] - p.cIm[r, $1] * s[n + $1] } + p.d[r] * x[r]
        }
    }

    /// ‖∂s_t^{top}/∂s_t^{top−d}‖ (the within-step total derivative through read-outs and skips, both
    /// directions stacked) against central differences of the complex-arithmetic step, at t = 1 and T.
    @Test(arguments: [(3, false), (2, true), (3, true)])
    func depthProductsMatchFiniteDifferences(layers: Int, bidirectional: Bool) throws {
        let model = try Self.model(layers: layers, bidirectional: bidirectional, seed: 31)
        let dirs = model.directions, s = model.stateSize, t = 6
        var rng = RandomStream(seed: 8)
        let x = rng.normalMatrix(rows: t, cols: 2)
        let flow = try DepthTimeFlow(model: model, inputs: x, options: .init(lags: .explicit([0])), rng: RandomStream(seed: 0))
        let params = (0..<layers).map { l in (0..<dirs).map { model.lruParameters(layer: l, reverse: $0 == 1) } }
        // Independent forward: states[ℓ][dir][time] (time 0 … T, time-aligned), inputs[ℓ][time − 1].
        var states = [[[[Double]]]](), inputs = [[[Double]]]()
        var layerInput = (0..<t).map { i in (0..<2).map { x[i, $0] } }
        for l in 0..<layers {
            inputs.append(layerInput)
            var perDir = [[[Double]]]()
            for dir in 0..<dirs {
                var seq = [[Double]](repeating: [Double](repeating: 0, count: s), count: t + 2)
                let order = dir == 0 ? Array(1...t) : Array((1...t).reversed())
                var previous = [Double](repeating: 0, count: s)
                for time in order { previous = Self.step(params[l][dir], previous, layerInput[time - 1]); seq[time] = previous }
                perDir.append(seq)
            }
            states.append(perDir)
            layerInput = (1...t).map { time in (0..<dirs).flatMap { Self.readout(params[l][$0], perDir[$0][time], layerInput[time - 1]) } }
        }
        /// s^{top}_time (both directions) with layer `from`'s states at `time` replaced by `v`.
        func top(from: Int, time: Int, _ v: [Double]) -> [Double] {
            var below = (0..<dirs).map { Array(v[($0 * s)..<(($0 + 1) * s)]) }
            var input = inputs[from][time - 1]
            for m in (from + 1)..<layers {
                let next = (0..<dirs).flatMap { Self.readout(params[m - 1][$0], below[$0], input) }
                below = (0..<dirs).map { dir in
                    let previous = states[m][dir][dir == 0 ? time - 1 : time + 1]
                    return Self.step(params[m][dir], previous, next)
                }
                input = next
            }
            return below.flatMap { $0 }
        }
        for d in flow.depthJacobianNorms {
            #expect(d.norms.map(\.lag) == Array(0..<layers))
            for lag in 1..<layers {
                let from = layers - 1 - lag, time = d.step
                let base = (0..<dirs).flatMap { states[from][$0][time] }, n = dirs * s, eps = 1e-6
                var j = Matrix(rows: n, cols: n)
                for c in 0..<n {
                    var plus = base, minus = base
                    plus[c] += eps; minus[c] -= eps
                    let a = top(from: from, time: time, plus), b = top(from: from, time: time, minus)
                    for r in 0..<n { j[r, c] = (a[r] - b[r]) / (2 * eps) }
                }
                let want = log10(try j.spectralNorm()), got = d.norms[lag].spectralLog10 ?? .nan
                #expect(abs(got - want) < 1e-7, "t = \(time), lag \(lag): \(got) vs finite differences \(want)")
                let frobenius = 0.5 * log10(j.elements.reduce(0) { $0 + $1 * $1 })
                #expect(abs((d.norms[lag].frobeniusLog10 ?? .nan) - frobenius) < 1e-7)
            }
        }
    }

    /// The stacked map of a stacked or bidirectional LRU (each direction): its one-step Jacobian, with the
    /// read-out and skip terms in the cross-layer blocks, against central differences of its own step;
    /// the step against the independent complex-arithmetic one; block lower-triangular.
    @Test(arguments: [(2, false), (3, false), (3, true)])
    func stackedMapJacobianMatchesFiniteDifferences(layers: Int, bidirectional: Bool) throws {
        let model = try Self.model(layers: layers, bidirectional: bidirectional, seed: 44)
        var rng = RandomStream(seed: 12)
        let ls = model.stateSize
        for reverse in bidirectional ? [false, true] : [false] {
            let map = try model.stackedMap(reverse: reverse)
            let n = map.stateSize
            #expect(n == layers * ls)
            let s = rng.normals(n), x = rng.normals(map.inputSize)
            var ws = map.makeWorkspace()
            var j = [Double](repeating: 0, count: n * n), plus = [Double](repeating: 0, count: n), minus = plus
            map.jacobian(s, x, into: &j, workspace: &ws)
            // The step: layer by layer with the complex-arithmetic step and read-out (own half, companion from x).
            map.step(s, x, into: &plus, workspace: &ws)
            var input = Array(x[0..<2]), companionAt = 2, worstStep = 0.0
            for l in 0..<layers {
                let p = model.lruParameters(layer: l, reverse: reverse)
                let state = Self.step(p, Array(s[(l * ls)..<((l + 1) * ls)]), input)
                for i in 0..<ls { worstStep = max(worstStep, abs(state[i] - plus[l * ls + i])) }
                let y = Self.readout(p, state, input)
                guard bidirectional, l + 1 < layers else { input = y; continue }
                let companion = Array(x[companionAt..<(companionAt + y.count)])
                companionAt += y.count
                input = reverse ? companion + y : y + companion
            }
            #expect(worstStep < 1e-13, "step differs by \(worstStep)")
            let eps = 1e-6
            var worst = 0.0
            for b in 0..<n {
                var sp = s, sm = s
                sp[b] += eps; sm[b] -= eps
                map.step(sp, x, into: &plus, workspace: &ws)
                map.step(sm, x, into: &minus, workspace: &ws)
                for a in 0..<n { worst = max(worst, abs((plus[a] - minus[a]) / (2 * eps) - j[a * n + b])) }
            }
            #expect(worst < 1e-8, "reverse=\(reverse): max |J − FD| = \(worst)")
            for l in 0..<layers {
                #expect((0..<ls).allSatisfy { a in ((l + 1) * ls..<n).allSatisfy { j[(l * ls + a) * n + $0] == 0 } })
            }
            // The skips reach two layers down: layer 2's block on layer 0 is not zero.
            if layers > 2 { #expect((0..<ls).contains { a in (0..<ls).contains { j[(2 * ls + a) * n + $0] != 0 } }) }
        }
    }

    /// A stacked LRU is linear and time-invariant (J constant, block lower-triangular with the layers'
    /// rotation-scaling blocks on the diagonal), so its Lyapunov exponents are ln|λ_j^ℓ|, each twice
    /// (Re and Im), for every layer ℓ and unit j: the full spectrum's sum equals ln|det J| = Σ 2 ln|λ_j^ℓ|
    /// to round-off, each exponent its closed form to 3e-3 after 20,000 steps (measured ≤ 1.6e-3: QR separates
    /// nearly equal moduli, each a rotation pair, slowly; 2.5e-3 after 4,000 steps); both directions of a bidirectional model.
    @Test(arguments: [(2, false), (2, true)])
    func lyapunovSpectrumIsTheLayersLogModuli(layers: Int, bidirectional: Bool) throws {
        let model = try Self.model(layers: layers, bidirectional: bidirectional, seed: 55)
        let o = DiagnosisOptions(steps: 10, input: .gaussian(std: 0.5), lyapunovCount: 64, lyapunovSteps: 20000, lyapunovTransient: 50)
        let run = try ModelLyapunov(model: model, options: o, rng: RandomStream(seed: 6))
        #expect(run.directions.count == model.directions)
        for d in run.directions {
            let expected = (0..<layers).flatMap { l -> [Double] in
                let p = model.lruParameters(layer: l, reverse: d.reverse)
                return p.nuLog.flatMap { nu in [-exp(nu), -exp(nu)] }   // ln|λ| = −exp(ν)
            }.sorted(by: >)
            let got = d.spectrum.exponents
            #expect(got.count == expected.count && d.stateSize == layers * model.stateSize)
            let sum = got.reduce(0, +), want = expected.reduce(0, +)
            #expect(abs(sum - want) < 1e-10 * max(1, abs(want)), "Σλ = \(sum), ln|det J| = \(want)")
            for (a, b) in zip(got, expected) { #expect(abs(a - b) < 3e-3, "\(got) vs \(expected)") }
        }
    }

    struct Fixture: Decodable {
        struct Tensor: Decodable { let shape: [Int], data: [Double] }
        let B: Int, T: Int, D: Int, H: Int, O: Int
        let parameters: [String: Tensor]
        let order: [String]
        let inputs: [Double], targets: [Double], outputs_value: [Double]
        let unit_hidden_grads: [[Double]]
    }

    /// PyTorch's autograd as the oracle (scripts/make_cell_fixtures.py, lru-L3-uni-last-ce-full: three LRU
    /// layers, cross-entropy on the last step's head output, mean over B = 2): per sequence b, the lattice
    /// with g_b = W_headᵀ(softmax(z_b) − e_{target_b})/B on the top read-outs gives every unit's |∂L/∂s_t,i|
    /// equal to torch's h.grad (all three layers, every step) to 1e-10.
    @Test func latticeMatchesPyTorchAutograd() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/Cells/lru-L3-uni-last-ce-full.json").standardized
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let model = try RecurrentModel(cell: .lru, parameters: ParameterSet(f.order.map { name in
            let t = f.parameters[name]!
            return (name, try Matrix(rows: t.shape[0], cols: t.shape.count > 1 ? t.shape[1] : 1, elements: t.data))
        }))
        #expect(model.layers == 3 && !model.bidirectional && model.stateSize == f.H)
        let w = try #require(model.parameters[ParameterName.headWeight])
        var worst = 0.0, compared = 0
        for b in 0..<f.B {
            let x = try Matrix(rows: f.T, cols: f.D, elements: Array(f.inputs[(b * f.T * f.D)..<((b + 1) * f.T * f.D)]))
            let z = Array(f.outputs_value[(b * f.O)..<((b + 1) * f.O)]), m = z.max()!
            let e = z.map { exp($0 - m) }, sum = e.reduce(0, +)
            let dz = (0..<f.O).map { (e[$0] / sum - ($0 == Int(f.targets[b]) ? 1 : 0)) / Double(f.B) }
            let g = try matvec(w, dz, trans: .transpose)
            let flow = try DepthTimeFlow(model: model, inputs: x, options: .init(lags: .explicit([0]), adjoint: g, unitMaps: true),
                                         rng: RandomStream(seed: 0))
            for (k, want) in f.unit_hidden_grads.enumerated() {
                for t in 0..<f.T {
                    for i in 0..<f.H {
                        let expected = abs(want[(b * f.T + t) * f.H + i]), got = pow(10, flow.units[k].unitLog10[t][i])
                        worst = max(worst, abs(got - expected)); compared += 1
                    }
                }
            }
        }
        #expect(compared == f.B * 3 * f.T * f.H)
        #expect(worst < 1e-10, "worst |∂L/∂s| difference from torch \(worst)")
    }
}
