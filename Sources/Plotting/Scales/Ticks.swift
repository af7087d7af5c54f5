import Foundation

/// Tick positions for one axis: major ticks (labelled) and minor ticks (unlabelled).
public struct Ticks: Sendable, Equatable {
    public var major: [Double]
    public var minor: [Double]
    /// For linear ticks, the step between majors (labels use it to choose their precision).
    public var step: Double?
    public init(major: [Double], minor: [Double] = [], step: Double? = nil) {
        self.major = major; self.minor = minor; self.step = step
    }
}

/// Tick locators: where ticks go, independent of how they are labelled (`TickFormatter`).
public enum TickLocator {
    /// The "nice" mantissas of a linear step: 1, 2, 2.5, 5 (× 10ⁿ).
    static let mantissas: [Double] = [1, 2, 2.5, 5, 10]

    /// The smallest nice step (1, 2, 2.5, 5 × 10ⁿ) that is at least `raw`.
    public static func niceStep(atLeast raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let exponent = Foundation.floor(Foundation.log10(raw))
        let magnitude = Foundation.pow(10, exponent)
        for m in mantissas where m * magnitude >= raw * (1 - 1e-12) { return m * magnitude }
        return 10 * magnitude
    }

    /// Linear ticks at multiples of a nice step, about `target` of them inside [lo, hi].
    /// A zero-width range gets the single tick `lo`.
    public static func linear(_ lo: Double, _ hi: Double, target: Int = 6) -> Ticks {
        guard lo.isFinite, hi.isFinite else { return Ticks(major: []) }
        if lo == hi { return Ticks(major: [lo], step: nil) }
        let (a, b) = (Swift.min(lo, hi), Swift.max(lo, hi))
        // (b − a) can overflow for ranges near ±Double.greatestFiniteMagnitude; divide first.
        let raw = b / Double(target) - a / Double(target)
        let step = niceStep(atLeast: raw)
        // A hair of tolerance: 0.8 / 0.1 is 8.000000000000002 in binary and must still give the tick 0.8.
        let first = (a / step - 1e-9).rounded(.up), last = (b / step + 1e-9).rounded(.down)
        guard first <= last else { return Ticks(major: [], step: step) }
        var major: [Double] = []
        var k = first
        while k <= last && major.count < 100 {
            let v = k * step
            major.append(v == 0 ? 0 : v)   // no −0
            k += 1
        }
        return Ticks(major: major, step: step)
    }

    /// Log10 ticks for lo, hi > 0: majors at decades (every `stride`-th decade, stride 1, 2, 3, 5, 10, 20, …
    /// so that at most `maxMajor` show; a 30-decade range gets every 5th), minors at 2…9 × 10ⁿ when every
    /// decade is labelled and the range is at most 12 decades, else at the skipped decades. Ranges inside
    /// one decade fall back to 1-2-5 × 10ⁿ majors, then to linear ticks.
    public static func log(_ lo: Double, _ hi: Double, maxMajor: Int = 8) -> Ticks {
        guard lo > 0, hi > 0, lo.isFinite, hi.isFinite else { return Ticks(major: []) }
        let (a, b) = (Swift.min(lo, hi), Swift.max(lo, hi))
        let la = Foundation.log10(a), lb = Foundation.log10(b)
        let eps = 1e-9
        let firstDecade = Int((la - eps).rounded(.up)), lastDecade = Int((lb + eps).rounded(.down))
        let decadeCount = lastDecade - firstDecade + 1
        if decadeCount >= 2 {
            let strides = [1, 2, 3, 5, 10, 20, 25, 50, 100]
            let stride = strides.first { decadeCount <= maxMajor * $0 } ?? 100
            let start = Int((Double(firstDecade) / Double(stride)).rounded(.up)) * stride
            var major: [Double] = [], minor: [Double] = []
            var e = start
            while e <= lastDecade { major.append(pow10(e)); e += stride }
            if stride == 1 && decadeCount <= 12 {
                for d in (firstDecade - 1)...lastDecade {
                    for m in 2...9 {
                        let v = Double(m) * pow10(d)
                        if v >= a * (1 - 1e-12) && v <= b * (1 + 1e-12) { minor.append(v) }
                    }
                }
            } else if stride > 1 {
                for d in firstDecade...lastDecade where (d - start) % stride != 0 { minor.append(pow10(d)) }
            }
            return Ticks(major: major, minor: minor)
        }
        // Inside (about) one decade: 1, 2, 5 × 10ⁿ.
        var major: [Double] = []
        for d in (firstDecade - 1)...(lastDecade + 1) {
            for m in [1.0, 2, 5] {
                let v = m * pow10(d)
                if v >= a * (1 - 1e-12) && v <= b * (1 + 1e-12) { major.append(v) }
            }
        }
        if major.count >= 3 { return Ticks(major: major) }
        let lin = linear(a, b, target: 4)
        return Ticks(major: lin.major.filter { $0 > 0 }, step: lin.step)
    }

