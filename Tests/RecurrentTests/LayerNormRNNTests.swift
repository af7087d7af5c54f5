import Foundation
import Linalg
import Testing
@testable import Recurrent

/// The layer-normalised RNN (Ba, Kiros & Hinton 2016): PyTorch float64 parity with a hand-written torch
/// module (scripts/make_cell_fixtures.py, Tests/Fixtures/Cells; its normalisation is checked there against
/// torch.nn.functional.layer_norm), finite differences with gains and shifts away from 1 and 0, the
/// normalisation's Jacobian, and model files (safetensors and .pt) by name. The FiniteDifferenceTests and
/// JacobianTests suites cover lnrnn too (`allCells`).
@Suite struct LayerNormRNNTests {
    static let directory = IndRNNTests.directory
    static let names: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
        .filter { $0.hasPrefix("lnrnn-") && $0.hasSuffix(".json") }.sorted()

    @Test func fixturesArePresent() {
        // 2 activations × (single: full all/last, chunks, BPTT(k1, k2); stacked: L2 uni, L2 bi, L2 bi chunks, L3 BPTT(k1, k2)).
        #expect(Self.names.count == 16)
    }

    @Test(arguments: names)
    func matchesPyTorch(file: String) throws {
        let (f, model) = try checkCellFixture(file, in: Self.directory) { $0.cell == "lnrnn-relu" ? .lnrnn(.relu) : .lnrnn(.tanh) }
        #expect(model.parameters.names == f.order)
    }

    /// A random LN-RNN (gain U(0.3, 2), shift U(−1, 1), with and without the pre-normalisation biases,
    /// stacked and bidirectional too) against central differences of the loss in every parameter, in
    /// x and in s_0, relative error < 1e−6.
    @Test(arguments: [(UInt64(1), true, 1, false), (2, false, 1, false), (3, true, 2, false), (4, true, 2, true), (5, false, 3, false)])
    func gradientsMatchFiniteDifferences(seed: UInt64, bias: Bool, layers: Int, bidirectional: Bool) throws {
        var rng = RandomStream(seed: seed, stream: 21)
        let d = 2 + rng.integer(below: 2), h = 3 + rng.integer(below: 3), t = 4 + rng.integer(below: 3), b = 2
        var model = try RecurrentModel.initialized(cell: seed % 2 == 0 ? .lnrnn(.relu) : .lnrnn(.tanh), inputSize: d, hiddenSize: h,
                                                   headSize: 2, bias: bias, layers: layers, bidirectional: bidirectional, rng: &rng)
        try model.setTensors(model.parameters.pairs.map { p in
            if p.name.hasPrefix("weight_ln") { return try Matrix(rows: h, cols: 1, elements: rng.uniforms(h, 0.3, 2)) }
            if p.name.hasPrefix("bias_ln") { return try Matrix(rows: h, cols: 1, elements: rng.uniforms(h, -1, 1)) }
            return p.tensor.scaled(by: 2)
        })
        #expect(model.parameters.names.contains(ParameterName.weightLN(layer: layers - 1, reverse: bidirectional)))
        #expect(model.parameters.names.contains(ParameterName.biasLN(layer: 0)) == bias)
        let x = try SequenceBatch(steps: t, batchSize: b, featureSize: d, timeMajor: rng.normals(t * b * d))
        let y = try SequenceBatch(steps: t, batchSize: b, featureSize: 2, timeMajor: rng.normals(t * b * 2))
        let s0 = rng.normals(layers * (bidirectional ? 2 : 1) * b * h, std: 0.5)
        func loss(_ m: RecurrentModel, _ x: SequenceBatch, _ s0: [Double]) throws -> Double {
            try m.gradients(x, outputs: .all, objective: .mse(targets: y), initialState: s0).loss
        }
        let g = try model.gradients(x, outputs: .all, objective: .mse(targets: y), initialState: s0)
        #expect(g.parameters.names == model.parameters.names)
        for (i, name) in model.parameters.names.enumerated() {
            let theta = model.parameters.tensors[i]
            let numeric = try centralDifferences(theta.elements) { v in
                var m = model, ts = model.parameters.tensors
                ts[i] = try Matrix(rows: theta.rows, cols: theta.cols, elements: v)
                try m.setTensors(ts)
                return try loss(m, x, s0)
            }
            let err = relativeError(g.parameters.tensors[i].elements, numeric)
            #expect(err < 1e-6, "∂L/∂\(name): relative error \(err)")
        }
        let dx = try centralDifferences(x.values) { v in try loss(model, SequenceBatch(steps: t, batchSize: b, featureSize: d, timeMajor: v), s0) }
        #expect(relativeError(g.input, dx) < 1e-6)
        let ds0 = try centralDifferences(s0) { try loss(model, x, $0) }
        #expect(relativeError(g.initialState, ds0) < 1e-6)
    }

