import Foundation

/// Text with superscripts and subscripts, e.g. `10⁻³` drawn as "10" with a smaller raised "−3".
///
/// `Label("log_{10} ‖∂h_{T}/∂h_{t}‖")` parses `^{…}` (superscript) and `_{…}` (subscript) markup;
/// everything else is literal.
public struct Label: Sendable, Equatable, ExpressibleByStringLiteral {
    public enum Position: Sendable, Equatable { case normal, superscript, `subscript` }
    public struct Run: Sendable, Equatable {
        public var text: String
        public var position: Position
        public init(_ text: String, _ position: Position = .normal) { self.text = text; self.position = position }
    }
    public var runs: [Run]

    public init(runs: [Run]) { self.runs = runs }
    public init(stringLiteral value: String) { self.init(value) }

    /// Parses `^{…}` and `_{…}` markup.
    public init(_ markup: String) {
        var runs: [Run] = []
        var current = ""
        var chars = Array(markup)[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            if (c == "^" || c == "_"), chars.first == "{", let close = chars.firstIndex(of: "}") {
                if !current.isEmpty { runs.append(Run(current)); current = "" }
                let inner = String(chars[chars.index(after: chars.startIndex)..<close])
                runs.append(Run(inner, c == "^" ? .superscript : .subscript))
                chars = chars[chars.index(after: close)...]
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { runs.append(Run(current)) }
        self.runs = runs
    }

    /// The text without markup (for tests and accessibility).
    public var plainText: String { runs.map(\.text).joined() }

    static let scriptScale = 0.7
    static let superscriptRise = 0.42
    static let subscriptDrop = 0.18

    /// Width and vertical extent of the whole label in `font`.
    public func measure(_ renderer: Renderer, _ font: FontSpec) -> TextExtents {
        var width = 0.0, ascent = 0.0, descent = 0.0
        for run in runs {
            let f = run.position == .normal ? font : FontSpec(size: font.size * Self.scriptScale, bold: font.bold)
            let e = renderer.measure(run.text, f)
            width += e.width
            switch run.position {
            case .normal: ascent = max(ascent, e.ascent); descent = max(descent, e.descent)
            case .superscript: ascent = max(ascent, e.ascent + font.size * Self.superscriptRise)
            case .subscript: descent = max(descent, e.descent + font.size * Self.subscriptDrop)
            }
        }
        if runs.isEmpty { let e = renderer.measure("", font); ascent = e.ascent; descent = e.descent }
        return TextExtents(width: width, ascent: ascent, descent: descent)
    }

    public enum VerticalAnchor: Sendable { case top, center, baseline, bottom }

    /// Draws the label so that `anchor` sits at horizontal fraction `hAlign` of its width (0 left, 0.5 centre,
    /// 1 right) and at `vAnchor` vertically, rotated by `angle` radians (−π/2 reads bottom to top).
    public func draw(_ renderer: Renderer, at anchor: Point, font: FontSpec, color: Color,
                     hAlign: Double = 0, vAnchor: VerticalAnchor = .baseline, angle: Double = 0) {
        let ext = measure(renderer, font)
        let along = (x: cos(angle), y: sin(angle))
        let up = (x: sin(angle), y: -cos(angle))
        let lift: Double
        switch vAnchor {
        case .top: lift = -ext.ascent
        case .center: lift = -(ext.ascent - ext.descent) / 2
        case .baseline: lift = 0
        case .bottom: lift = ext.descent
        }
        let shift = -hAlign * ext.width
        var x = 0.0
        for run in runs {
            let f = run.position == .normal ? font : FontSpec(size: font.size * Self.scriptScale, bold: font.bold)
            let rise: Double
            switch run.position {
            case .normal: rise = 0
            case .superscript: rise = font.size * Self.superscriptRise
            case .subscript: rise = -font.size * Self.subscriptDrop
            }
            let u = shift + x, v = lift + rise
            let origin = Point(anchor.x + along.x * u + up.x * v, anchor.y + along.y * u + up.y * v)
            renderer.drawText(run.text, at: origin, font: f, color: color, angle: angle)
            x += renderer.measure(run.text, f).width
        }
    }
}
