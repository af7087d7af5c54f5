import Foundation

/// The words every report uses for a Lyapunov result (single-layer `Diagnosis`, stacked `DepthTimeFlow`).
enum LyapunovText {
    /// An exponent: "0.0123", "−∞".
    static func exponent(_ x: Double) -> String {
        x == -.infinity ? "−∞" : String(format: "%.4g", x)
    }

    /// The first five exponents, then "…".
    static func leading(_ exponents: [Double]) -> String {
        exponents.prefix(5).map(exponent).joined(separator: ", ") + (exponents.count > 5 ? ", …" : "")
    }

    /// "200 transient + 1000 measured steps, autonomous (x_t = 0)".
    static func run(transient: Int, spectrum: LyapunovSpectrum, drive: LyapunovDrive, runSteps: Int) -> String {
        "\(transient) transient + \(spectrum.measuredSteps) measured steps, \(drive.description(runSteps: runSteps))"
    }

    /// The lines about −∞ exponents and a non-finite stop (none when neither happened).
    static func caveats(_ s: LyapunovSpectrum, indent: String = "") -> [String] {
        var lines: [String] = []
        let n = s.negativeInfiniteCount
        if n > 0 {
            let steps = s.singularSteps.filter { $0 > 0 }
            let range = steps.min() == steps.max() ? "\(steps[0])" : "\(steps.min() ?? 0)–\(steps.max() ?? 0)"
            lines.append(indent + "\(n) exponent\(n == 1 ? " is" : "s are") −∞: the Jacobian has exactly zero directions (dead units, or tanh′/σ′ rounded to 0), "
                         + "\(n == 1 ? "at" : "per direction at") \(range) of \(s.measuredSteps) measured steps (a factor |r_ii| ≤ K·u·‖Y‖_F counts as zero; docs/diagnostics.md).")
        }
        if let bad = s.nonfiniteStep {
            lines.append(indent + "⚠ The Lyapunov run became non-finite (NaN or ±∞) at step \(bad); "
                         + (s.measuredSteps > 0 ? "the exponents cover the \(s.measuredSteps) measured steps before it." : "no step was measured, so no exponent is reported."))
        }
        return lines
    }

    /// "λ_max = 0.1 > 0: chaotic …" (nil without exponents).
    static func verdict(_ l: Double) -> String {
        if l == -.infinity { return "λ_max = −∞: every computed direction is killed exactly (dead or saturated units)." }
        let f = { (x: Double, d: Int) in String(format: "%.\(d)g", x) }
        return l > 0.001 ? "λ_max = \(f(l, 4)) > 0: the dynamics are chaotic; nearby states separate and gradients explode."
             : l < -0.001 ? "λ_max = \(f(l, 4)) < 0: the dynamics contract; gradients vanish at about \(f(l / Foundation.log(10), 3)) decades per step."
             : "λ_max ≈ 0: the dynamics are marginal (edge of chaos)."
    }

    /// The Kaplan–Yorke line for K of N exponents.
    static func kaplanYorke(_ s: LyapunovSpectrum, stateSize: Int) -> String {
        let k = s.exponents.count, d = s.kaplanYorkeDimension
        return d >= Double(k) && k < stateSize
            ? "Kaplan–Yorke dimension: at least \(k) (every partial sum of the \(k) computed exponents is positive; compute more with --lyapunov)."
            : "Kaplan–Yorke dimension: \(String(format: "%.4g", d))."
    }
}
