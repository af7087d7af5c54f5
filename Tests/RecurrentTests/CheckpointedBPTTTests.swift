import Foundation
import Linalg
import Testing
@testable import Recurrent

/// Checkpointed BPTT (`CheckpointedUnroller`) against the full tape (`Unroller`): states, ∂L/∂s_t,
/// ∂L/∂s_0 and every per-step norm bit for bit; parameter gradients within the rounding bound of a
/// re-ordered sum, |Δ| ≤ 2γ_n·Σ_t |a_t|·|b_t| (n = T·B terms). Gradients are injected at every step
/// (so injections and the carried ∂L/∂s both cross segment boundaries), over T = 200 steps.
@Suite struct CheckpointedBPTTTests {
    static let cells: [CellKind] = [.rnn(.tanh), .lstm, .gru, .indrnn(.relu)]

    @Test(arguments: cells, [(1, 15), (3, 15), (2, 7), (2, 1), (1, 200)])
    func matchesTheFullTape(kind: CellKind, shape: (batch: Int, interval: Int)) throws {
        var rng = RandomStream(seed: 2101, stream: 3)
        let model = try RecurrentModel.initialized(cell: kind, inputSize: 3, hiddenSize: 6, headSize: nil, rng: &rng)
        try compare(model.makeCell(), steps: 200, batch: shape.batch, interval: shape.interval, rng: &rng)
    }

    private func compare<C: RecurrentCell>(_ cell: C, steps t: Int, batch b: Int, interval k: Int, rng: inout RandomStream) throws {
        let h = cell.hiddenSize, s = cell.stateSize, d = cell.inputSize
        let x = rng.normals(t * b * d), s0 = rng.normals(b * s, std: 0.5), inject = rng.normals(t * b * h)
        let full = Unroller(cell: cell, capacity: t, batch: b)
        let ck = CheckpointedUnroller(cell: cell, capacity: t, batch: b, interval: k)
        #expect(ck.interval == min(k, t))
        var dStates = [Double](repeating: .nan, count: t * b * s)
        try x.withUnsafeBufferPointer { xp in
            try s0.withUnsafeBufferPointer { sp in
                try inject.withUnsafeBufferPointer { g in
                    full.forward(steps: t, inputs: xp.baseAddress!, initial: sp.baseAddress!)
                    full.beginBackward()
                    full.backward(from: t, to: 0, injected: 1...t) { g.baseAddress! + ($0 - 1) * b * h }
                    ck.forward(steps: t, inputs: xp.baseAddress!, initial: sp.baseAddress!)
                    try expectBitIdentical(UnsafeBufferPointer(start: ck.lastState, count: b * s),
                                           UnsafeBufferPointer(start: full.state(t), count: b * s), "s_T")
                    ck.backward(injected: 1...t, injection: { g.baseAddress! + ($0 - 1) * b * h }) { range, tape in
                        for step in range {
                            let src = tape.stateGradient(step - range.lowerBound + 1)
                            for i in 0..<(b * s) { dStates[(step - 1) * b * s + i] = src[i] }
                        }
                    }
                }
            }
        }
        try expectBitIdentical(dStates, Array(UnsafeBufferPointer(start: full.stateGradient(1), count: t * b * s)), "∂L/∂s_t")
        try expectBitIdentical(UnsafeBufferPointer(start: ck.initialStateGradient, count: b * s),
                               UnsafeBufferPointer(start: full.initialStateGradient, count: b * s), "∂L/∂s_0")
        var norms = [Double](repeating: 0, count: t), log10s = [Double](repeating: 0, count: t)
        norms.withUnsafeMutableBufferPointer { full.hiddenGradientNorms(into: $0.baseAddress!) }
        log10s.withUnsafeMutableBufferPointer { full.recurrentWeightStepLog10Norms(into: $0.baseAddress!) }
        try expectBitIdentical(ck.hiddenGradientNorms, norms, "‖∂L/∂h_t‖")
        try expectBitIdentical(ck.recurrentWeightStepLog10Norms, log10s, "log10 ‖∂L/∂W_hh term‖")
        if let cellNorms = ck.cellGradientNorms {
            var c = [Double](repeating: 0, count: t)
            c.withUnsafeMutableBufferPointer { full.cellGradientNorms(into: $0.baseAddress!) }
            try expectBitIdentical(cellNorms, c, "‖∂L/∂c_t‖")
        }

        // Parameter gradients: the same terms summed in another order.
        let exact = full.parameterGradients(inputGradient: false), got = ck.parameterGradients
        let n = Double(t * b), u = 0x1p-53, gamma = 2 * n * u / (1 - n * u)
        let gh = cell.weights.gateRows, rows = t * b
        var absIH = [Double](repeating: 0, count: gh * d), absHH = [Double](repeating: 0, count: gh * h)
        var absBI = [Double](repeating: 0, count: gh), absBH = [Double](repeating: 0, count: gh)
        let diagonal = cell.weights.recurrentDiagonal != nil
        for r in 0..<rows {
            for i in 0..<gh {
                let a = abs(full.zx[r * gh + i]), ah = abs(full.dzhAll[r * gh + i])
                absBI[i] += a; absBH[i] += ah
                for j in 0..<d { absIH[i * d + j] += a * abs(x[r * d + j]) }
                if diagonal { absHH[i] += ah * abs(full.states[r * s + i]) }
                else { for j in 0..<h { absHH[i * h + j] += ah * abs(full.states[r * s + j]) } }
            }
        }
        func check(_ a: Matrix, _ e: Matrix, _ scale: [Double], _ name: String) {
            #expect(a.rows == e.rows && a.cols == e.cols, "\(name): shape")
            for index in 0..<e.elements.count {
                let diff = abs(a.elements[index] - e.elements[index]), bound = gamma * scale[index]
                #expect(diff <= bound, "\(C.self) B = \(b) K = \(k): \(name)[\(e.elements.count)…] entry \(index) differs by \(diff) > bound \(bound)")
            }
        }
        check(got.inputWeight, exact.inputWeight, absIH, "∂L/∂W_ih")
        check(got.hiddenWeight, exact.hiddenWeight, absHH, "∂L/∂W_hh")
        check(got.inputBias, exact.inputBias, absBI, "∂L/∂b_ih")
        check(got.hiddenBias, exact.hiddenBias, absBH, "∂L/∂b_hh")
        // The bound is not vacuous: the gradients are far larger than it.
        #expect(nrm2(exact.hiddenWeight.elements) > 1e6 * gamma * (absHH.max() ?? 0))
    }

