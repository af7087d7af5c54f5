import Foundation

extension Figure {
    var legendSwatchWidth: Double { 22 }
    var legendRowHeight: Double { theme.legendSize * 1.45 }
    var legendPadding: Double { 5 }

    func legendBoxSize(_ entries: [LegendEntry], _ r: Renderer) -> (width: Double, height: Double) {
        let font = FontSpec(size: theme.legendSize)
        let textWidth = entries.map { Label($0.label).measure(r, font).width }.max() ?? 0
        return (2 * legendPadding + legendSwatchWidth + 5 + textWidth, 2 * legendPadding + legendRowHeight * Double(entries.count) - 2)
    }

    /// The legend box at a corner of the plot box, inset by 6 pt.
    func legendRect(_ corner: LegendPlacement, plot: Rect, size: (width: Double, height: Double)) -> Rect {
        let inset = 6.0
        let left = plot.minX + inset, right = plot.maxX - inset - size.width
        let top = plot.minY + inset, bottom = plot.maxY - inset - size.height
        switch corner {
        case .upperLeft: return Rect(x: left, y: top, width: size.width, height: size.height)
        case .lowerLeft: return Rect(x: left, y: bottom, width: size.width, height: size.height)
        case .lowerRight: return Rect(x: right, y: bottom, width: size.width, height: size.height)
        default: return Rect(x: right, y: top, width: size.width, height: size.height)
        }
    }

    /// What legend placement must not cover: polylines and boxes in figure coordinates.
    func dataObstacles(_ p: PanelPlan) -> (lines: [[Point]], boxes: [Rect]) {
        var lines: [[Point]] = [], boxes: [Rect] = []
        let rect = p.plotRect
        for mark in p.axes.marks {
            switch mark {
            case .line(let m): lines += polylines(m.xs, m.ys, p).map { $0.map { Point($0.x + m.xOffset, $0.y) } }
            case .scatter(let m):
                for q in polylines(m.xs, m.ys, p).joined() { boxes.append(Rect(x: q.x - m.size / 2, y: q.y - m.size / 2, width: m.size, height: m.size)) }
            case .band(let m):
                let n = min(m.xs.count, m.lower.count, m.upper.count)
                let up = polylines(Array(m.xs[0..<n]), Array(m.upper[0..<n]), p), lo = polylines(Array(m.xs[0..<n]), Array(m.lower[0..<n]), p)
                lines += up + lo
                // The filled area between: vertical strokes through it.
                for (a, b) in zip(up.joined(), lo.joined()) { lines.append([a, b]) }
            case .rule(let m):
                if m.orientation == .horizontal, p.axes.yScale.accepts(m.value) {
                    let y = p.yMap.position(m.value); lines.append([Point(rect.minX, y), Point(rect.maxX, y)])
                } else if m.orientation == .vertical, p.axes.xScale.accepts(m.value) {
                    let x = p.xMap.position(m.value); lines.append([Point(x, rect.minY), Point(x, rect.maxY)])
                }
            case .heatmap: boxes.append(rect)
            case .histogram(let m):
                let (edges, heights) = m.binned()
                for i in 0..<heights.count where heights[i] > 0 && p.axes.yScale.accepts(heights[i]) {
                    let x0 = p.xMap.position(edges[i]), x1 = p.xMap.position(edges[i + 1]), y = p.yMap.position(heights[i])
                    boxes.append(Rect(x: min(x0, x1), y: y, width: abs(x1 - x0), height: rect.maxY - y))
                }
            case .text(let m):
                if p.axes.xScale.accepts(m.x), p.axes.yScale.accepts(m.y) {
                    let q = Point(p.xMap.position(m.x), p.yMap.position(m.y))
                    boxes.append(Rect(x: q.x - 2, y: q.y - 6, width: 4 + 6 * Double(m.text.count), height: 12))
                }
            case .circle(let m):
                let n = 72
                lines.append((0...n).map { i in
                    let t = 2 * Double.pi * Double(i) / Double(n)
                    return Point(p.xMap.position(m.centerX + m.radius * cos(t)), p.yMap.position(m.centerY + m.radius * sin(t)))
                })
            }
        }
        return (lines, boxes)
    }

    /// How many data segments and boxes touch `box`.
    func overlap(_ box: Rect, _ obstacles: (lines: [[Point]], boxes: [Rect])) -> Int {
        var count = 0
        for line in obstacles.lines {
            if line.count == 1 { if box.contains(line[0]) { count += 1 }; continue }
            for i in 1..<line.count where box.intersectsSegment(line[i - 1], line[i]) { count += 1 }
        }
        for b in obstacles.boxes where box.intersects(b) { count += 1 }
        return count
    }

    /// The corner (upper right, upper left, lower left, lower right, in that order of preference) whose legend
    /// box touches the fewest data, with that count.
    func bestLegendCorner(_ p: PanelPlan, size: (width: Double, height: Double)) -> (LegendPlacement, Int) {
        let obstacles = dataObstacles(p)
        var best: (LegendPlacement, Int) = (.upperRight, Int.max)
        for corner in [LegendPlacement.upperRight, .upperLeft, .lowerLeft, .lowerRight] {
            let n = overlap(legendRect(corner, plot: p.plotRect, size: size), obstacles)
            if n < best.1 { best = (corner, n) }
        }
        return best
    }

    func drawLegend(_ p: PanelPlan, _ r: Renderer) {
        let size = legendBoxSize(p.legendEntries, r)
        let box: Rect
        if p.legendOutside {
            let cb = p.hasColorbar ? colorKeyWidth(p, r) : 0
            box = Rect(x: p.plotRect.maxX + cb + 10, y: p.plotRect.minY, width: size.width, height: size.height)
        } else {
            box = legendRect(p.legendCorner, plot: p.plotRect, size: size)
        }
        r.beginGroup("legend")
        r.fill(.rect(box), Color.white.withAlpha(0.88))
        r.stroke(.rect(box), StrokeStyle(color: .gray(0.82), width: 0.6))
        let font = FontSpec(size: theme.legendSize)
        for (i, e) in p.legendEntries.enumerated() {
            let cy = box.minY + legendPadding + legendRowHeight * (Double(i) + 0.5) - 1
            let x0 = box.minX + legendPadding, x1 = x0 + legendSwatchWidth
            switch e.swatch {
            case .line(let c, let w, let dash, let marker):
                r.stroke(.segment(Point(x0, cy), Point(x1, cy)), StrokeStyle(color: c, width: w, dash: dash))
                if marker != .none { var m = Path(); addMarker(marker, at: Point((x0 + x1) / 2, cy), size: 4.5, to: &m); fillMarkers(m, marker, c, r) }
            case .area(let c):
                r.fill(.rect(Rect(x: x0 + 2, y: cy - 4, width: legendSwatchWidth - 4, height: 8)), c)
            case .marker(let shape, let c):
                var m = Path(); addMarker(shape, at: Point((x0 + x1) / 2, cy), size: 5, to: &m); fillMarkers(m, shape, c, r)
            }
            Label(e.label).draw(r, at: Point(x1 + 5, cy), font: font, color: theme.textColor, hAlign: 0, vAnchor: .center)
        }
        r.endGroup()
    }
}
