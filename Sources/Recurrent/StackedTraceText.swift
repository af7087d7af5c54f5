import Foundation

extension TraceReport {
    /// The trace of a stacked or bidirectional model: per layer and direction the states h_t^ℓ (c_t^ℓ)
    /// and the total ∂L/∂h_t^ℓ; the outputs; the depth × time map log10 ‖∂L/∂h_t^ℓ‖ (over the batch);
    /// the totals. Cell internals (gates, δ_t) are left to single-layer traces.
    func stackedText(digits: Int) -> String {
        let g = gradients, f = g.forward
        var out = "trace: \(model.cell) cell, \(model.layers) layer\(model.layers == 1 ? "" : "s")"
        out += model.bidirectional ? ", bidirectional" : ""
        out += ", D = \(model.inputSize), H = \(h)" + (model.headSize.map { ", head O = \($0)" } ?? ", no head")
        out += ", T = \(steps), B = \(batch); loss \(lossName == "adjoint" ? "none (∂L/∂h given: L = Σ⟨∂L/∂h, h⟩)" : lossName + " (mean)"), outputs \(outputMode.rawValue); \(truncationDescription)\n\(memory.line)\n"
        if model.cell == .lru {
            out += "Layer ℓ reads layer ℓ−1's read-outs y_t = Re(C h_t) + D ⊙ x_t\(model.bidirectional ? " [y_fwd; y_bwd]; a reverse direction runs from t = T down to 1" : ""); h_t below is the state s_t = [Re h_t; Im h_t] and ∂L/∂h_t is the total ∂L/∂s_t.\n"
        } else {
            out += "Layer ℓ reads layer ℓ−1's outputs\(model.bidirectional ? " [h_fwd; h_bwd]; a reverse direction runs from t = T down to 1" : ""); ∂L/∂h_t^ℓ is the total derivative (through the layer above and through time).\n"
        }
        let v = { (x: [Double]) in formatVector(x, digits: digits) }
        for b in 0..<batch {
            if batch > 1 { out += "\n=== sequence \(b + 1) of \(batch) ===\n" }
            for (states, flow) in zip(f.layers, g.layers) {
                out += "\nLayer \(flow.layer)\(model.bidirectional ? (flow.reverse ? " reverse" : " forward") : "")\n"
                var header = ["t", "h_t"]
                if states.cell != nil { header += ["c_t"] }
                header += ["∂L/∂h_t"]
                if flow.cell != nil { header += ["∂L/∂c_t"] }
                header.append("‖∂L/∂h_t‖ (batch)")
                let rows = (1...steps).map { t in
                    var r = [String(t), v(row(states.hidden, t, b, h))]
                    if let c = states.cell { r.append(v(row(c, t, b, h))) }
                    r.append(v(row(flow.hidden, t, b, h)))
                    if let c = flow.cell { r.append(v(row(c, t, b, h))) }
                    r.append(formatNumber(flow.hiddenNorms[t - 1], digits: digits, exponent: true))
                    return r
                }
                out += formatTable(header: header, rows: rows)
            }
            let tOut = outputMode == .last ? 1 : steps, firstOut = outputMode == .last ? steps : 1
            let rows = (0..<tOut).map { k in
                [String(firstOut + k), v(row(f.outputs, k + 1, b, f.outputSize)), v(row(g.outputs, k + 1, b, g.outputs.count / (tOut * batch)))]
            }
            let yName = model.headSize == nil ? "y_t = top output" : "y_t = W_head [top output] + b_head"
            out += "\nOutputs\n" + formatTable(header: ["t", yName, lossName == "adjoint" ? "∂L/∂h_t (given)" : "∂L/∂y_t"], rows: rows)
        }
        out += "\nDepth × time: log10 ‖∂L/∂h_t^ℓ‖ over the batch (rows: layers, top first; columns: t)\n"
        let mapRows = g.layers.reversed().map { flow in
            ["ℓ = \(flow.layer)\(model.bidirectional ? (flow.reverse ? " bwd" : " fwd") : "")"]
                + flow.hiddenNorms.map { $0 > 0 ? String(format: "%.\(min(digits, 3))f", log10($0)) : "-inf" }
        }
        out += formatTable(header: ["layer"] + (1...steps).map { "t=\($0)" }, rows: mapRows)
        return out + totalsText(digits: digits)
    }
}