    /// Symlog ticks: 0, and ±10ⁿ for decades at or beyond the linear threshold, thinned like `log`.
    public static func symlog(_ lo: Double, _ hi: Double, linearThreshold c: Double, maxMajor: Int = 9) -> Ticks {
        let (a, b) = (Swift.min(lo, hi), Swift.max(lo, hi))
        var values: [Double] = []
        if a <= 0 && b >= 0 { values.append(0) }
        let firstDecade = Int(Foundation.log10(c).rounded(.up))
        if b > c { values += log(Swift.max(c, pow10(firstDecade)), b, maxMajor: maxMajor / 2 + 1).major.filter { $0 >= c } }
        if a < -c { values += log(Swift.max(c, pow10(firstDecade)), -a, maxMajor: maxMajor / 2 + 1).major.filter { $0 >= c }.map { -$0 } }
        if values.count < 2 { return linear(a, b) }
        return Ticks(major: values.sorted())
    }

    /// Linear ticks at whole numbers only (steps 1, 2, 5 × 10ⁿ, never below 1), for counts and indices
    /// such as layers: a range [−0.5, 1.5] gets 0 and 1, not 0, 0.5, 1.
    public static func integer(_ lo: Double, _ hi: Double, target: Int = 6) -> Ticks {
        guard lo.isFinite, hi.isFinite else { return Ticks(major: []) }
        let (a, b) = (Swift.min(lo, hi), Swift.max(lo, hi))
        var step = 1.0
        while (b - a) / step > Double(Swift.max(target, 1)) {
            let mantissa = step / pow10(Int(Foundation.log10(step).rounded(.down)))
            step *= mantissa == 2 ? 2.5 : 2   // 1 → 2 → 5 → 10 → 20 → 50 …
        }
        let first = (a / step - 1e-9).rounded(.up), last = (b / step + 1e-9).rounded(.down)
        guard first <= last else { return Ticks(major: [], step: step) }
        return Ticks(major: stride(from: first, through: last, by: 1).map { $0 * step == 0 ? 0 : $0 * step }, step: step)
    }

    /// Ticks for `scale` over [lo, hi], about `target` of them (log axes: at most `target + 2` labelled).
    public static func ticks(for scale: ScaleKind, _ lo: Double, _ hi: Double, target: Int = 6) -> Ticks {
        switch scale {
        case .linear: return linear(lo, hi, target: target)
        case .log10: return log(lo, hi, maxMajor: target + 2)
        case .symlog(let c): return symlog(lo, hi, linearThreshold: c, maxMajor: target + 3)
        }
    }

    /// 10ⁿ, exact for the decades Double can hold.
    static func pow10(_ n: Int) -> Double {
        Double("1e\(n)") ?? Foundation.pow(10, Double(n))
    }
}