    private func expectBitIdentical<A: Collection<Double>, B: Collection<Double>>(_ a: A, _ b: B, _ what: String) throws {
        try #require(a.count == b.count, "\(what): \(a.count) vs \(b.count) values")
        let mismatches = zip(a, b).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
        #expect(mismatches.isEmpty, "\(what): \(mismatches.count) of \(a.count) values differ, first at \(mismatches.first.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? "")")
    }

    @Test func strategyFollowsTheBudget() {
        let w = CellWeights(gateCount: 1, inputWeight: Matrix(rows: 64, cols: 1), hiddenWeight: Matrix(rows: 64, cols: 64),
                            inputBias: nil, hiddenBias: nil)
        let cell = VanillaCell(weights: w, activation: .tanh)
        // T = 10⁶, H = 64, B = 1: (T+1)·64 + T·(64 + 64 + 64) doubles ≈ 2.05 GB.
        #expect(abs(cell.tapeBytes(steps: 1_000_000, batch: 1) - 8 * (1_000_001.0 * 64 + 1e6 * 192)) < 1)
        #expect(cell.bpttStrategy(steps: 1_000_000, batch: 1, budget: .standard) == .checkpointed(interval: 1000))
        #expect(cell.bpttStrategy(steps: 1000, batch: 1, budget: .standard) == .fullTape)
        #expect(cell.bpttStrategy(steps: 1000, batch: 1, budget: MemoryBudget(bytes: 1000)) == .checkpointed(interval: 32))
        #expect(cell.checkpointedBytes(steps: 1_000_000, batch: 1, interval: 1000) < 3e6)
        #expect(CheckpointedUnroller<VanillaCell>.defaultInterval(steps: 1_000_000) == 1000)
        #expect(CheckpointedUnroller<VanillaCell>.defaultInterval(steps: 1_000_001) == 1001)
        #expect(CheckpointedUnroller<VanillaCell>.defaultInterval(steps: 1) == 1)
    }

    @Test func budgetsParse() throws {
        #expect(try MemoryBudget(parsing: "1GiB").bytes == 1 << 30)
        #expect(try MemoryBudget(parsing: "200MB").bytes == 200_000_000)
        #expect(try MemoryBudget(parsing: "1.5mib").bytes == 3 << 19)
        #expect(try MemoryBudget(parsing: "4096").bytes == 4096)
        // The run's older syntax (K, M, G, T: powers of 1000) is the same parser.
        #expect(try MemoryBudget(parsing: "4G").bytes == 4_000_000_000)
        #expect(try MemoryBudget(parsing: "512k").bytes == 512_000)
        #expect(try MemoryBudget(parsing: "1TB").bytes == 1_000_000_000_000)
        #expect(MemoryBudget.standard.description == "256MiB")
        #expect(MemoryBudget(bytes: 200_000_000).description == "200MB" && MemoryBudget(bytes: 1024).description == "1KiB")
        for bad in ["", "GiB", "-1MB", "1PB", "lots", "nan", "1e30"] {
            #expect(throws: RecurrentError.self, "\(bad)") { try MemoryBudget(parsing: bad) }
        }
    }
}
