/// How a path is stroked: colour, width in points, dash pattern (on/off lengths in points, empty = solid).
public struct StrokeStyle: Sendable, Equatable {
    public var color: Color
    public var width: Double
    public var dash: [Double]
    public var roundCaps: Bool
    public init(color: Color, width: Double = 1, dash: [Double] = [], roundCaps: Bool = false) {
        self.color = color; self.width = width; self.dash = dash; self.roundCaps = roundCaps
    }
}

/// A font request: DejaVu Sans at `size` points, optionally bold.
public struct FontSpec: Sendable, Equatable {
    public var size: Double
    public var bold: Bool
    public init(size: Double, bold: Bool = false) { self.size = size; self.bold = bold }
}

/// Measured text: advance width, ascent above and descent below the baseline, all in points.
public struct TextExtents: Sendable, Equatable {
    public var width: Double
    public var ascent: Double
    public var descent: Double
    public init(width: Double, ascent: Double, descent: Double) {
        self.width = width; self.ascent = ascent; self.descent = descent
    }
    public var height: Double { ascent + descent }
}

/// A raster image, `width × height` pixels, row-major from the top row; drawn scaled into a rectangle.
public struct RasterImage: Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [Color]
    public init(width: Int, height: Int, pixels: [Color]) {
        precondition(pixels.count == width * height, "RasterImage needs width × height pixels")
        self.width = width; self.height = height; self.pixels = pixels
    }
}

/// The few drawing primitives a figure needs. Coordinates are points, y down, origin top-left.
///
/// Text is drawn with its baseline-left corner at `origin`, rotated by `angle` radians
/// (negative = counter-clockwise on screen, so `-π/2` reads bottom-to-top).
/// Groups name what is being drawn ("data", "legend", …) so tests can inspect a recording; output
/// back-ends may ignore them.
public protocol Renderer: AnyObject {
    func stroke(_ path: Path, _ style: StrokeStyle)
    func fill(_ path: Path, _ color: Color)
    func measure(_ text: String, _ font: FontSpec) -> TextExtents
    func drawText(_ text: String, at origin: Point, font: FontSpec, color: Color, angle: Double)
    func drawImage(_ image: RasterImage, in rect: Rect)
    func pushClip(_ rect: Rect)
    func popClip()
    func beginGroup(_ name: String)
    func endGroup()
    /// The part of the figure this renderer actually shows (points), when smaller than the figure —
    /// e.g. one band of a multi-threaded PNG. Marks may skip what lies wholly outside it. nil = everything.
    var visibleRect: Rect? { get }
}

extension Renderer {
    public var visibleRect: Rect? { nil }
    public func beginGroup(_ name: String) {}
    public func endGroup() {}
}
