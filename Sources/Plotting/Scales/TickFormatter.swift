import Foundation

/// Tick labels, independent of where ticks go (`TickLocator`).
///
/// - Linear: plain decimals with as many places as the step needs (step 0.25 → "0.25", step 2.5 → "2.5"),
///   when every |tick| is in [10⁻⁴, 10⁵) or zero; otherwise all labels share one exponent e = ⌊log10 max|tick|⌋
///   and read "m×10ᵉ" (zero reads "0").
/// - Log10: decades read "10ⁿ" with a real superscript; other ticks read plainly when in [10⁻³, 10⁴),
///   else "m×10ⁿ".
/// - Symlog: "0", "10ⁿ" and "−10ⁿ".
/// Negative numbers use the typographic minus "−" (U+2212).
public enum TickFormatter {
    public static func labels(_ ticks: Ticks, scale: ScaleKind) -> [Label] {
        switch scale {
        case .linear: return linear(ticks.major, step: ticks.step)
        case .log10:
            if let step = ticks.step { return linear(ticks.major, step: step) }
            return ticks.major.map(logLabel)
        case .symlog:
            if let step = ticks.step { return linear(ticks.major, step: step) }
            return ticks.major.map { v in
                if v == 0 { return Label("0") }
                let l = logLabel(abs(v))
                return v < 0 ? Label(runs: [Label.Run("−")] + l.runs) : l
            }
        }
    }

    /// Decimal places a multiple of `step` needs: 1, 2, 5 × 10ⁿ need max(0, −n); 2.5 × 10ⁿ one more.
    static func decimals(forStep step: Double) -> Int {
        guard step > 0, step.isFinite else { return 0 }
        let e = Int(Foundation.floor(Foundation.log10(step) + 1e-9))
        let mantissa = step / Foundation.pow(10, Double(e))
        let extra = abs(mantissa - 2.5) < 1e-6 ? 1 : 0
        return max(0, -e + extra)
    }

    static func linear(_ values: [Double], step: Double?) -> [Label] {
        let maxAbs = values.map(abs).max() ?? 0
        let nonzero = values.filter { $0 != 0 }.map(abs)
        let plain = nonzero.allSatisfy { $0 >= 1e-4 && $0 < 1e5 } && (step ?? 1) >= 1e-4
        if plain {
            let d = step.map(decimals(forStep:)) ?? shortestDecimals(values)
            return values.map { Label(signed(String(format: "%.\(d)f", $0))) }
        }
        let e = Int(Foundation.floor(Foundation.log10(maxAbs) + 1e-9))
        let scale = TickLocator.pow10(e)
        let d = step.map { decimals(forStep: $0 / scale) } ?? shortestDecimals(values.map { $0 / scale })
        return values.map { v in
            if v == 0 { return Label("0") }
            let m = signed(String(format: "%.\(d)f", v / scale))
            return Label(runs: [Label.Run(m + "×10"), Label.Run(signed(String(e)), .superscript)])
        }
    }

    /// Places needed to print each value exactly to 6 significant digits (for single ticks).
    static func shortestDecimals(_ values: [Double]) -> Int {
        var d = 0
        for v in values where v != 0 {
            let s = String(format: "%.6g", v)
            if let dot = s.firstIndex(of: "."), !s.contains("e") {
                d = max(d, s.distance(from: dot, to: s.endIndex) - 1)
            }
        }
        return min(d, 8)
    }

    static func logLabel(_ v: Double) -> Label {
        let e = Foundation.log10(v)
        let n = e.rounded()
        // Compare with the decade itself: subnormal decades (1e-320) are inexact, so log10 is not an integer.
        if abs(e - n) < 1e-9 || v == TickLocator.pow10(Int(n)) { return Label(runs: [Label.Run("10"), Label.Run(signed(String(Int(n))), .superscript)]) }
        if v >= 1e-3 && v < 1e4 { return Label(String(format: "%g", v)) }
        let ne = Int(Foundation.floor(e + 1e-9))
        let m = v / TickLocator.pow10(ne)
        return Label(runs: [Label.Run(String(format: "%g", m) + "×10"), Label.Run(signed(String(ne)), .superscript)])
    }

    /// Replaces ASCII hyphen-minus with the typographic minus sign and drops "−0".
    static func signed(_ s: String) -> String {
        var t = s.replacingOccurrences(of: "-", with: "−")
        if t.hasPrefix("−"), t.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { t.removeFirst() }
        return t
    }
}
