import Foundation
import Linalg

extension TraceReport {
    /// The hand calculation, step by step: forward (x_t, z_t or gates, h_t, c_t), outputs and loss;
    /// backward (∂L/∂h_t, δ_t = ∂L/∂z_t, each step's contributions δ_t x_tᵀ and δ_t h_{t−1}ᵀ); the totals.
    /// Vectors print as `[ 0.226  0.309  0.263]` with `digits` decimals; columns are aligned.
    public func text(digits: Int = 4) -> String {
        if model.isStacked { return stackedText(digits: digits) }
        let g = gradients, f = g.forward, gh = model.cell.gateCount * h
        var out = "trace: \(model.cell) cell, D = \(model.inputSize), H = \(h)"
        out += model.headSize.map { ", head O = \($0)" } ?? ", no head"
        // An LRU's adjoint is given on its layer output y_t (the read-out), not on the state.
        let given = model.cell == .lru ? "y" : "h"
        out += ", T = \(steps), B = \(batch); loss \(lossName == "adjoint" ? "none (∂L/∂\(given) given: L = Σ⟨∂L/∂\(given), \(given)⟩)" : lossName + " (mean)"), outputs \(outputMode.rawValue); \(truncationDescription)\n\(memory.line)\n"
        let v = { (x: [Double]) in formatVector(x, digits: digits) }
        for b in 0..<batch {
            if batch > 1 { out += "\n=== sequence \(b + 1) of \(batch) ===\n" }
            // Forward.
            var rows: [[String]] = []
            var header = ["t", "x_t"]
            switch model.cell {
            case .rnn, .indrnn: header += ["z_t", "h_t"]
            case .lnrnn: header += ["n̂_t = (a_t − μ_t)/√(σ_t² + ε)", "y_t = g ⊙ n̂_t + b", "h_t"]
            case .lstm: header += ["i_t", "f_t", "g_t", "o_t", "c_t", "h_t"]
            case .gru: header += ["r_t", "z_t", "n_t", "h_t"]
            case .lru: header += ["s_t = [Re h_t; Im h_t]"]
            }
            for t in 1...steps {
                let q = row(f.cache, t, b, f.cache.count / (steps * batch))
                var r = [String(t), v(row(inputs.values, t, b, model.inputSize))]
                switch model.cell {
                case .rnn, .indrnn: r.append(v(q))
                case .lnrnn: r += [v(Array(q[h ..< 2 * h])), v(Array(q[0 ..< h]))]
                case .lstm: r += (0..<4).map { v(Array(q[$0 * h ..< ($0 + 1) * h])) } + [v(row(f.cell!, t, b, h))]
                case .gru: r += (0..<3).map { v(Array(q[$0 * h ..< ($0 + 1) * h])) }
                case .lru: break
                }
                r.append(v(row(f.hidden, t, b, h)))
                rows.append(r)
            }
            out += "\nForward\n" + formatTable(header: header, rows: rows)
            let tOut = outputMode == .last ? 1 : steps, firstOut = outputMode == .last ? steps : 1
            rows = (0..<tOut).map { k in
                let t = firstOut + k
                return [String(t), v(row(f.outputs, k + 1, b, f.outputSize)), v(row(g.outputs, k + 1, b, g.outputs.count / (tOut * batch)))]
            }
            let yName = model.cell == .lru ? (model.headSize == nil ? "y_t = Re(C h_t) + D ⊙ x_t" : "W_head y_t + b_head, y_t = Re(C h_t) + D ⊙ x_t")
                : model.headSize == nil ? "y_t = h_t" : "y_t = W_head h_t + b_head"
            out += "\nOutputs\n" + formatTable(header: ["t", yName, lossName == "adjoint" ? "∂L/∂\(given)_t (given)" : "∂L/∂y_t"], rows: rows)
            if let (name, probabilities) = outputProbabilities {
                rows = (0..<tOut).map { k in [String(firstOut + k), v(probabilities(row(f.outputs, k + 1, b, f.outputSize)))] }
                out += formatTable(header: ["t", name], rows: rows)
            }
            // Backward.
            rows = []
            for t in stride(from: steps, through: 1, by: -1) {
                var r = [String(t), v(row(g.hidden, t, b, h))]
                if let c = g.cell { r.append(v(row(c, t, b, h))) }
                r.append(v(row(g.preactivations, t, b, gh)))
                if case .gru = model.cell { r.append(v(row(g.hiddenPreactivations, t, b, gh))) }
                r.append(formatNumber(g.hiddenNorms[t - 1], digits: digits, exponent: true))
                rows.append(r)
            }
            var bh = ["t", "∂L/∂h_t"]
            if g.cell != nil { bh.append("∂L/∂c_t") }
            switch model.cell {
            case .rnn, .indrnn: bh.append("δ_t = ∂L/∂z_t = ∂L/∂h_t ⊙ φ'(z_t)")
            case .lnrnn: bh.append("δ_t = ∂L/∂a_t (through the normalisation)")
            case .lstm: bh.append("δ_t = ∂L/∂(z_i, z_f, z_g, z_o)")
            case .gru: bh += ["δx_t = ∂L/∂(W_i x + b_i)", "δh_t = ∂L/∂(W_h h + b_h)"]
            case .lru: bh.append("δ_t = ∂L/∂(γ ⊙ B x_t) = ∂L/∂s_t (real form)")
            }
            bh.append("‖∂L/∂h_t‖ (batch)")
            out += "\nBackward (BPTT)\n" + formatTable(header: bh, rows: rows)
            // Per-step contributions (an LRU's parameters are not W_ih and W_hh: its totals follow).
            if model.cell == .lru { continue }
            // IndRNN: weight_hh_l0 is the vector u, whose step contribution is δ_t ⊙ h_{t−1}.
            let diagonal = model.cell.family.hasDiagonalRecurrence
            let hhTerm = diagonal ? "δ_t ⊙ h_{t−1}" : "δh_t h_{t−1}ᵀ"
            out += "\nStep contributions to ∂L/∂weight_ih_l0 (δ_t x_tᵀ) and ∂L/∂weight_hh_l0 (\(hhTerm))\n"
            for t in stride(from: steps, through: 1, by: -1) {
                let dx = row(g.preactivations, t, b, gh), dh = row(g.hiddenPreactivations, t, b, gh)
                let x = row(inputs.values, t, b, model.inputSize)
                let hp = t == 1 ? [Double](repeating: 0, count: h) : row(f.hidden, t - 1, b, h)
                out += "t = \(t)\n"
                out += formatTable(header: ["δ_t x_tᵀ", hhTerm],
                                   rows: (0..<gh).map { i in [v(x.map { dx[i] * $0 }), v(diagonal ? [dh[i] * hp[i]] : hp.map { dh[i] * $0 })] })
            }
        }
        return out + totalsText(digits: digits)
    }

