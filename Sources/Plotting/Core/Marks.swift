/// Marker glyphs for lines and scatter plots.
public enum MarkerShape: Sendable, Equatable { case none, circle, square, triangle, diamond, cross }

/// Dash patterns in points.
public enum Dash {
    public static let solid: [Double] = []
    public static let dashed: [Double] = [5, 3]
    public static let dotted: [Double] = [1.2, 2.2]
    public static let dashDot: [Double] = [6, 2.5, 1.2, 2.5]
}

/// A polyline through (xs[i], ys[i]); non-finite points (and non-positive ones on a log axis) break it.
/// Colour: `color`, else the axes' colour scale applied to `colorValue`, else the next Okabe–Ito colour.
public struct LineMark: Sendable {
    public var xs: [Double]
    public var ys: [Double]
    public var color: Color?
    public var colorValue: Double?
    public var width: Double = 1.6
    public var dash: [Double] = Dash.solid
    public var marker: MarkerShape = .none
    public var markerSize: Double = 4.5
    public var label: String?
    /// Drawn this many points to the right (negative: left) of its x positions, to dodge lines with equal
    /// values apart without changing a value: the data, the axes and the legend are untouched.
    public var xOffset: Double = 0
    public init(xs: [Double], ys: [Double], color: Color? = nil, colorValue: Double? = nil, width: Double = 1.6,
                dash: [Double] = Dash.solid, marker: MarkerShape = .none, markerSize: Double = 4.5, label: String? = nil,
                xOffset: Double = 0) {
        self.xs = xs; self.ys = ys; self.color = color; self.colorValue = colorValue; self.width = width
        self.dash = dash; self.marker = marker; self.markerSize = markerSize; self.label = label; self.xOffset = xOffset
    }
}

/// Points; `values` (one per point) colour them through the axes' colour scale.
public struct ScatterMark: Sendable {
    public var xs: [Double]
    public var ys: [Double]
    public var color: Color?
    public var values: [Double]?
    public var size: Double = 4.5
    public var marker: MarkerShape = .circle
    public var opacity: Double = 0.85
    public var label: String?
    public init(xs: [Double], ys: [Double], color: Color? = nil, values: [Double]? = nil, size: Double = 4.5,
                marker: MarkerShape = .circle, opacity: Double = 0.85, label: String? = nil) {
        self.xs = xs; self.ys = ys; self.color = color; self.values = values; self.size = size
        self.marker = marker; self.opacity = opacity; self.label = label
    }
}

/// The area between `lower` and `upper` over `xs` (e.g. min–max or ±1 sd over seeds).
public struct BandMark: Sendable {
    public var xs: [Double]
    public var lower: [Double]
    public var upper: [Double]
    public var color: Color?
    public var colorValue: Double?
    public var opacity: Double = 0.18
    public var label: String?
    public init(xs: [Double], lower: [Double], upper: [Double], color: Color? = nil, colorValue: Double? = nil,
                opacity: Double = 0.18, label: String? = nil) {
        self.xs = xs; self.lower = lower; self.upper = upper; self.color = color; self.colorValue = colorValue
        self.opacity = opacity; self.label = label
    }
}

/// A horizontal (y = value) or vertical (x = value) reference line across the whole plot.
public struct RuleMark: Sendable {
    public enum Orientation: Sendable { case horizontal, vertical }
    public var orientation: Orientation
    public var value: Double
    public var color: Color = .gray(0.25)
    public var width: Double = 1.1
    public var dash: [Double] = Dash.dashed
    public var label: String?
    public init(_ orientation: Orientation, at value: Double, color: Color = .gray(0.25), width: Double = 1.1,
                dash: [Double] = Dash.dashed, label: String? = nil) {
        self.orientation = orientation; self.value = value; self.color = color; self.width = width
        self.dash = dash; self.label = label
    }
}

