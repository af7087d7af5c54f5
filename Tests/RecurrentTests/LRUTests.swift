import Foundation
import Linalg
import Testing
@testable import Recurrent

/// The Linear Recurrent Unit: PyTorch float64 parity with a hand-written complex128 torch module
/// (scripts/make_cell_fixtures.py, Tests/Fixtures/Cells/lru-*.json), the unroller's element-wise
/// rotation path against the dense gemm path of a linear Elman cell with the same W_hh, central
/// finite differences for every parameter, the exact r^k gradient of a ring with r_min = r_max = r,
/// and Orvieto et al.'s normalisation argument checked statistically.
@Suite struct LRUTests {
    static let directory = IndRNNTests.directory
    static let names: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
        .filter { $0.hasPrefix("lru-") && $0.hasSuffix(".json") }.sorted()

    @Test func fixturesArePresent() {
        // One layer: full BPTT (all/mse, last/ce), PyTorch's chunks of 3, BPTT(2, 3); two layers full; two
        // bidirectional layers full and chunked; three layers BPTT(3, 4) and many-to-one; one bidirectional
        // layer full and chunked (many-to-one); two layers chunked.
        #expect(Self.names.count == 12)
    }

    @Test(arguments: names)
    func matchesPyTorch(file: String) throws {
        let (f, model) = try checkCellFixture(file, in: Self.directory, cell: { _ in .lru },
                                              hiddenWidth: { $0.directions * $0.hiddenSize })
        let dirs = f.bidirectional ? 2 : 1
        #expect(model.hiddenSize == f.H && model.outputSize == f.O)
        // D_ℓ = dirs^ℓ·D: the head reads dirs^L·D read-outs.
        #expect(model.topWidth == (0..<f.layers).reduce(f.D) { w, _ in w * dirs })
    }

    /// Stacked and bidirectional LRUs: ∂L/∂θ for every parameter (every layer and direction, the head),
    /// ∂L/∂x and ∂L/∂s_0 of every unit against central differences (step 1e-6, 1e-6·(1 + |numeric|)), γ off
    /// its normalised value, full BPTT (truncated BPTT is not the loss's gradient; the fixtures check it).
    @Test(arguments: [(UInt64(1), 2, false, OutputMode.all), (2, 3, false, .last), (3, 1, true, .all), (4, 2, true, .all),
                      (5, 2, true, .last), (6, 3, true, .all)])
    func stackedFiniteDifferences(seed: UInt64, layers: Int, bidirectional: Bool, mode: OutputMode) throws {
        let truncation = Truncation.none
        var rng = RandomStream(seed: seed)
        let d = 2, t = 5, b = 2
        var model = try RecurrentModel.initialized(cell: .lru, inputSize: d, hiddenSize: 2, headSize: 2, layers: layers,
                                                   bidirectional: bidirectional, rng: &rng)
        for (name, m) in model.parameters.pairs where name.hasPrefix("gamma_log") {
            try model.replace(name, with: try Matrix(rows: m.rows, cols: 1, elements: m.elements.map { $0 + 0.3 }))
        }
        let x = try SequenceBatch(steps: t, batchSize: b, featureSize: d, timeMajor: rng.normals(t * b * d))
        let tOut = mode == .last ? 1 : t
        let objective = Objective.mse(targets: try SequenceBatch(steps: tOut, batchSize: b, featureSize: 2, timeMajor: rng.normals(tOut * b * 2)))
        let s0 = rng.normals(layers * model.directions * b * model.stateSize)
        let g = try model.gradients(x, outputs: mode, objective: objective, initialState: s0, truncation: truncation)
        let eps = 1e-6
        func loss(_ m: RecurrentModel, _ input: SequenceBatch? = nil, _ start: [Double]? = nil) throws -> Double {
            try m.gradients(input ?? x, outputs: mode, objective: objective, initialState: start ?? s0, truncation: truncation).loss
        }
        func check(_ analytic: Double, _ numeric: Double, _ what: String) {
            #expect(abs(analytic - numeric) <= 1e-6 * (1 + abs(numeric)), "\(what): \(analytic) vs \(numeric)")
        }
        try forEachParameterDifference(model, eps: eps, loss: { try loss($0) }) { name, k, numeric in
            check(g.parameters[name]!.elements[k], numeric, "\(name)[\(k)]")
        }
        for k in 0..<x.values.count {
            var vp = x.values, vm = x.values
            vp[k] += eps; vm[k] -= eps
            let numeric = (try loss(model, SequenceBatch(steps: t, batchSize: b, featureSize: d, timeMajor: vp))
                           - loss(model, SequenceBatch(steps: t, batchSize: b, featureSize: d, timeMajor: vm))) / (2 * eps)
            check(g.input[k], numeric, "x[\(k)]")
        }
        for k in 0..<s0.count {
            var sp = s0, sm = s0
            sp[k] += eps; sm[k] -= eps
            check(g.initialState[k], (try loss(model, nil, sp) - loss(model, nil, sm)) / (2 * eps), "s0[\(k)]")
        }
    }

