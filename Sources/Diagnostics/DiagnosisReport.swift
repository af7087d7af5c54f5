import Foundation

extension Diagnosis {
    /// A readable report: what was found, in words, with the numbers.
    /// `notes` (what was inferred about the model, how inputs and ∂L/∂h_T were made) are listed under
    /// the title.
    public func textReport(title: String, notes: [String] = []) -> String {
        var lines: [String] = ["GradLab diagnosis — \(title)", ""] + notes.map { "· " + $0 } + (notes.isEmpty ? [] : [""])
        func f(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)g", x) }
        func pow10(_ l: Double) -> String { powerOfTenText(l) }

        lines.append("Trajectory: \(steps) steps, state size \(stateSize); \(memory.line).")
        if let n = nonfiniteStep {
            lines.append("⚠ The state became non-finite (NaN or ±∞) at step \(n); measurements cover the steps before it.")
        }
        if let r = spectralRadius, let s = sigmaMax {
            lines.append("W_hh: spectral radius ρ = \(f(r, 4)), largest singular value σ_max = \(f(s, 4)).")
        }
        lines.append("")
        lines.append("Gradient flow through time (‖∂h_T/∂h_{T−k}‖₂ against lag k):")
        let shown = jacobianNorms.count <= 12 ? jacobianNorms
            : stride(from: 0, to: jacobianNorms.count, by: max(1, jacobianNorms.count / 10)).map { jacobianNorms[$0] } + [jacobianNorms.last!]
        var seen = Set<Int>()
        let bound = Dictionary(pascanuBoundLog10.map { ($0.lag, $0.value) }, uniquingKeysWith: { a, _ in a })
        let rate = Dictionary(linearRateLog10.map { ($0.lag, $0.value) }, uniquingKeysWith: { a, _ in a })
        lines.append("  " + ["lag", "‖∂h_T/∂h_t‖₂", "Pascanu bound", "ρ^k"].map { $0.padding(toLength: 16, withPad: " ", startingAt: 0) }.joined())
        for n in shown where seen.insert(n.lag).inserted {
            let cols = [String(n.lag), n.spectralLog10.map(pow10) ?? "0", bound[n.lag].map(pow10) ?? "—", rate[n.lag].map(pow10) ?? "—"]
            lines.append("  " + cols.map { $0.padding(toLength: 16, withPad: " ", startingAt: 0) }.joined())
        }
        if seen.count < jacobianNorms.count {
            lines.append("  (\(seen.count) of the \(jacobianNorms.count) measured lags shown: one in every \(max(1, jacobianNorms.count / 10)) and the last; --format json lists all)")
        }
        lines.append("")
        if let slope = summary.slopeLog10PerStep, let label = summary.label {
            let perStep = Foundation.pow(10, slope)
            let verb: String
            switch label {
            case .vanishing: verb = "VANISHING: each step back in time multiplies the gradient by about \(f(perStep, 3))"
            case .exploding: verb = "EXPLODING: each step back in time multiplies the gradient by about \(f(perStep, 3))"
            case .stable: verb = "STABLE: the gradient neither vanishes nor explodes noticeably (factor \(f(perStep, 4)) per step)"
            }
            lines.append("Verdict: \(verb) (slope \(f(slope, 3)) decades per step; threshold ±\(FlowSummary.defaultThreshold)).")
        } else if summary.label == .vanishing {
            lines.append("Verdict: VANISHING: the Jacobian product became exactly zero (dead units or saturation).")
        }
        if let h = summary.horizon {
            lines.append("Gradient horizon: after \(h) steps the signal is below 10⁻⁶ of its size at the last step; inputs further back barely shape learning.")
        } else {
            lines.append("Gradient horizon: none within \(steps) steps (the signal never fell below 10⁻⁶).")
        }
        if let g = gradNormLog10.first, let gg = g, let last = gradNormLog10.last, let ll = last {
            lines.append("‖∂L/∂h_t‖: \(pow10(ll)) at t = T, \(pow10(gg)) at t = 0.")
        }
        if !singularValuesLog10.isEmpty {
            lines.append("")
            lines.append("Singular values of ∂h_T/∂h_{T−k} (log10 σ; directions kept: σ within a factor 10 of σ_max):")
            lines.append("  " + ["lag", "largest", "median", "smallest"].map { $0.padding(toLength: 16, withPad: " ", startingAt: 0) }.joined() + "directions kept")
            for (lag, v) in singularValuesLog10.sorted(by: { $0.key < $1.key }) where !v.isEmpty {
                let top = v[0], kept = v.filter { $0 >= top - 1 }.count
                func decades(_ x: Double) -> String { x == -.infinity ? "−∞ (zero)" : String(format: "%.2f", x) }
                let cols = [String(lag), decades(top), decades(v[v.count / 2]), decades(v[v.count - 1])]
                lines.append("  " + cols.map { $0.padding(toLength: 16, withPad: " ", startingAt: 0) }.joined() + "\(kept) of \(v.count)")
            }
        }
        if let spectrum = lyapunovSpectrum, let drive = lyapunovDrive {
            lines.append("")
            let run = LyapunovText.run(transient: lyapunovTransient, spectrum: spectrum, drive: drive, runSteps: lyapunovRunSteps)
            lines.append("Lyapunov exponents (nats/step, \(lyapunov.count) of \(stateSize) computed; \(run)): \(LyapunovText.leading(lyapunov))")
            lines += LyapunovText.caveats(spectrum)
            if let l = lambdaMax { lines.append(LyapunovText.verdict(l)) }
            if let m = meanFieldLambdaMax { lines.append("Mean-field prediction for a Gaussian tanh network of this gain: λ_max = \(f(m, 4)).") }
            if !lyapunov.isEmpty { lines.append(LyapunovText.kaplanYorke(spectrum, stateSize: stateSize)) }
        }
        return lines.joined(separator: "\n")
    }
}