    /// The loss, every parameter's gradient and ∂L/∂x_t.
    func totalsText(digits: Int) -> String {
        let g = gradients, v = { (x: [Double]) in formatVector(x, digits: digits) }
        var out = "\nTotals (summed over steps\(batch > 1 ? " and sequences" : ""))\n"
        out += "loss = \(formatNumber(g.loss, digits: digits))\n"
        for (name, m) in g.parameters.pairs {
            if m.cols == 1 { out += "∂L/∂\(name) = \(v(m.elements))\n"; continue }
            out += "∂L/∂\(name) =\n" + m.rowArrays.map { "  " + v($0) }.joined(separator: "\n") + "\n"
        }
        out += "∂L/∂x_t (input gradients)\n"
        out += formatTable(header: ["t"] + (0..<batch).map { batch > 1 ? "sequence \($0 + 1)" : "∂L/∂x_t" },
                           rows: (1...steps).map { t in [String(t)] + (0..<batch).map { v(row(g.input, t, $0, model.inputSize)) } })
        return out
    }
}

/// `[ 0.226  0.309 -0.263]`: fixed `digits` decimals, a space for the sign.
func formatVector(_ x: [Double], digits: Int) -> String {
    "[" + x.map { formatNumber($0, digits: digits) }.joined(separator: " ") + "]"
}

/// Fixed-point with a sign column; scientific when `exponent` or when |x| ≥ 1e6.
func formatNumber(_ x: Double, digits: Int, exponent: Bool = false) -> String {
    guard x.isFinite else { return x.isNaN ? " nan" : (x > 0 ? " inf" : "-inf") }
    if exponent || abs(x) >= 1e6 { return String(format: "% .\(digits)e", x) }
    let s = String(format: "% .\(digits)f", x)
    return s == "-" + String(format: "%.\(digits)f", 0.0) ? " " + String(format: "%.\(digits)f", 0.0) : s
}

/// Columns padded to their widest cell, two spaces apart.
func formatTable(header: [String], rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = (0..<header.count).map { c in all.map { $0.count > c ? $0[c].count : 0 }.max() ?? 0 }
    return all.map { r in
        r.enumerated().map { $0.element + String(repeating: " ", count: widths[$0.offset] - $0.element.count) }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }.joined(separator: "\n") + "\n"
}