/// A grid of numbers drawn as coloured cells through the axes' colour scale.
/// `values[j * xs.count + i]` sits at (xs[i], ys[j]) (cell centres, increasing). NaN cells are light gray.
/// `contourLevel` draws the iso-line at that value (marching squares over the cell centres).
public struct HeatmapMark: Sendable {
    public var xs: [Double]
    public var ys: [Double]
    public var values: [Double]
    public var contourLevel: Double?
    public var contourLabel: String?
    public init(xs: [Double], ys: [Double], values: [Double], contourLevel: Double? = nil, contourLabel: String? = nil) {
        self.xs = xs; self.ys = ys; self.values = values; self.contourLevel = contourLevel; self.contourLabel = contourLabel
    }
}

/// A histogram of `values` in `bins` equal bins over `range` (default: the data's range);
/// `density` scales bar heights so the area is 1.
public struct HistogramMark: Sendable {
    public var values: [Double]
    public var bins: Int = 30
    public var range: ClosedRange<Double>?
    public var density: Bool = true
    public var color: Color?
    public var label: String?
    public init(values: [Double], bins: Int = 30, range: ClosedRange<Double>? = nil, density: Bool = true,
                color: Color? = nil, label: String? = nil) {
        self.values = values; self.bins = bins; self.range = range; self.density = density
        self.color = color; self.label = label
    }

    /// Bin edges (bins + 1) and heights (bins), ignoring non-finite values and values outside the range.
    public func binned() -> (edges: [Double], heights: [Double]) {
        let finite = values.filter(\.isFinite)
        let n = max(bins, 1)
        var lo = range?.lowerBound ?? finite.min() ?? 0
        var hi = range?.upperBound ?? finite.max() ?? 1
        if hi == lo { lo -= 0.5; hi += 0.5 }
        let width = (hi - lo) / Double(n)
        let edges = (0...n).map { lo + width * Double($0) }
        var counts = [Double](repeating: 0, count: n)
        var total = 0.0
        for v in finite where v >= lo && v <= hi {
            counts[min(Int((v - lo) / width), n - 1)] += 1
            total += 1
        }
        if density && total > 0 { counts = counts.map { $0 / (total * width) } }
        return (edges, counts)
    }
}

/// Text placed at a data position, anchored by `hAlign` (0 left … 1 right).
public struct TextMark: Sendable {
    public var x: Double
    public var y: Double
    public var text: String
    public var color: Color = .gray(0.15)
    public var size: Double? = nil
    public var hAlign: Double = 0
    public init(x: Double, y: Double, text: String, color: Color = .gray(0.15), size: Double? = nil, hAlign: Double = 0) {
        self.x = x; self.y = y; self.text = text; self.color = color; self.size = size; self.hAlign = hAlign
    }
}

/// A circle in data coordinates (e.g. the unit circle in the complex plane); pair with equal aspect.
public struct CircleMark: Sendable {
    public var centerX: Double = 0
    public var centerY: Double = 0
    public var radius: Double = 1
    public var color: Color = .gray(0.3)
    public var width: Double = 1
    public var dash: [Double] = Dash.solid
    public var label: String?
    public init(centerX: Double = 0, centerY: Double = 0, radius: Double = 1, color: Color = .gray(0.3),
                width: Double = 1, dash: [Double] = Dash.solid, label: String? = nil) {
        self.centerX = centerX; self.centerY = centerY; self.radius = radius; self.color = color
        self.width = width; self.dash = dash; self.label = label
    }
}

/// Anything drawn in the data area.
public enum Mark: Sendable {
    case line(LineMark)
    case scatter(ScatterMark)
    case band(BandMark)
    case rule(RuleMark)
    case heatmap(HeatmapMark)
    case histogram(HistogramMark)
    case text(TextMark)
    case circle(CircleMark)
}

/// A legend row that is not tied to one mark (e.g. "dashed = theory" when colour is on a colorbar).
public struct LegendEntry: Sendable {
    public enum Swatch: Sendable { case line(color: Color, width: Double, dash: [Double], marker: MarkerShape), area(Color), marker(MarkerShape, Color) }
    public var label: String
    public var swatch: Swatch
    public init(label: String, swatch: Swatch) { self.label = label; self.swatch = swatch }
}
