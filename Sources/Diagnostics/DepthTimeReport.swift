import Foundation
import TensorIO

extension DepthTimeFlow {
    /// The JSON object of `gradlab diagnose --format json` for a stacked model (keys in docs/diagnostics.md).
    public func jsonObject() -> [String: Any] {
        func opt(_ x: Double?) -> Any { x.map { $0 as Any } ?? NSNull() }
        func direction(_ reverse: Bool) -> String { reverse ? "reverse" : "forward" }
        func triples(_ norms: [LagNorm]) -> [[Any]] { norms.map { [$0.lag, opt($0.spectralLog10), opt($0.frobeniusLog10)] } }
        var object: [String: Any] = [
            "steps": steps,
            "layers": layers,
            "bidirectional": bidirectional,
            "grad_norm_log10_map": units.map { u in
                ["layer": u.layer, "direction": direction(u.reverse), "grad_norm_log10": u.gradNormLog10.map(opt)] as [String: Any]
            },
            "time_jacobian_norm_log10": units.map { u in
                ["layer": u.layer, "direction": direction(u.reverse), "norms": triples(u.timeJacobianNorms),
                 "slope_log10_per_step": opt(u.timeSummary.slopeLog10PerStep),
                 "label": u.timeSummary.label.map { $0.rawValue as Any } ?? NSNull(),
                 "horizon": u.timeSummary.horizon.map { $0 as Any } ?? NSNull()] as [String: Any]
            },
            "depth_jacobian_norm_log10": depthJacobianNorms.map { ["step": $0.step, "norms": triples($0.norms)] as [String: Any] },
            "dominant_path": dominantPath.map { [$0.step, $0.layer, direction($0.reverse)] as [Any] },
            "dominant_path_time_moves": timeMoves,
            "dominant_path_depth_moves": depthMoves,
            "time_slope_log10_per_step": opt(timeSlopeLog10PerStep),
            "depth_slope_log10_per_layer": opt(depthSlopeLog10PerLayer),
        ]
        if let run = lyapunov {
            for (key, value) in LyapunovJSON.run(drive: run.drive, transient: run.transient, runSteps: run.runSteps) { object[key] = value }
            object["lyapunov_negative_infinite_count"] = run.negativeInfiniteCount
            object["lyapunov"] = run.directions.map { d -> [String: Any] in
                var o = LyapunovJSON.spectrum(d.spectrum)
                o["direction"] = direction(d.reverse)
                o["state_size"] = d.stateSize
                o["lambda_max"] = opt(d.spectrum.maximum)
                o["kaplan_yorke_dimension"] = d.spectrum.exponents.isEmpty ? NSNull() : d.spectrum.kaplanYorkeDimension as Any
                return o
            }
        }
        return object
    }

    /// Pretty-printed JSON with sorted keys; non-finite numbers as `JSONValue` writes them (null + `_nonfinite`).
    public func jsonString() -> String { JSONValue(jsonObject()).rendered(pretty: true) }

