import Foundation

/// How data values map to positions along an axis, independent of the marks drawn.
public enum ScaleKind: Sendable, Equatable {
    /// position ∝ x.
    case linear
    /// position ∝ log10 x; only x > 0 is drawable.
    case log10
    /// Symmetric log (matplotlib's symlog with base 10, linscale 1): linear on |x| ≤ c, logarithmic beyond:
    /// f(x) = x / c for |x| ≤ c, else sign(x) · (1 + log10(|x| / c)). Continuous at ±c.
    case symlog(linearThreshold: Double)

    /// The transformed coordinate f(x) in which the axis is uniform.
    public func forward(_ x: Double) -> Double {
        switch self {
        case .linear: return x
        case .log10: return Foundation.log10(x)
        case .symlog(let c):
            let a = abs(x)
            return a <= c ? x / c : (x < 0 ? -1 : 1) * (1 + Foundation.log10(a / c))
        }
    }

    /// The inverse of `forward`.
    public func inverse(_ t: Double) -> Double {
        switch self {
        case .linear: return t
        case .log10: return Foundation.pow(10, t)
        case .symlog(let c):
            let a = abs(t)
            return a <= 1 ? t * c : (t < 0 ? -1 : 1) * c * Foundation.pow(10, a - 1)
        }
    }

    /// Whether `x` can be placed on this scale.
    public func accepts(_ x: Double) -> Bool {
        guard x.isFinite else { return false }
        if case .log10 = self { return x > 0 }
        return true
    }

    public var isLog: Bool { if case .log10 = self { return true } else { return false } }
}

/// A scale fixed to a data domain and a pixel range: the map from data to figure coordinates.
struct AxisMap {
    var scale: ScaleKind
    var domain: (lo: Double, hi: Double)
    var range: (start: Double, end: Double)
    private let t0: Double
    private let t1: Double

    init(scale: ScaleKind, domain: (lo: Double, hi: Double), range: (start: Double, end: Double)) {
        self.scale = scale; self.domain = domain; self.range = range
        t0 = scale.forward(domain.lo); t1 = scale.forward(domain.hi)
    }

    func position(_ x: Double) -> Double {
        let t = scale.forward(x)
        let span = t1 - t0
        let u = span == 0 ? 0.5 : (t - t0) / span
        return range.start + (range.end - range.start) * u
    }
}