    /// J = diag(φ'(y) ⊙ g)(I − 11ᵀ/H − n̂n̂ᵀ/H)W_hh/√(σ² + ε) against central differences of `step`
    /// (1e−9), with random gains; and the projector: a change of h_{t−1} that shifts a_t uniformly does not
    /// move h_t (J v = 0 to 1e−12); one that rescales a_t − μ_t moves it only through ε.
    @Test func jacobianIncludesTheNormalisation() throws {
        var rng = RandomStream(seed: 31)
        let h = 6, d = 2
        var model = try RecurrentModel.initialized(cell: .lnrnn(.tanh), inputSize: d, hiddenSize: h, headSize: nil, rng: &rng)
        try model.setTensors(model.parameters.pairs.map { p in
            p.name.hasPrefix("weight_ln") ? try Matrix(rows: h, cols: 1, elements: rng.uniforms(h, 0.3, 2)) : p.tensor.scaled(by: 2)
        })
        guard let cell = model.makeCell() as? LayerNormRNNCell else { Issue.record("not a LayerNormRNNCell"); return }
        let s = rng.normals(h, std: 0.7), x = rng.normals(d)
        var ws = cell.makeWorkspace()
        var j = [Double](repeating: 0, count: h * h)
        j.withUnsafeMutableBufferPointer { cell.jacobian(s, x, into: $0.baseAddress!, workspace: &ws) }
        for b in 0..<h {
            for a in 0..<h {
                let numeric = centralDifferences([s[b]]) { v in
                    var sp = s; sp[b] = v[0]
                    var out = [Double](repeating: 0, count: h)
                    out.withUnsafeMutableBufferPointer { cell.step(sp, x, into: $0.baseAddress!, workspace: &ws) }
                    return out[a]
                }[0]
                #expect(abs(j[a * h + b] - numeric) < 1e-9, "J[\(a), \(b)]")
            }
        }
        // With W_hh = diag(w), v = (1/w_j) shifts every a_i by the same amount: J v = 0; v' = (a_j − μ)/w_j
        // rescales a − μ, which reaches h only through ε: J v' = diag(φ'(y) ⊙ g) n̂ · ε/(σ² + ε).
        let diag = rng.uniforms(h, 0.5, 2).enumerated().map { $0.offset % 2 == 0 ? $0.element : -$0.element }
        var dense = Matrix(rows: h, cols: h)
        for k in 0..<h { dense[k, k] = diag[k] }
        try model.setTensors(model.parameters.pairs.map { $0.name == ParameterName.weightHH ? dense : $0.tensor })
        guard let diagonalCell = model.makeCell() as? LayerNormRNNCell else { return }
        var ws2 = diagonalCell.makeWorkspace()
        j.withUnsafeMutableBufferPointer { diagonalCell.jacobian(s, x, into: $0.baseAddress!, workspace: &ws2) }
        let c = Array(ws2.lastStepCache), inv = c[2 * h]
        let v = diag.map { 1 / $0 }, rescale = (0..<h).map { c[h + $0] / inv / diag[$0] }   // n̂ / inv = a − μ
        var next = [Double](repeating: 0, count: h)
        next.withUnsafeMutableBufferPointer { diagonalCell.step(s, x, into: $0.baseAddress!, workspace: &ws2) }
        let gain = diagonalCell.gain
        for a in 0..<h {
            let jv = (0..<h).reduce(0) { $0 + j[a * h + $1] * v[$1] }
            #expect(abs(jv) < 1e-12 * max(1, nrm2(v)), "row \(a): \(jv)")
            let jr = (0..<h).reduce(0) { $0 + j[a * h + $1] * rescale[$1] }
            let predicted = (1 - next[a] * next[a]) * gain[a] * c[h + a] * LayerNormRNNCell.epsilon * inv * inv
            #expect(abs(jr - predicted) < 1e-12, "row \(a): \(jr) vs \(predicted)")
        }
    }

