import Foundation

/// A continuous colour map: t ∈ [0, 1] ↦ colour, by linear interpolation between evenly spaced anchors.
public struct Colormap: Sendable, Equatable {
    public var name: String
    public var anchors: [Color]
    public init(name: String, anchors: [Color]) {
        precondition(anchors.count >= 2, "a colormap needs at least two anchors")
        self.name = name; self.anchors = anchors
    }
    init(name: String, rgb: [(Double, Double, Double)]) {
        self.init(name: name, anchors: rgb.map { Color(r: $0.0, g: $0.1, b: $0.2) })
    }

    /// The colour at t (clamped to [0, 1]); NaN gives mid gray.
    public func color(at t: Double) -> Color {
        guard !t.isNaN else { return Color.gray(0.75) }
        let u = min(max(t, 0), 1) * Double(anchors.count - 1)
        let i = min(Int(u), anchors.count - 2)
        return anchors[i].mixed(with: anchors[i + 1], u - Double(i))
    }

    public func reversed() -> Colormap { Colormap(name: name + "_r", anchors: anchors.reversed()) }

    // viridis, magma and cividis: 33 of the 256 entries (every 8th and the last) of the tables by
    // Nathaniel J. Smith, Stéfan van der Walt and Eric Firing (viridis, magma; CC0) and
    // Jamie R. Nuñez, Christopher R. Anderton, Ryan S. Renslow (cividis, PLOS ONE 2018; CC0), as shipped
    // in matplotlib's _cm_listed.py. Linear interpolation between them differs from the full table by < 0.004.

    /// Perceptually uniform, dark blue → green → yellow. The default for a sequential number.
    public static let viridis = Colormap(name: "viridis", rgb: [
        (0.267004, 0.004874, 0.329415), (0.277018, 0.050344, 0.375715), (0.282327, 0.094955, 0.417331),
        (0.282884, 0.135920, 0.453427), (0.278826, 0.175490, 0.483397), (0.270595, 0.214069, 0.507052),
        (0.258965, 0.251537, 0.524736), (0.244972, 0.287675, 0.537260), (0.229739, 0.322361, 0.545706),
        (0.214298, 0.355619, 0.551184), (0.199430, 0.387607, 0.554642), (0.185556, 0.418570, 0.556753),
        (0.172719, 0.448791, 0.557885), (0.160665, 0.478540, 0.558115), (0.149039, 0.508051, 0.557250),
        (0.137770, 0.537492, 0.554906), (0.127568, 0.566949, 0.550556), (0.120565, 0.596422, 0.543611),
        (0.120638, 0.625828, 0.533488), (0.132268, 0.655014, 0.519661), (0.157851, 0.683765, 0.501686),
        (0.196571, 0.711827, 0.479221), (0.246070, 0.738910, 0.452024), (0.304148, 0.764704, 0.419943),
        (0.369214, 0.788888, 0.382914), (0.440137, 0.811138, 0.340967), (0.515992, 0.831158, 0.294279),
        (0.595839, 0.848717, 0.243329), (0.678489, 0.863742, 0.189503), (0.762373, 0.876424, 0.137064),
        (0.845561, 0.887322, 0.099702), (0.926106, 0.897330, 0.104071), (0.993248, 0.906157, 0.143936),
    ])

    /// Perceptually uniform, black → purple → orange → pale yellow.
    public static let magma = Colormap(name: "magma", rgb: [
        (0.001462, 0.000466, 0.013866), (0.013708, 0.011771, 0.068667), (0.039608, 0.031090, 0.133515),
        (0.074257, 0.052017, 0.202660), (0.113094, 0.065492, 0.276784), (0.159018, 0.068354, 0.352688),
        (0.211718, 0.061992, 0.418647), (0.265447, 0.060237, 0.461840), (0.316654, 0.071690, 0.485380),
        (0.366012, 0.090314, 0.497960), (0.414709, 0.110431, 0.504662), (0.463508, 0.129893, 0.507652),
        (0.512831, 0.148179, 0.507648), (0.562866, 0.165368, 0.504692), (0.613617, 0.181811, 0.498536),
        (0.664915, 0.198075, 0.488836), (0.716387, 0.214982, 0.475290), (0.767398, 0.233705, 0.457755),
        (0.816914, 0.255895, 0.436461), (0.863320, 0.283729, 0.412403), (0.904281, 0.319610, 0.388137),
        (0.937221, 0.364929, 0.368567), (0.960949, 0.418323, 0.359630), (0.976690, 0.476226, 0.364466),
        (0.986700, 0.535582, 0.382210), (0.992785, 0.594891, 0.410283), (0.996096, 0.653659, 0.446213),
        (0.997325, 0.711848, 0.488154), (0.996898, 0.769591, 0.534892), (0.995131, 0.827052, 0.585701),
        (0.992440, 0.884330, 0.640099), (0.989434, 0.941470, 0.697519), (0.987053, 0.991438, 0.749504),
    ])

