import Foundation

extension Figure {
    func drawPanel(_ p: PanelPlan, _ r: Renderer) {
        let rect = p.plotRect
        let xm = p.xMap, ym = p.yMap
        let tickFont = FontSpec(size: theme.tickLabelSize)
        let hasHeatmap = p.axes.marks.contains { if case .heatmap = $0 { return true } else { return false } }
        r.beginGroup("panel")

        if p.axes.grid && !hasHeatmap {
            r.beginGroup("grid")
            var grid = Path()
            for v in p.xTicks.major where inDomain(v, p.xDomain) { let x = xm.position(v); grid.move(to: Point(x, rect.minY)); grid.line(to: Point(x, rect.maxY)) }
            for v in p.yTicks.major where inDomain(v, p.yDomain) { let y = ym.position(v); grid.move(to: Point(rect.minX, y)); grid.line(to: Point(rect.maxX, y)) }
            r.stroke(grid, StrokeStyle(color: theme.gridColor, width: theme.gridWidth))
            r.endGroup()
        }

        r.pushClip(rect)
        r.beginGroup("data")
        drawMarks(p, r)
        r.endGroup()
        r.popClip()

        r.beginGroup("axis")
        var spines = Path()
        spines.move(to: Point(rect.minX, rect.minY)); spines.line(to: Point(rect.minX, rect.maxY)); spines.line(to: Point(rect.maxX, rect.maxY))
        if hasHeatmap || p.axes.equalAspect { spines.line(to: Point(rect.maxX, rect.minY)); spines.close() }
        r.stroke(spines, StrokeStyle(color: theme.axisColor, width: theme.spineWidth))

        var ticks = Path(), minor = Path()
        let tl = theme.majorTickLength, ml = theme.minorTickLength
        for v in p.xTicks.major where inDomain(v, p.xDomain) { let x = xm.position(v); ticks.move(to: Point(x, rect.maxY)); ticks.line(to: Point(x, rect.maxY + tl)) }
        for v in p.yTicks.major where inDomain(v, p.yDomain) { let y = ym.position(v); ticks.move(to: Point(rect.minX, y)); ticks.line(to: Point(rect.minX - tl, y)) }
        for v in p.xTicks.minor where inDomain(v, p.xDomain) { let x = xm.position(v); minor.move(to: Point(x, rect.maxY)); minor.line(to: Point(x, rect.maxY + ml)) }
        for v in p.yTicks.minor where inDomain(v, p.yDomain) { let y = ym.position(v); minor.move(to: Point(rect.minX, y)); minor.line(to: Point(rect.minX - ml, y)) }
        r.stroke(ticks, StrokeStyle(color: theme.axisColor, width: theme.spineWidth))
        r.stroke(minor, StrokeStyle(color: theme.axisColor, width: theme.spineWidth * 0.75))

        var xLabelTop = rect.maxY + tl
        if p.showXTickLabels {
            var h = 0.0
            for (v, label) in zip(p.xTicks.major, p.xTickLabels) where inDomain(v, p.xDomain) {
                label.draw(r, at: Point(xm.position(v), rect.maxY + tl + theme.padding), font: tickFont, color: theme.textColor, hAlign: 0.5, vAnchor: .top)
                h = max(h, label.measure(r, tickFont).height)
            }
            xLabelTop += theme.padding + h
        }
        var yLabelRight = rect.minX - tl
        if p.showYTickLabels {
            var w = 0.0
            for (v, label) in zip(p.yTicks.major, p.yTickLabels) where inDomain(v, p.yDomain) {
                label.draw(r, at: Point(rect.minX - tl - theme.padding, ym.position(v)), font: tickFont, color: theme.textColor, hAlign: 1, vAnchor: .center)
                w = max(w, label.measure(r, tickFont).width)
            }
            yLabelRight -= theme.padding + w
        }
        let labelFont = FontSpec(size: theme.axisLabelSize)
        if let x = p.axes.xLabel, p.showXTickLabels {
            Label(x).draw(r, at: Point(rect.midX, xLabelTop + theme.padding), font: labelFont, color: theme.textColor, hAlign: 0.5, vAnchor: .top)
        }
        if let y = p.axes.yLabel, p.showYTickLabels {
            Label(y).draw(r, at: Point(yLabelRight - theme.padding, rect.midY), font: labelFont, color: theme.textColor,
                          hAlign: 0.5, vAnchor: .bottom, angle: -Double.pi / 2)
        }
        if let t = p.axes.title {
            Label(t).draw(r, at: Point(rect.midX, rect.minY - theme.padding), font: FontSpec(size: theme.titleSize),
                          color: theme.textColor, hAlign: 0.5, vAnchor: .bottom)
        }
        r.endGroup()

        if p.hasColorbar { drawColorKey(p, r) }
        if !p.legendEntries.isEmpty { drawLegend(p, r) }
        r.endGroup()
    }

    /// Whether v lies in the domain (with a hair of tolerance for rounding).
    func inDomain(_ v: Double, _ d: (lo: Double, hi: Double)) -> Bool {
        let lo = min(d.lo, d.hi), hi = max(d.lo, d.hi)
        let tol = (hi - lo) * 1e-9
        return v >= lo - tol && v <= hi + tol
    }
}
