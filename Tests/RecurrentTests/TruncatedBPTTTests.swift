import Linalg
import Testing
@testable import Recurrent

/// Truncated BPTT against brute-force references that detach explicitly.
@Suite struct TruncatedBPTTTests {
    /// The PyTorch recipe by hand: run full BPTT on each chunk separately, starting from the state
    /// the previous chunk ended in (a constant), with the chunk's own targets; sum the gradients.
    @Test(arguments: [CellKind.rnn(.tanh), .lstm, .gru], [2, 3, 7])
    func chunksEqualExplicitlyDetachedChunks(cell: CellKind, k: Int) throws {
        let p = try Problem(cell: cell, loss: .mse, mode: .all, seed: 21, steps: 8, batch: 2)
        let g = try p.model.gradients(p.inputs, outputs: .all, objective: p.objective,
                                      initialState: p.initialState, truncation: .chunks(k))
        guard case .mse(let targets) = p.objective else { return }
        var sum = ParameterSet(zerosLike: p.model.parameters)
        var carry = p.initialState, lossSum = 0.0
        var dx = [Double]()
        for start in stride(from: 0, to: 8, by: k) {
            let r = start..<min(start + k, 8)
            let gc = try p.model.gradients(p.inputs.slice(steps: r), outputs: .all,
                                           objective: .mse(targets: targets.slice(steps: r)), initialState: carry)
            sum = try sum.adding(gc.parameters)
            lossSum += gc.loss
            dx += gc.input
            carry = finalState(gc.forward, stateSize: p.model.stateSize)
        }
        for i in sum.tensors.indices {
            #expect(maxAbsDifference(g.parameters.tensors[i].elements, sum.tensors[i].elements) < 1e-12, "\(sum.names[i])")
        }
        #expect(maxAbsDifference(g.input, dx) < 1e-12)
        #expect(abs(g.loss - lossSum) < 1e-12)
        #expect(g.segmentLosses.count == (8 + k - 1) / k)
    }

    /// BPTT(k1, k2) against central differences of its definition: for each segment end e, the
    /// mean loss of output steps (e − k1, e], as a function of θ with s_{e−k2} held fixed.
    @Test(arguments: [CellKind.rnn(.tanh), .gru], [(1, 3), (2, 2), (2, 5), (3, 4)])
    func williamsPengMatchesSegmentwiseDifferences(cell: CellKind, ks: (Int, Int)) throws {
        let (k1, k2) = ks
        let t = 7
        let p = try Problem(cell: cell, loss: .mse, mode: .all, seed: 33, steps: t, batch: 2)
        guard case .mse(let targets) = p.objective else { return }
        let g = try p.model.gradients(p.inputs, outputs: .all, objective: p.objective, initialState: p.initialState,
                                      truncation: .williamsPeng(k1: k1, k2: k2))
        var ends = Array(stride(from: k1, through: t, by: k1)); if ends.last != t { ends.append(t) }
        let full = try p.model.forward(p.inputs, outputs: .all, initialState: p.initialState)
        let idx = p.model.parameters.index(of: ParameterName.weightHH)!
        let w = p.model.parameters.tensors[idx]
        var numeric = [Double](repeating: 0, count: w.count)
        var previous = 0
        for e in ends {
            let start = max(0, e - k2)
            let s0 = start == 0 ? p.initialState : state(full, step: start, stateSize: p.model.stateSize)
            let from = previous + 1
            let seg = try centralDifferences(w.elements) { v in
                var m = p.model
                var ts = m.parameters.tensors
                ts[idx] = try Matrix(rows: w.rows, cols: w.cols, elements: v)
                try m.setTensors(ts)
                let f = try m.forward(p.inputs.slice(steps: start..<e), outputs: .all, initialState: s0)
                // Hand-written mean squared error over output steps from…e.
                let o = f.outputSize, b = 2
                let y = f.outputs[((from - 1 - start) * b * o)...], tg = targets.values[((from - 1) * b * o) ..< (e * b * o)]
                return zip(y, tg).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(tg.count)
            }
            for i in numeric.indices { numeric[i] += seg[i] }
            previous = e
        }
        #expect(relativeError(g.parameters.tensors[idx].elements, numeric) < 1e-6)
    }

    @Test(arguments: [CellKind.rnn(.relu), .lstm])
    func williamsPengSpecialCases(cell: CellKind) throws {
        let p = try Problem(cell: cell, loss: .ce, mode: .all, seed: 8, steps: 9, batch: 3)
        func grads(_ tr: Truncation) throws -> [Double] {
            try p.model.gradients(p.inputs, outputs: .all, objective: p.objective, initialState: p.initialState, truncation: tr)
                .parameters.tensors.flatMap(\.elements)
        }
        #expect(maxAbsDifference(try grads(.williamsPeng(k1: 3, k2: 3)), try grads(.chunks(3))) < 1e-14)
        #expect(maxAbsDifference(try grads(.williamsPeng(k1: 9, k2: 9)), try grads(.none)) < 1e-14)
        #expect(maxAbsDifference(try grads(.chunks(100)), try grads(.none)) < 1e-14)
        #expect(throws: RecurrentError.self) { try grads(.williamsPeng(k1: 3, k2: 2)) }
        #expect(throws: RecurrentError.self) { try grads(.chunks(0)) }
    }

    /// Many-to-one with chunks: only the final chunk sees the loss, so gradients reach back at most k steps.
    @Test func manyToOneChunksOnlyReachBackK() throws {
        let p = try Problem(cell: .rnn(.tanh), loss: .mse, mode: .last, seed: 2, steps: 10, batch: 1)
        let g = try p.model.gradients(p.inputs, outputs: .last, objective: p.objective, initialState: p.initialState,
                                      truncation: .chunks(4))
        #expect(g.hiddenNorms[0..<8].allSatisfy { $0 == 0 })
        #expect(g.hiddenNorms[8..<10].allSatisfy { $0 > 0 })
        #expect(g.segmentLosses.prefix(2) == [0, 0])
    }
}

/// s_t (B × S, rows [h, c]) from a forward pass, t ≥ 1.
func state(_ f: ForwardPass, step t: Int, stateSize s: Int) -> [Double] {
    let b = f.batchSize, h = f.hiddenSize
    var out: [Double] = []
    for r in 0..<b {
        let lo: Int = ((t - 1) * b + r) * h
        out.append(contentsOf: f.hidden[lo ..< lo + h])
        if s == 2 * h, let c = f.cell { out.append(contentsOf: c[lo ..< lo + h]) }
    }
    return out
}

func finalState(_ f: ForwardPass, stateSize s: Int) -> [Double] { state(f, step: f.steps, stateSize: s) }