    /// A readable report: the depth × time map (top layer first), the within-layer and depth
    /// products, the two slopes and the dominant path.
    /// `notes` (what was inferred about the model, how inputs were made) are listed under the title;
    /// `adjoint` says what g is (default: a random unit vector).
    public func textReport(title: String, notes: [String] = [], adjoint: String = "a random unit vector g") -> String {
        func f(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)g", x) }
        func cell(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "-inf" }
        func name(_ layer: Int, _ reverse: Bool) -> String { "ℓ = \(layer)\(bidirectional ? (reverse ? " bwd" : " fwd") : "")" }
        var lines = ["GradLab depth × time diagnosis — \(title)", ""] + notes.map { "· " + $0 } + (notes.isEmpty ? [] : [""])
        lines.append("\(layers) layer\(layers == 1 ? "" : "s")\(bidirectional ? ", bidirectional" : ""), \(steps) steps; L = ⟨g, top output at T⟩ with g = \(adjoint).")
        lines.append("")
        let columns = steps <= 12 ? Array(1...steps) : Array(Set(stride(from: 1, through: steps, by: max(1, steps / 10)).map { $0 } + [steps])).sorted()
        lines.append("log10 ‖∂L/∂h_t^ℓ‖ (rows: layers, top first; columns: steps t)")
        let header = ["layer"] + columns.map { "t=\($0)" }
        var rows: [[String]] = []
        for u in units.reversed() { rows.append([name(u.layer, u.reverse)] + columns.map { cell(u.gradNormLog10[$0 - 1]) }) }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        for r in [header] + rows {
            lines.append("  " + r.enumerated().map { $0.element.padding(toLength: widths[$0.offset] + 2, withPad: " ", startingAt: 0) }.joined())
        }
        let silent = units.filter { u in u.reverse && u.gradNormLog10.dropLast().allSatisfy { $0 == nil } && u.gradNormLog10.last != nil }
        if !silent.isEmpty {
            lines.append("  (\(silent.map { name($0.layer, $0.reverse) }.joined(separator: ", ")): −∞ before t = T is exact, not underflow: a backward unit reads the sequence from T down to 1, so its state at T is its first and no earlier backward state reaches the output at T; a loss on earlier outputs would reach them.)")
        }
        lines.append("")
        if let s = timeSlopeLog10PerStep {
            lines.append("Along time (top layer): \(f(s)) decades per step back (×\(f(pow(10, s))) per step).")
        }
        if let s = depthSlopeLog10PerLayer {
            lines.append("Along depth (at t = T): \(f(s)) decades per layer down (×\(f(pow(10, s))) per layer).")
        }
        lines.append("")
        lines.append("Within-layer products ‖∂h_T^ℓ/∂h_{T−k}^ℓ‖₂ (the layer's own recursion):")
        for u in units {
            let last = u.timeJacobianNorms.last
            let verdict = u.timeSummary.label.map { "\($0.rawValue)" } ?? "—"
            let slope = u.timeSummary.slopeLog10PerStep.map { "slope \(f($0)) decades/step" } ?? "no slope"
            lines.append("  \(name(u.layer, u.reverse)): \(verdict), \(slope)" + (last.map { ", lag \($0.lag): \(cell($0.spectralLog10))" } ?? ""))
        }
        if !depthJacobianNorms.isEmpty && layers > 1 {
            lines.append("Depth products log10 ‖∂h_t^{top}/∂h_t^{top−d}‖₂ (no time steps):")
            for d in depthJacobianNorms {
                lines.append("  t = \(d.step): " + d.norms.map { "d=\($0.lag): \(cell($0.spectralLog10))" }.joined(separator: ", "))
            }
        }
        lines.append("")
        lines.append("Dominant path from (t=1, ℓ=0) to the loss: \(timeMoves) time step\(timeMoves == 1 ? "" : "s"), \(depthMoves) layer step\(depthMoves == 1 ? "" : "s")"
                     + (dominantPath.count <= 16 ? ": " + dominantPath.map(\.description).joined(separator: " → ") : "."))
        if let run = lyapunov { lines += [""] + lyapunovLines(run) }
        return lines.joined(separator: "\n")
    }

    /// The Lyapunov section: the run, one line (and caveats) per direction's system, what the directions are.
    func lyapunovLines(_ run: ModelLyapunov) -> [String] {
        let layersText = layers == 1 ? "layer 0" : "layers 0–\(layers - 1)"
        var lines: [String] = []
        for d in run.directions {
            let s = d.spectrum
            lines.append("Lyapunov exponents of the \(d.reverse ? "reverse" : "forward") stack (\(layersText)\(d.reverse ? ", backward units over the reversed inputs" : bidirectional ? ", forward units" : ""); "
                         + "nats/step, \(s.exponents.count) of N = \(d.stateSize) computed; \(LyapunovText.run(transient: run.transient, spectrum: s, drive: run.drive, runSteps: run.runSteps))): "
                         + LyapunovText.leading(s.exponents))
            lines += LyapunovText.caveats(s, indent: "  ")
            if let l = s.maximum { lines.append("  " + LyapunovText.verdict(l)) }
            if !s.exponents.isEmpty { lines.append("  " + LyapunovText.kaplanYorke(s, stateSize: d.stateSize)) }
        }
        if layers > 1 {
            lines.append("The state is that of every layer at once ([h] per layer, [h; c] for LSTM): layer ℓ reads layer ℓ−1 at the same step, so the "
                         + "one-step Jacobian is block lower-triangular and the spectrum is the whole stack's.")
        }
        if bidirectional {
            lines.append("Directions: the backward units depend on future inputs, so they are not part of the forward system; they form their own "
                         + (layers > 1 ? "stack, run over the reversed inputs. Above layer 0 each direction reads the other direction's outputs, taken from "
                                         + "one forward pass of the whole model over the run's inputs and held fixed."
                                       : "system, run over the reversed inputs."))
        }
        return lines
    }
}