    /// Perceptually uniform and readable with colour-vision deficiency: blue → gray → yellow.
    public static let cividis = Colormap(name: "cividis", rgb: [
        (0.000000, 0.135112, 0.304751), (0.000000, 0.157932, 0.357521), (0.000000, 0.178802, 0.414764),
        (0.017852, 0.198528, 0.441248), (0.103401, 0.220406, 0.435790), (0.154261, 0.242475, 0.430120),
        (0.195057, 0.264372, 0.425924), (0.230871, 0.286134, 0.423498), (0.263738, 0.307831, 0.422789),
        (0.294669, 0.329531, 0.423716), (0.324250, 0.351289, 0.426250), (0.352892, 0.373153, 0.430226),
        (0.380830, 0.395164, 0.435653), (0.408226, 0.417357, 0.442570), (0.435168, 0.439763, 0.451134),
        (0.461616, 0.462405, 0.461969), (0.488697, 0.485318, 0.471008), (0.517920, 0.508454, 0.472707),
        (0.547840, 0.531895, 0.471704), (0.578236, 0.555673, 0.468724), (0.609105, 0.579816, 0.463638),
        (0.640352, 0.604354, 0.456791), (0.671991, 0.629316, 0.448018), (0.704037, 0.654731, 0.437147),
        (0.736488, 0.680629, 0.424028), (0.769353, 0.707035, 0.408516), (0.802667, 0.733978, 0.390153),
        (0.836429, 0.761483, 0.368747), (0.870717, 0.789572, 0.343333), (0.905589, 0.818257, 0.312889),
        (0.941147, 0.847530, 0.275815), (0.977780, 0.877281, 0.227954), (0.995737, 0.909344, 0.217772),
    ])

    /// Diverging red → white → blue: ColorBrewer's 11-class RdBu (Cynthia A. Brewer, Pennsylvania State
    /// University, Apache-2.0). For signed quantities use `.rdBu.reversed()` so negative is blue, positive red.
    public static let rdBu = Colormap(name: "RdBu", anchors: [
        0x67001f, 0xb2182b, 0xd6604d, 0xf4a582, 0xfddbc7, 0xf7f7f7, 0xd1e5f0, 0x92c5de, 0x4393c3, 0x2166ac, 0x053061,
    ].map { Color(hex: $0) })

    /// Blue (negative) → white (0) → red (positive): vanishing gradients cold, exploding hot.
    public static let blueWhiteRed = rdBu.reversed()
}

/// Okabe & Ito (2008), "Color Universal Design": eight colours distinguishable with common colour-vision
/// deficiencies. Ordered for plotting on white (yellow last but one, black last).
public enum Palette {
    public static let okabeIto: [Color] = [
        0x0072B2, 0xD55E00, 0x009E73, 0xE69F00, 0xCC79A7, 0x56B4E9, 0xF0E442, 0x000000,
    ].map { Color(hex: $0) }

    /// Four more for a 9th to 12th series, from Paul Tol's colour-blind-safe "muted" scheme (wine,
    /// indigo, olive) and a mid grey, each far from the eight above: a chart of up to 12 series never
    /// repeats a colour (the mitigations experiment compares 12 methods).
    public static let extension12: [Color] = [0x882255, 0x332288, 0x999933, 0x888888].map { Color(hex: $0) }

    /// The categorical colours: Okabe–Ito, then `extension12`.
    public static let categoricalColors: [Color] = okabeIto + extension12

    /// The i-th categorical colour, cycling after 12.
    public static func categorical(_ i: Int) -> Color {
        let n = categoricalColors.count
        return categoricalColors[((i % n) + n) % n]
    }
}

/// How a number becomes a position t ∈ [0, 1] on a colour map.
public enum ColorNorm: Sendable, Equatable {
    /// t = (v − lo) / (hi − lo).
    case linear(lo: Double, hi: Double)
    /// t = (log10 v − log10 lo) / (log10 hi − log10 lo); v ≤ 0 gives NaN.
    case log(lo: Double, hi: Double)

    public func t(_ v: Double) -> Double {
        switch self {
        case .linear(let lo, let hi): return hi == lo ? 0.5 : (v - lo) / (hi - lo)
        case .log(let lo, let hi):
            guard v > 0 else { return .nan }
            return hi == lo ? 0.5 : (Foundation.log10(v) - Foundation.log10(lo)) / (Foundation.log10(hi) - Foundation.log10(lo))
        }
    }
    public var bounds: (lo: Double, hi: Double) {
        switch self { case .linear(let lo, let hi), .log(let lo, let hi): return (lo, hi) }
    }
    var scale: ScaleKind { if case .log = self { return .log10 } else { return .linear } }

