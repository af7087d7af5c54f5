import Foundation
import Linalg
import Testing
@testable import Recurrent

/// IndRNN (diagonal recurrence u ⊙ h_{t−1}): PyTorch float64 parity with a hand-written torch module
/// (scripts/make_cell_fixtures.py, Tests/Fixtures/Cells), the unroller's element-wise fast path
/// against the dense path of an Elman cell with W_hh = diag(u), and the closed-form per-unit
/// gradient ∏ |u_j φ'(z_{s,j})| against products of the cell's Jacobians.
@Suite struct IndRNNTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/Cells").standardized
    static let names: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
        .filter { $0.hasPrefix("indrnn-") && $0.hasSuffix(".json") }.sorted()

    @Test func fixturesArePresent() {
        // 2 activations × (single: full all/last, chunks, BPTT(k1, k2); stacked: L2 uni, L2 bi, L2 bi chunks, L3 BPTT(k1, k2)).
        #expect(Self.names.count == 16)
    }

    @Test(arguments: names)
    func matchesPyTorch(file: String) throws {
        try checkCellFixture(file, in: Self.directory) { $0.cell == "indrnn-relu" ? .indrnn(.relu) : .indrnn(.tanh) }
    }

    /// The element-wise path (u ⊙ h, ∂L/∂u) equals the dense gemm path of an Elman cell whose W_hh is
    /// diag(u): same loss, ∂L/∂h_t, ∂L/∂x, and ∂L/∂u = the diagonal of the dense ∂L/∂W_hh; for B = 1
    /// (gemv) and B = 3 (gemm), full and truncated BPTT.
    @Test(arguments: [(1, Truncation.none), (3, .none), (3, .williamsPeng(k1: 2, k2: 3)), (2, .chunks(2))])
    func diagonalPathEqualsDensePath(batch: Int, truncation: Truncation) throws {
        var rng = RandomStream(seed: 77, stream: UInt64(batch))
        let h = 5, d = 3, t = 9
        let ind = try RecurrentModel.initialized(cell: .indrnn(.tanh), inputSize: d, hiddenSize: h, headSize: 2, rng: &rng)
        let u = ind.parameters[ParameterName.weightHH]!.elements.map { $0 * 3 }
        var indModel = ind
        try indModel.replace(ParameterName.weightHH, with: try Matrix(rows: h, cols: 1, elements: u))
        var dense = Matrix(rows: h, cols: h)
        for j in 0..<h { dense[j, j] = u[j] }
        let densePairs = indModel.parameters.pairs.map { ($0.name, $0.name == ParameterName.weightHH ? dense : $0.tensor) }
        let rnn = try RecurrentModel(cell: .rnn(.tanh), parameters: ParameterSet(densePairs))
        let x = try SequenceBatch(steps: t, batchSize: batch, featureSize: d, timeMajor: rng.normals(t * batch * d))
        let y = try SequenceBatch(steps: t, batchSize: batch, featureSize: 2, timeMajor: rng.normals(t * batch * 2))
        let s0 = rng.normals(batch * h)
        let a = try indModel.gradients(x, outputs: .all, objective: .mse(targets: y), initialState: s0, truncation: truncation)
        let b = try rnn.gradients(x, outputs: .all, objective: .mse(targets: y), initialState: s0, truncation: truncation)
        #expect(abs(a.loss - b.loss) < 1e-14)
        #expect(maxAbsDifference(a.hidden, b.hidden) < 1e-14)
        #expect(maxAbsDifference(a.input, b.input) < 1e-14)
        for name in indModel.parameters.names {
            let got = a.parameters[name]!.elements
            let want = name == ParameterName.weightHH ? (0..<h).map { b.parameters[name]![$0, $0] } : b.parameters[name]!.elements
            #expect(maxAbsDifference(got, want) < 1e-13, "\(name)")
        }
        // Per-step ∂L/∂u contributions: log10 ‖Σ_b δ_b ⊙ h_b‖ from the dense products' diagonals.
        #expect(a.recurrentWeightStepLog10Norms.count == t)
        #expect(a.recurrentWeightStepLog10Norms.allSatisfy { $0.isFinite })
    }

    /// ∂h_T/∂h_{T−k} = diag(∏ u ⊙ φ'(z_s)): the closed form per unit against the product of the
    /// cell's dense one-step Jacobians along a driven trajectory, to 1e-12 relative, for tanh and relu.
    @Test(arguments: [Activation.tanh, .relu])
    func closedFormPerUnitGradient(activation: Activation) throws {
        var rng = RandomStream(seed: 5)
        let h = 6, d = 2, k = 40
        var model = try RecurrentModel.initialized(cell: .indrnn(activation), inputSize: d, hiddenSize: h, headSize: nil, rng: &rng)
        // u spread over (−1.3, 1.3): growing, decaying and sign-alternating units.
        try model.replace(ParameterName.weightHH, with: try Matrix(rows: h, cols: 1, elements: rng.uniforms(h, -1.3, 1.3)))
        guard let cell = model.makeCell() as? IndRNNCell else { Issue.record("not an IndRNNCell"); return }
        var ws = cell.makeWorkspace()
        var s = rng.normals(h, std: 0.5), next = [Double](repeating: 0, count: h)
        var product = Matrix.identity(h)
        var z: [Double] = [], states: [Double] = []
        var j = [Double](repeating: 0, count: h * h)
        for _ in 0..<k {
            let x = rng.normals(d)
            j.withUnsafeMutableBufferPointer { cell.jacobian(s, x, into: $0.baseAddress!, workspace: &ws) }
            next.withUnsafeMutableBufferPointer { cell.step(s, x, into: $0.baseAddress!, workspace: &ws) }
            z += (0..<h).map { ws.cache[$0] }
            states += next
            product = try matmul(Matrix(rows: h, cols: h, elements: j), product)
            s = next
        }
        let closed = cell.unitGradientLog10(preactivations: z, states: states)
        for a in 0..<h {
            for b in 0..<h where b != a { #expect(product[a, b] == 0) }
            let measured = abs(product[a, a])
            if closed[a] == -.infinity { #expect(measured == 0); continue }
            let predicted = Foundation.pow(10, closed[a])
            #expect(abs(measured - predicted) <= 1e-12 * predicted, "unit \(a): \(measured) vs \(predicted)")
        }
    }

    /// A bare torch state dict with a 1-D weight_hh_l0 reads as an indrnn (no metadata), with its
    /// layers and head, and writes back with weight_hh 1-D and the cell in the metadata.
    @Test func readsAndWritesStateDict() throws {
        let path = Self.directory.appendingPathComponent("statedict-indrnn-L2.safetensors").path
        let (model, reading) = try RecurrentModel.read(path, activation: "relu")
        #expect(model.cell == .indrnn(.relu))
        #expect(model.layers == 2 && model.hiddenSize == 4 && model.inputSize == 3 && model.headSize == 2)
        #expect(reading.notes.contains { $0.contains("cell indrnn") })
        #expect(model.parameters[ParameterName.weightHH(layer: 1)]?.cols == 1)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("indrnn-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try model.save(out)
        let back = try RecurrentModel.read(out).model
        #expect(back.cell == .indrnn(.relu) && back.parameters == model.parameters)
        // A matrix weight_hh is no indrnn.
        #expect(throws: RecurrentError.self) {
            _ = try ModelFileReading(path: "m", names: ["weight_ih_l0", "weight_hh_l0"], shapes: ["weight_ih_l0": [4, 3], "weight_hh_l0": [4, 4]],
                                     metadata: [:], cell: .indrnn)
        }
    }

    @Test func parameterCountsCountTheVector() {
        let counts = ParameterCounts(names: ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"], shapes: [[4, 3], [4], [4], [4]])
        #expect(counts.units.count == 1)
        #expect(counts.units[0].diagonal && counts.recurrentCount == 12 + 4 + 8)
        #expect(counts.recurrentPyTorch == 4 * (3 + 1 + 2) && counts.recurrentTextbook == 4 * (3 + 1 + 1))
    }
}

extension RecurrentModel {
    /// This model with the tensor `name` replaced (same shape).
    mutating func replace(_ name: String, with m: Matrix) throws {
        var tensors = parameters.tensors
        tensors[parameters.index(of: name)!] = m
        try setTensors(tensors)
    }
}