    /// The hand-written model in a whole state dict (`rnn.` + a Linear `fc`, no metadata) reads as an
    /// lnrnn from safetensors and from a torch.save'd .pt, with its layers and head, and reproduces
    /// PyTorch's outputs; it writes back with the cell in the metadata; conflicting flags are errors.
    @Test(arguments: ["statedict-lnrnn-L2.safetensors", "statedict-lnrnn-L2.pt"])
    func readsModelFiles(file: String) throws {
        let path = Self.directory.appendingPathComponent(file).path
        let (model, reading) = try RecurrentModel.read(path)
        #expect(model.cell == .lnrnn(.tanh))
        #expect(model.layers == 2 && model.hiddenSize == 4 && model.inputSize == 3 && model.headSize == 2)
        #expect(reading.prefix == "rnn." && reading.head == "fc")
        #expect(reading.notes.contains { $0.contains("cell lnrnn") })
        #expect(model.parameters[ParameterName.weightLN(layer: 1)]?.count == 4)
        struct Expected: Decodable { let inputs: [Double], outputs: [Double] }
        let e = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: Self.directory.appendingPathComponent("statedict-lnrnn-L2-outputs.json")))
        let f = try model.forward(SequenceBatch(steps: 5, batchSize: 1, featureSize: 3, batchFirst: e.inputs), outputs: .all)
        #expect(maxAbsDifference(f.outputs, e.outputs) < 1e-12)

        let out = FileManager.default.temporaryDirectory.appendingPathComponent("lnrnn-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try model.save(out)
        let back = try RecurrentModel.read(out).model
        #expect(back.cell == .lnrnn(.tanh) && back.parameters == model.parameters)
        #expect(throws: RecurrentError.self) { _ = try RecurrentModel.read(path, cell: .rnn) }
    }

    @Test func clearErrors() throws {
        let shapes = ["weight_ih_l0": [4, 3], "weight_hh_l0": [4, 4], "weight_ln_l0": [4]]
        func reading(_ names: [String], cell: CellFamily?, metadata: [String: String] = [:]) throws -> ModelFileReading {
            try ModelFileReading(path: "m.safetensors", names: names, shapes: shapes, metadata: metadata, cell: cell)
        }
        // A gain beside an H × H weight_hh is an lnrnn; --cell rnn contradicts it.
        #expect(try reading(["weight_ih_l0", "weight_hh_l0", "weight_ln_l0"], cell: nil).cell == .lnrnn(.tanh))
        let rnn = #expect(throws: RecurrentError.self) { _ = try reading(["weight_ih_l0", "weight_hh_l0", "weight_ln_l0"], cell: .rnn) }
        #expect(rnn?.message.contains("'weight_ln_l0', a layer-norm gain") == true)
        // --cell lnrnn (or metadata) on a file without a gain.
        let missing = #expect(throws: RecurrentError.self) { _ = try reading(["weight_ih_l0", "weight_hh_l0"], cell: .lnrnn) }
        #expect(missing?.message.contains("has no 'weight_ln_l0'") == true)
        #expect(throws: RecurrentError.self) { _ = try reading(["weight_ih_l0", "weight_hh_l0"], cell: nil, metadata: ["cell": "lnrnn"]) }
        // The model: a missing gain in layer 1, a gain of the wrong length, a gain on an rnn.
        var rng = RandomStream(seed: 2)
        let m = try RecurrentModel.initialized(cell: .lnrnn(.tanh), inputSize: 3, hiddenSize: 4, headSize: nil, layers: 2, rng: &rng)
        let noGain = m.parameters.pairs.filter { $0.name != ParameterName.weightLN(layer: 1) }
        let e1 = #expect(throws: RecurrentError.self) { _ = try RecurrentModel(cell: .lnrnn(.tanh), parameters: ParameterSet(noGain)) }
        #expect(e1?.message.contains("missing parameter 'weight_ln_l1'") == true)
        let short = try m.parameters.pairs.map { ($0.name, $0.name == ParameterName.weightLN(layer: 0) ? try Matrix(rows: 3, cols: 1, elements: [1, 1, 1]) : $0.tensor) }
        #expect(throws: RecurrentError.self) { _ = try RecurrentModel(cell: .lnrnn(.tanh), parameters: ParameterSet(short)) }
        let e3 = #expect(throws: RecurrentError.self) { _ = try RecurrentModel(cell: .rnn(.tanh), parameters: m.parameters) }
        #expect(e3?.message.contains("unknown parameter 'weight_ln_l0'") == true)
    }

    @Test func parameterCountsCountGainAndShift() {
        let counts = ParameterCounts(names: ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ln_l0", "bias_ln_l0"],
                                     shapes: [[4, 3], [4, 4], [4], [4], [4], [4]])
        #expect(counts.units.count == 1 && counts.units[0].layerNorm)
        #expect(counts.recurrentCount == 12 + 16 + 8 + 8)
        #expect(counts.recurrentPyTorch == 4 * (3 + 4 + 2) + 8 && counts.recurrentTextbook == 4 * (3 + 4 + 1) + 4)
    }
}