    /// A linear norm centred on `center`: ±max |v − center| over the finite values.
    public static func diverging(_ values: [Double], center: Double = 0) -> ColorNorm {
        let r = values.filter(\.isFinite).map { abs($0 - center) }.max() ?? 1
        let half = r > 0 ? r : 1
        return .linear(lo: center - half, hi: center + half)
    }
}

/// Colour encoding a number: a colour map, a norm and the colorbar title.
///
/// Two refinements keep a colour from lying:
/// - `levels`: a handful of distinct values (a swept parameter with ≤ 8 values) each get their own colour,
///   evenly spaced along the map by rank, and the panel shows a key of swatches (one per value) instead
///   of a continuous bar that would suggest values in between.
/// - −∞ (the log10 of an exact zero) is drawn in `zeroColor`, a colour far from every colour of the map,
///   never in the map's coldest colour (which means "small but not zero"); the colour bar then ends
///   with a swatch labelled "exactly 0".
public struct ColorScale: Sendable, Equatable {
    public var colormap: Colormap
    public var norm: ColorNorm
    public var label: String
    public var showsColorbar: Bool
    /// The distinct values of a discrete scale (sorted, increasing); nil for a continuous scale.
    public var levels: [Double]?
    /// The colour of −∞ (an exact zero on a log scale).
    public var zeroColor: Color
    public init(colormap: Colormap = .viridis, norm: ColorNorm, label: String, showsColorbar: Bool = true) {
        self.colormap = colormap; self.norm = norm; self.label = label; self.showsColorbar = showsColorbar
        self.zeroColor = colormap.distinctColor
    }

    /// The colour of `v`: −∞ in `zeroColor`; on a discrete scale the colour of the nearest level.
    public func color(_ v: Double) -> Color {
        if v == -.infinity { return zeroColor }
        if let levels, !levels.isEmpty, !v.isNaN {
            return colormap.color(at: Self.levelPosition(levels.indices.min { abs(levels[$0] - v) < abs(levels[$1] - v) } ?? 0, of: levels.count))
        }
        return colormap.color(at: norm.t(v))
    }

    /// Where the i-th of n levels sits on the map: evenly spaced by rank, a single level in the middle.
    static func levelPosition(_ i: Int, of n: Int) -> Double { n <= 1 ? 0.5 : Double(i) / Double(n - 1) }

    /// A linear or log norm spanning the finite values (log keeps only positives).
    public static func spanning(_ values: [Double], colormap: Colormap = .viridis, log: Bool = false, label: String) -> ColorScale {
        let finite = values.filter { $0.isFinite && (!log || $0 > 0) }
        let lo = finite.min() ?? (log ? 1 : 0), hi = finite.max() ?? (log ? 10 : 1)
        return ColorScale(colormap: colormap, norm: log ? .log(lo: lo, hi: hi) : .linear(lo: lo, hi: hi), label: label)
    }

    /// A discrete scale over the distinct finite values: one colour each (evenly spaced by rank) and a key.
    public static func discrete(_ values: [Double], colormap: Colormap = .viridis, label: String) -> ColorScale {
        let levels = Array(Set(values.filter(\.isFinite))).sorted()
        var s = ColorScale(colormap: colormap, norm: .linear(lo: levels.first ?? 0, hi: levels.last ?? 1), label: label)
        s.levels = levels
        return s
    }

    /// Whether two panels' scales colour every value alike (whether or not each shows its bar).
    func sameMapping(_ other: ColorScale) -> Bool {
        colormap == other.colormap && norm == other.norm && label == other.label && levels == other.levels
    }
}

extension Colormap {
    /// A colour far from every colour of the map (the candidate with the largest smallest RGB distance to
    /// 65 samples of it): black beside viridis' purple would read as "small"; this reads as "other".
    public var distinctColor: Color {
        let samples = (0...64).map { color(at: Double($0) / 64) }
        let candidates: [Color] = [.black, Color(hex: 0x009E73), Color(hex: 0xCC79A7), Color(hex: 0xE69F00), Color(hex: 0x7A0177), Color(hex: 0x00CCCC)]
        func distance(_ a: Color, _ b: Color) -> Double { ((a.r - b.r) * (a.r - b.r) + (a.g - b.g) * (a.g - b.g) + (a.b - b.b) * (a.b - b.b)).squareRoot() }
        return candidates.max { a, b in
            (samples.map { distance(a, $0) }.min() ?? 0) < (samples.map { distance(b, $0) }.min() ?? 0)
        } ?? .black
    }
}