    /// A whole PyTorch model (an `LRU` module `lru.`, two bidirectional layers, a Linear `fc` on the 12 top
    /// read-outs), as safetensors and as a torch.save'd `.pt`: read with the prefix, head and architecture
    /// inferred, PyTorch's outputs to 1e-12, written back and read again unchanged.
    @Test(arguments: ["statedict-lru-L2-bi.safetensors", "statedict-lru-L2-bi.pt"])
    func readsStackedBidirectionalStateDict(file: String) throws {
        let path = Self.directory.appendingPathComponent(file).path
        let (model, reading) = try RecurrentModel.read(path)
        #expect(model.cell == .lru && model.layers == 2 && model.bidirectional && model.hiddenSize == 8 && model.inputSize == 3)
        #expect(model.lruWidth(layer: 1) == 6 && model.topWidth == 12 && model.headSize == 2)
        #expect(reading.prefix == "lru." && reading.head == "fc")
        #expect(model.parameters.names.prefix(16) == ArraySlice(LRUName.stateDictOrder(layers: 2, bidirectional: true).prefix(16)))
        struct Expected: Decodable { let inputs: [Double], outputs: [Double] }
        let e = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: Self.directory.appendingPathComponent("statedict-lru-L2-bi-outputs.json")))
        let f = try model.forward(SequenceBatch(steps: 5, batchSize: 1, featureSize: 3, batchFirst: e.inputs), outputs: .all)
        #expect(maxAbsDifference(f.outputs, e.outputs) < 1e-12)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("lru-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try model.save(out)
        #expect(try RecurrentModel.read(out).model.parameters == model.parameters)
        // A layer-1 B that does not read the 2·3 read-outs of layer 0 is an error naming it and D_1.
        var pairs = model.parameters.pairs.map { ($0.name, $0.tensor) }
        let i = pairs.firstIndex { $0.0 == "B_re_l1" }!
        pairs[i].1 = Matrix(rows: 4, cols: 3)
        #expect { _ = try RecurrentModel(cell: .lru, parameters: ParameterSet(pairs)) } throws: { e in
            "\(e)".contains("'B_re_l1' is 4×3, expected 4 × 6 (N × D_1 = 2·D_0")
        }
    }

    /// A model with a random ring (r in [0.3, 0.95], phases in [0, 2π)) and γ moved off its normalised
    /// value (gamma_log + 0.3), with a head, and its parameters.
    static func twins(units n: Int, input d: Int, seed: UInt64) throws -> (RecurrentModel, LRUParameters) {
        var rng = RandomStream(seed: seed)
        var p = LRUParameters.ring(units: n, inputSize: d, rMin: 0.3, rMax: 0.95, maxPhase: 2 * .pi, rng: &rng)
        p = LRUParameters(nuLog: p.nuLog, thetaLog: p.thetaLog, gammaLog: p.gammaLog.map { $0 + 0.3 },
                          bRe: p.bRe, bIm: p.bIm, cRe: p.cRe, cIm: p.cIm, d: p.d)
        var pairs = p.named()
        pairs.append((ParameterName.headWeight, rng.normalMatrix(rows: 2, cols: d)))
        pairs.append((ParameterName.headBias, rng.normalMatrix(rows: 2, cols: 1)))
        return (try RecurrentModel(cell: .lru, parameters: ParameterSet(pairs)), p)
    }

    /// The rotation path (λ ⊙ h element-wise, ∂L/∂[Re λ; Im λ]) equals the dense gemm path of a linear
    /// Elman cell with the same real-form W_hh: states, ∂L/∂s_t, ∂L/∂X and ∂L/∂λ = the blocks' sums of
    /// the dense ∂L/∂W_hh; B = 1 (gemv), B = 3 (gemm), full and truncated.
    @Test(arguments: [(1, Truncation.none), (3, .none), (3, .williamsPeng(k1: 2, k2: 3)), (2, .chunks(2))])
    func rotationPathEqualsDensePath(batch: Int, truncation: Truncation) throws {
        let (model, p) = try Self.twins(units: 4, input: 3, seed: 11 + UInt64(batch))
        let w = p.cellWeights, n = p.units, t = 9
        var rng = RandomStream(seed: 99)
        let x = rng.normals(t * batch * 3), g = rng.normals(t * batch * 2 * n), s0 = rng.normals(batch * 2 * n)
        let lru = Unroller(cell: LRUCell(weights: w), capacity: t, batch: batch)
        let dense = Unroller(cell: VanillaCell(weights: CellWeights(gateCount: 1, inputWeight: w.inputWeight, hiddenWeight: w.hiddenWeight,
                                                                    inputBias: nil, hiddenBias: nil), activation: .linear),
                             capacity: t, batch: batch)
        let segments = try truncation.segments(steps: t)
        func run<C: RecurrentCell>(_ u: Unroller<C>) -> (states: [Double], dS: [Double], p: (inputWeight: Matrix, hiddenWeight: Matrix, inputBias: Matrix, hiddenBias: Matrix, inputs: [Double]?)) {
            x.withUnsafeBufferPointer { xb in s0.withUnsafeBufferPointer { u.forward(steps: t, inputs: xb.baseAddress!, initial: $0.baseAddress!) } }
            u.beginBackward()
            g.withUnsafeBufferPointer { gb in
                for seg in segments {
                    u.backward(from: seg.end, to: seg.start, injected: seg.lossFrom...seg.lossTo) { gb.baseAddress! + ($0 - 1) * batch * 2 * n }
                }
            }
            let states = (1...t).flatMap { Array(UnsafeBufferPointer(start: u.state($0), count: batch * 2 * n)) }
            let ds = (1...t).flatMap { Array(UnsafeBufferPointer(start: u.stateGradient($0), count: batch * 2 * n)) }
            return (states, ds, u.parameterGradients(inputGradient: true))
        }
        let a = run(lru), b = run(dense)
        #expect(model.hiddenSize == 2 * n)
        #expect(maxAbsDifference(a.states, b.states) < 1e-14)
        #expect(maxAbsDifference(a.dS, b.dS) < 1e-13)
        #expect(maxAbsDifference(a.p.inputs ?? [], b.p.inputs ?? []) < 1e-13)
        #expect(maxAbsDifference(a.p.inputWeight.elements, b.p.inputWeight.elements) < 1e-13)
        let dw = b.p.hiddenWeight
        let want = (0..<n).map { dw[$0, $0] + dw[n + $0, n + $0] } + (0..<n).map { dw[n + $0, $0] - dw[$0, n + $0] }
        #expect(a.p.hiddenWeight.rows == 2 * n && a.p.hiddenWeight.cols == 1)
        #expect(maxAbsDifference(a.p.hiddenWeight.elements, want) < 1e-13)
    }

    /// ∂L/∂θ for every LRU parameter and the head, and ∂L/∂x, against central differences of the loss
    /// (step 1e-6, |analytic − numeric| ≤ 1e-6·(1 + |numeric|)), on random configurations.
    @Test(arguments: [(UInt64(1), OutputMode.all), (2, .last), (3, .all)])
    func finiteDifferences(seed: UInt64, mode: OutputMode) throws {
        let (model, _) = try Self.twins(units: 3, input: 2, seed: seed)
        var rng = RandomStream(seed: seed + 100)
        let t = 6, b = 2
        let x = try SequenceBatch(steps: t, batchSize: b, featureSize: 2, timeMajor: rng.normals(t * b * 2))
        let tOut = mode == .last ? 1 : t
        let objective = Objective.mse(targets: try SequenceBatch(steps: tOut, batchSize: b, featureSize: 2, timeMajor: rng.normals(tOut * b * 2)))
        let g = try model.gradients(x, outputs: mode, objective: objective)
        let eps = 1e-6
        func loss(_ m: RecurrentModel, _ input: SequenceBatch = x) throws -> Double {
            try m.gradients(input, outputs: mode, objective: objective).loss
        }
        try forEachParameterDifference(model, eps: eps, loss: { try loss($0) }) { name, k, numeric in
            let analytic = g.parameters[name]!.elements[k]
            #expect(abs(analytic - numeric) <= 1e-6 * (1 + abs(numeric)), "\(name)[\(k)]: \(analytic) vs \(numeric)")
        }
        for k in stride(from: 0, to: x.values.count, by: 3) {
            var vp = x.values, vm = x.values
            vp[k] += eps; vm[k] -= eps
            let numeric = (try loss(model, SequenceBatch(steps: t, batchSize: b, featureSize: 2, timeMajor: vp))
                           - loss(model, SequenceBatch(steps: t, batchSize: b, featureSize: 2, timeMajor: vm))) / (2 * eps)
            #expect(abs(g.input[k] - numeric) <= 1e-6 * (1 + abs(numeric)), "x[\(k)]")
        }
    }

    /// r_min = r_max = r, zero input: W_hh^k is r^k times an orthogonal matrix, so for a unit-norm
    /// ∂L/∂s_T the backpropagated ‖∂L/∂s_t‖ = r^(T−t) exactly (relative 1e-12), for every t, and the
    /// per-unit closed form (`unitGradientLog10`) is k·log10 r.
    @Test(arguments: [0.5, 0.9, 0.999])
    func ringGradientIsExactPower(r: Double) throws {
        var rng = RandomStream(seed: 4)
        let n = 5, d = 2, t = 200
        let p = LRUParameters.ring(units: n, inputSize: d, rMin: r, rMax: r, maxPhase: 2 * .pi, rng: &rng)
        let cell = LRUCell(weights: p.cellWeights)
        let u = Unroller(cell: cell, capacity: t, batch: 1)
        let x = [Double](repeating: 0, count: t * d)
        var g = rng.normals(2 * n)
        let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
        g = g.map { $0 / norm }
        x.withUnsafeBufferPointer { u.forward(steps: t, inputs: $0.baseAddress!) }
        u.beginBackward()
        g.withUnsafeBufferPointer { gb in u.backward(from: t, to: 0, injected: t...t) { _ in gb.baseAddress! } }
        for step in stride(from: t, through: 1, by: -1) {
            let v = UnsafeBufferPointer(start: u.stateGradient(step), count: 2 * n)
            let measured = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let predicted = Foundation.pow(r, Double(t - step))
            #expect(abs(measured - predicted) <= 1e-12 * predicted, "t = \(step): \(measured) vs \(predicted)")
        }
        let closed = cell.unitGradientLog10(steps: 37)
        #expect(closed.allSatisfy { abs($0 - 37 * Foundation.log10(r)) < 1e-12 })
    }

    /// Orvieto et al.'s normalisation (their §3.3): for white-noise input x_t ~ N(0, I) and the stationary
    /// state of h_t = λ h_{t−1} + γ B x_t, E|h_j|² = γ_j² ‖B_j‖² / (1 − |λ_j|²) with ‖B_j‖² = ‖B_re,j‖² + ‖B_im,j‖².
    /// With γ = √(1 − |λ|²) the ratio E|h_j|² / ‖B_j‖² is 1 for every |λ| (O(1) as |λ| → 1); with γ = 1
    /// it is 1/(1 − |λ|²) (5.3, 50, 500 for |λ| = 0.9, 0.99, 0.999). Estimated from 32 chains × 8 units,
    /// burn-in 10/(1 − r) steps, then 30,000 steps; the mean over units of the ratio is compared (effective
    /// samples ≈ 32·8·30,000·(1 − r²)/(1 + r²) ≈ 7,700 at r = 0.999, relative standard error ≈ 1/√7,700 ≈ 1.1%
    /// as |h|² is exponential): tolerance 8% relative (> 7 standard errors).
    @Test(arguments: [0.9, 0.99, 0.999])
    func normalisationKeepsStateVarianceOrderOne(r: Double) throws {
        for normalised in [true, false] {
            var rng = RandomStream(seed: 8, stream: normalised ? 1 : 2)
            let n = 8, d = 3, batch = 32, chunk = 1000
            var p = LRUParameters.ring(units: n, inputSize: d, rMin: r, rMax: r, maxPhase: 2 * .pi, rng: &rng)
            if !normalised {
                p = LRUParameters(nuLog: p.nuLog, thetaLog: p.thetaLog, gammaLog: [Double](repeating: 0, count: n),
                                  bRe: p.bRe, bIm: p.bIm, cRe: p.cRe, cIm: p.cIm, d: p.d)
            }
            let u = Unroller(cell: LRUCell(weights: p.cellWeights), capacity: chunk, batch: batch)
            var state = [Double](repeating: 0, count: batch * 2 * n)
            var sums = [Double](repeating: 0, count: n), count = 0
            let burn = Int((10 / (1 - r)).rounded(.up)), total = burn + 30_000
            var done = 0
            while done < total {
                let x = rng.normals(chunk * batch * d)
                x.withUnsafeBufferPointer { xb in state.withUnsafeBufferPointer { u.forward(steps: chunk, inputs: xb.baseAddress!, initial: $0.baseAddress!) } }
                for step in 1...chunk where done + step > burn {
                    let s = u.state(step)
                    for b in 0..<batch { for j in 0..<n {
                        let re = s[b * 2 * n + j], im = s[b * 2 * n + n + j]
                        sums[j] += re * re + im * im
                    } }
                    count += batch
                }
                state = Array(UnsafeBufferPointer(start: u.state(chunk), count: batch * 2 * n))
                done += chunk
            }
            let gain = normalised ? 1 : 1 / (1 - r * r)
            var mean = 0.0
            for j in 0..<n {
                var bj = 0.0
                for c in 0..<d { bj += p.bRe[j, c] * p.bRe[j, c] + p.bIm[j, c] * p.bIm[j, c] }
                mean += sums[j] / Double(count) / bj / Double(n)
            }
            #expect(abs(mean / gain - 1) < 0.08, "r = \(r), normalised \(normalised): mean E|h_j|²/‖B_j‖² = \(mean), expected \(gain)")
        }
    }

    /// The one-step Jacobian is W_hh in real form, [[diag Re λ, −diag Im λ], [diag Im λ, diag Re λ]].
    @Test func jacobianIsRealFormOfLambda() throws {
        let (model, p) = try Self.twins(units: 3, input: 2, seed: 21)
        let cell = model.makeCell()
        var ws = cell.makeWorkspace()
        let lam = p.rotation, n = 3
        var j = [Double](repeating: 0, count: 36)
        let s = [0.1, -0.2, 0.3, 0.4, 0.5, -0.6], x = [1.0, -1.0]
        j.withUnsafeMutableBufferPointer { cell.jacobian(s, x, into: $0.baseAddress!, workspace: &ws) }
        for a in 0..<n {
            #expect(j[a * 6 + a] == lam[a] && j[(n + a) * 6 + n + a] == lam[a])
            #expect(j[a * 6 + n + a] == -lam[n + a] && j[(n + a) * 6 + a] == lam[n + a])
        }
        #expect(j.filter { $0 != 0 }.count == 4 * n)
    }

    /// A reference LRU module's bare state dict (nu_log, …, D; no metadata) reads as an lru with its head,
    /// names read as _l0; it writes back with _l0 names, 1-D vectors and cell = lru; a missing tensor or a
    /// conflicting --cell is a clear error.
    @Test func readsAndWritesStateDict() throws {
        let path = Self.directory.appendingPathComponent("statedict-lru.safetensors").path
        let (model, reading) = try RecurrentModel.read(path)
        #expect(model.cell == .lru && model.hiddenSize == 8 && model.inputSize == 3 && model.headSize == 2)
        #expect(reading.notes.contains { $0.contains("cell lru") } && reading.head == "head")
        #expect(model.parameters.names == LRUName.stems.map { LRUName.name($0) } + [ParameterName.headWeight, ParameterName.headBias])
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("lru-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try model.save(out)
        let back = try RecurrentModel.read(out)
        #expect(back.model.cell == .lru && back.model.parameters == model.parameters)
        #expect(!back.reading.notes.contains { $0.contains("cell lru") })
        // Missing B_im: the error names it and the names an lru layer needs.
        let names = ["nu_log", "theta_log", "gamma_log", "B_re", "C_re", "C_im", "D"]
        let shapes: [String: [Int]] = ["nu_log": [4], "theta_log": [4], "gamma_log": [4], "B_re": [4, 3], "C_re": [3, 4], "C_im": [3, 4], "D": [3]]
        let partial = try ModelFileReading(path: "m", names: names, shapes: shapes, metadata: [:])
        #expect(partial.cell == .lru)
        let pairs = try partial.selection.map { (name, file) -> (String, Matrix) in
            let shape = shapes[file]!
            return (name, try Matrix(rows: shape[0], cols: shape.count > 1 ? shape[1] : 1, elements: [Double](repeating: 0.1, count: shape.reduce(1, *))))
        }
        #expect { _ = try RecurrentModel(cell: .lru, parameters: ParameterSet(pairs)) } throws: { e in
            "\(e)".contains("missing parameter 'B_im_l0'")
        }
        #expect { _ = try ModelFileReading(path: "m", names: names, shapes: shapes, metadata: [:], cell: .rnn) } throws: { e in
            "\(e)".contains("--cell rnn, but the file holds an lru module")
        }
    }
}

/// Central differences (L(θ + ε e_k) − L(θ − ε e_k)) / 2ε of `loss` in every entry k of every parameter
/// of `model`, handed to `body` with the parameter's name and k.
func forEachParameterDifference(_ model: RecurrentModel, eps: Double, loss: (RecurrentModel) throws -> Double,
                                _ body: (String, Int, Double) throws -> Void) throws {
    for (name, tensor) in model.parameters.pairs {
        for k in 0..<tensor.count {
            var plus = model, minus = model
            var e = tensor.elements
            e[k] += eps
            try plus.replace(name, with: try Matrix(rows: tensor.rows, cols: tensor.cols, elements: e))
            e[k] -= 2 * eps
            try minus.replace(name, with: try Matrix(rows: tensor.rows, cols: tensor.cols, elements: e))
            try body(name, k, (try loss(plus) - loss(minus)) / (2 * eps))
        }
    }
}
