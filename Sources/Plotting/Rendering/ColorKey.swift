import Foundation

/// The key of a panel's colour scale, on its right: a continuous colour bar with ticks (ending with an
/// "exactly 0" swatch when −∞ is drawn), or, for a discrete scale (`ColorScale.levels`), one swatch per
/// value under the scale's title.
extension Figure {
    static let zeroKeyLabel = "exactly 0"

    var zeroKeyHeight: Double { 16 }

    /// The values of a discrete key as text ("0.5", "1.25", "−2"): `%g`, the typographic minus.
    static func levelText(_ v: Double) -> String { TickFormatter.signed(String(format: "%g", v)) }

    /// The width the key takes beside the plot box (gap included).
    func colorKeyWidth(_ p: PanelPlan, _ r: Renderer) -> Double {
        guard let cs = p.axes.colorScale else { return 0 }
        let tickFont = FontSpec(size: theme.tickLabelSize), labelFont = FontSpec(size: theme.axisLabelSize)
        if let levels = cs.levels {
            let text = levels.map { Label(Self.levelText($0)).measure(r, tickFont).width }.max() ?? 0
            let title = Label(cs.label).measure(r, labelFont).width
            return colorbarGap + max(title, legendSwatchWidth + 5 + text) + theme.padding
        }
        var w = colorbarTicks(cs).labels.map { $0.measure(r, tickFont).width }.max() ?? 0
        if p.showsZeroKey { w = max(w, Label(Self.zeroKeyLabel).measure(r, tickFont).width) }
        let lh = Label(cs.label).measure(r, labelFont).height
        return colorbarGap + colorbarThickness + theme.majorTickLength + theme.padding + w + theme.padding + lh
    }

    func colorbarTicks(_ cs: ColorScale) -> (ticks: Ticks, labels: [Label]) {
        let ticks = TickLocator.ticks(for: cs.norm.scale, cs.norm.bounds.lo, cs.norm.bounds.hi)
        return (ticks, TickFormatter.labels(ticks, scale: cs.norm.scale))
    }

    func drawColorKey(_ p: PanelPlan, _ r: Renderer) {
        guard let cs = p.axes.colorScale else { return }
        if cs.levels != nil { drawDiscreteKey(cs, p, r) } else { drawColorbar(cs, p, r) }
    }

    /// Title, then one row per level: a swatch in the level's colour (a line, with the panel's marker,
    /// when the panel draws lines; a patch otherwise) and the value.
    func drawDiscreteKey(_ cs: ColorScale, _ p: PanelPlan, _ r: Renderer) {
        guard let levels = cs.levels else { return }
        r.beginGroup("colorkey")
        let rect = p.plotRect
        let labelFont = FontSpec(size: theme.axisLabelSize), font = FontSpec(size: theme.tickLabelSize)
        let x0 = rect.maxX + colorbarGap
        Label(cs.label).draw(r, at: Point(x0, rect.minY), font: labelFont, color: theme.textColor, hAlign: 0, vAnchor: .top)
        var y = rect.minY + Label(cs.label).measure(r, labelFont).height + theme.padding
        let line = p.axes.marks.first { mark in if case .line(let l) = mark { return l.colorValue != nil } else { return false } }
        for (i, v) in levels.enumerated() {
            let c = cs.colormap.color(at: ColorScale.levelPosition(i, of: levels.count))
            let cy = y + legendRowHeight / 2
            if case .line(let l)? = line {
                r.stroke(.segment(Point(x0, cy), Point(x0 + legendSwatchWidth, cy)), StrokeStyle(color: c, width: max(l.width, 1.6)))
            } else {
                r.fill(.rect(Rect(x: x0 + 2, y: cy - 4, width: legendSwatchWidth - 4, height: 8)), c)
            }
            Label(Self.levelText(v)).draw(r, at: Point(x0 + legendSwatchWidth + 5, cy), font: font, color: theme.textColor, hAlign: 0, vAnchor: .center)
            y += legendRowHeight
        }
        r.endGroup()
    }

    func drawColorbar(_ cs: ColorScale, _ p: PanelPlan, _ r: Renderer) {
        r.beginGroup("colorbar")
        let rect = p.plotRect
        let zero = p.showsZeroKey ? zeroKeyHeight : 0
        let bar = Rect(x: rect.maxX + colorbarGap, y: rect.minY, width: colorbarThickness, height: max(rect.height - zero, 10))
        let n = 256
        let pixels = (0..<n).map { cs.colormap.color(at: 1 - Double($0) / Double(n - 1)) }
        r.drawImage(RasterImage(width: 1, height: n, pixels: pixels), in: bar)
        r.stroke(.rect(bar), StrokeStyle(color: theme.axisColor, width: theme.spineWidth * 0.8))
        let (lo, hi) = cs.norm.bounds
        let map = AxisMap(scale: cs.norm.scale, domain: (lo, hi), range: (bar.maxY, bar.minY))
        let (ticks, labels) = colorbarTicks(cs)
        let font = FontSpec(size: theme.tickLabelSize)
        var path = Path(), minor = Path()
        var w = 0.0
        for (v, label) in zip(ticks.major, labels) where inDomain(v, (lo, hi)) {
            let y = map.position(v)
            path.move(to: Point(bar.maxX, y)); path.line(to: Point(bar.maxX + theme.majorTickLength, y))
            label.draw(r, at: Point(bar.maxX + theme.majorTickLength + theme.padding, y), font: font, color: theme.textColor, hAlign: 0, vAnchor: .center)
            w = max(w, label.measure(r, font).width)
        }
        for v in ticks.minor where inDomain(v, (lo, hi)) {
            let y = map.position(v)
            minor.move(to: Point(bar.maxX, y)); minor.line(to: Point(bar.maxX + theme.minorTickLength, y))
        }
        r.stroke(path, StrokeStyle(color: theme.axisColor, width: theme.spineWidth))
        r.stroke(minor, StrokeStyle(color: theme.axisColor, width: theme.spineWidth * 0.75))
        if p.showsZeroKey {
            // A swatch below the bar, apart from it: exact zeros are not the bar's coldest colour.
            let swatch = Rect(x: bar.minX, y: rect.maxY - 9, width: colorbarThickness, height: 9)
            r.fill(.rect(swatch), cs.zeroColor)
            r.stroke(.rect(swatch), StrokeStyle(color: theme.axisColor, width: theme.spineWidth * 0.8))
            let label = Label(Self.zeroKeyLabel)
            label.draw(r, at: Point(bar.maxX + theme.majorTickLength + theme.padding, swatch.midY), font: font, color: theme.textColor,
                       hAlign: 0, vAnchor: .center)
            w = max(w, label.measure(r, font).width)
        }
        let x = bar.maxX + theme.majorTickLength + theme.padding + w + theme.padding
        Label(cs.label).draw(r, at: Point(x, bar.midY), font: FontSpec(size: theme.axisLabelSize), color: theme.textColor,
                             hAlign: 0.5, vAnchor: .top, angle: -Double.pi / 2)
        r.endGroup()
    }
}
