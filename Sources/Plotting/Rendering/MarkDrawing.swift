import Foundation

extension Figure {
    /// Draws marks in layers: heatmaps, bands and histograms first, then lines, scatter, rules, circles, text;
    /// within a layer, in the order given.
    func drawMarks(_ p: PanelPlan, _ r: Renderer) {
        let layers: [(Mark) -> Bool] = [
            { if case .heatmap = $0 { return true } else { return false } },
            { if case .band = $0 { return true }; if case .histogram = $0 { return true }; return false },
            { if case .rule = $0 { return true } else { return false } },
            { if case .line = $0 { return true }; if case .circle = $0 { return true }; return false },
            { if case .scatter = $0 { return true } else { return false } },
            { if case .text = $0 { return true } else { return false } },
        ]
        for layer in layers {
            for (k, mark) in p.axes.marks.enumerated() where layer(mark) { draw(mark, color: p.markColors[k], p, r) }
        }
    }

    /// Pixel polylines of a series: non-drawable points split it.
    func polylines(_ xs: [Double], _ ys: [Double], _ p: PanelPlan) -> [[Point]] {
        let xm = p.xMap, ym = p.yMap
        var result: [[Point]] = []
        var current: [Point] = []
        current.reserveCapacity(min(xs.count, ys.count))
        for i in 0..<min(xs.count, ys.count) {
            if p.axes.xScale.accepts(xs[i]) && p.axes.yScale.accepts(ys[i]) {
                current.append(Point(xm.position(xs[i]), ym.position(ys[i])))
            } else if !current.isEmpty {
                result.append(current); current = []
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    func draw(_ mark: Mark, color: Color?, _ p: PanelPlan, _ r: Renderer) {
        let rect = p.plotRect
        switch mark {
        case .line(let m):
            let c = color ?? .black
            var lines = polylines(m.xs, m.ys, p)
            if m.xOffset != 0 { lines = lines.map { $0.map { Point($0.x + m.xOffset, $0.y) } } }
            var path = Path(reserving: m.xs.count + lines.count)
            // Dashes must keep their phase, so only solid lines are culled to the visible part.
            let visible = m.dash.isEmpty ? r.visibleRect?.inset(by: -(m.width + 2)) : nil
            for line in lines where line.count > 1 {
                if let visible { appendVisibleSegments(line, visible, to: &path); continue }
                path.move(to: line[0])
                for q in line.dropFirst() { path.line(to: q) }
            }
            r.stroke(path, StrokeStyle(color: c, width: m.width, dash: m.dash, roundCaps: m.dash.isEmpty))
            if m.marker != .none {
                var markers = Path()
                for line in lines { for q in line { addMarker(m.marker, at: q, size: m.markerSize, to: &markers) } }
                fillMarkers(markers, m.marker, c, r)
            }
        case .scatter(let m):
            let lines = polylines(m.xs, m.ys, p)
            if let values = m.values, let cs = p.axes.colorScale, color == nil {
                let xm = p.xMap, ym = p.yMap
                for i in 0..<min(m.xs.count, m.ys.count, values.count) where p.axes.xScale.accepts(m.xs[i]) && p.axes.yScale.accepts(m.ys[i]) {
                    var one = Path()
                    addMarker(m.marker, at: Point(xm.position(m.xs[i]), ym.position(m.ys[i])), size: m.size, to: &one)
                    fillMarkers(one, m.marker, cs.color(values[i]).withAlpha(m.opacity), r)
                }
            } else {
                var markers = Path()
                for line in lines { for q in line { addMarker(m.marker, at: q, size: m.size, to: &markers) } }
                fillMarkers(markers, m.marker, (color ?? .black).withAlpha(m.opacity), r)
            }
        case .band(let m):
            let n = min(m.xs.count, m.lower.count, m.upper.count)
            let upper = polylines(Array(m.xs[0..<n]), Array(m.upper[0..<n]), p)
            let lower = polylines(Array(m.xs[0..<n]), Array(m.lower[0..<n]), p)
            if upper.count == 1, lower.count == 1, upper[0].count > 1 {
                var path = Path()
                path.move(to: upper[0][0])
                for q in upper[0].dropFirst() { path.line(to: q) }
                for q in lower[0].reversed() { path.line(to: q) }
                path.close()
                r.fill(path, (color ?? .gray(0.5)).withAlpha(m.opacity))
            }
        case .rule(let m):
            if m.orientation == .horizontal {
                guard p.axes.yScale.accepts(m.value) else { return }
                let y = p.yMap.position(m.value)
                r.stroke(.segment(Point(rect.minX, y), Point(rect.maxX, y)), StrokeStyle(color: m.color, width: m.width, dash: m.dash))
            } else {
                guard p.axes.xScale.accepts(m.value) else { return }
                let x = p.xMap.position(m.value)
                r.stroke(.segment(Point(x, rect.minY), Point(x, rect.maxY)), StrokeStyle(color: m.color, width: m.width, dash: m.dash))
            }
        case .heatmap(let m): drawHeatmap(m, p, r)
        case .histogram(let m):
            let (edges, heights) = m.binned()
            let c = color ?? Palette.categorical(0)
            var bars = Path()
            let base = p.axes.yScale.isLog ? p.yDomain.lo : 0
            let y0 = p.yMap.position(base)
            var outline = Path()
            for i in 0..<heights.count where p.axes.yScale.accepts(heights[i]) {
                let x0 = p.xMap.position(edges[i]), x1 = p.xMap.position(edges[i + 1])
                let y1 = p.yMap.position(heights[i])
                bars.addRect(Rect(x: x0, y: min(y0, y1), width: x1 - x0, height: abs(y1 - y0)))
                outline.move(to: Point(x0, y0)); outline.line(to: Point(x0, y1)); outline.line(to: Point(x1, y1)); outline.line(to: Point(x1, y0))
            }
            r.fill(bars, c.withAlpha(0.55))
            r.stroke(outline, StrokeStyle(color: c.mixed(with: .black, 0.25), width: 0.6))
        case .text(let m):
            guard p.axes.xScale.accepts(m.x), p.axes.yScale.accepts(m.y) else { return }
            let font = FontSpec(size: m.size ?? theme.legendSize)
            let label = Label(m.text)
            let box = textBox(label, at: Point(p.xMap.position(m.x), p.yMap.position(m.y)), hAlign: m.hAlign, font: font, inside: rect, r)
            label.draw(r, at: Point(box.minX, box.midY), font: font, color: m.color, hAlign: 0, vAnchor: .center)
        case .circle(let m):
            var path = Path()
            let n = 180
            for i in 0...n {
                let t = 2 * Double.pi * Double(i) / Double(n)
                let q = Point(p.xMap.position(m.centerX + m.radius * cos(t)), p.yMap.position(m.centerY + m.radius * sin(t)))
                if i == 0 { path.move(to: q) } else { path.line(to: q) }
            }
            path.close()
            r.stroke(path, StrokeStyle(color: m.color, width: m.width, dash: m.dash))
        }
    }

    /// The box of a label anchored at `anchor` (horizontal fraction `hAlign`, vertically centred), moved
    /// the least distance that puts it wholly inside `bounds` (2 pt in), so the plot's clip never cuts
    /// a label placed near an edge. A label wider than the bounds starts at their left edge.
    func textBox(_ label: Label, at anchor: Point, hAlign: Double, font: FontSpec, inside bounds: Rect, _ r: Renderer) -> Rect {
        let e = label.measure(r, font)
        let inner = bounds.inset(by: 2)
        var x = anchor.x - hAlign * e.width
        x = max(inner.minX, min(x, inner.maxX - e.width))
        var top = anchor.y - (e.ascent + e.descent) / 2
        top = max(inner.minY, min(top, inner.maxY - e.height))
        return Rect(x: x, y: top, width: e.width, height: e.height)
    }

    /// Appends the segments of `line` whose bounding box meets `visible`, starting a new subpath after a gap.
    func appendVisibleSegments(_ line: [Point], _ visible: Rect, to path: inout Path) {
        var previousKept = false
        for i in 1..<line.count {
            let a = line[i - 1], b = line[i]
            let keep = max(a.x, b.x) >= visible.minX && min(a.x, b.x) <= visible.maxX
                && max(a.y, b.y) >= visible.minY && min(a.y, b.y) <= visible.maxY
            if keep {
                if !previousKept { path.move(to: a) }
                path.line(to: b)
            }
            previousKept = keep
        }
    }

    func addMarker(_ shape: MarkerShape, at q: Point, size: Double, to path: inout Path) {
        let h = size / 2
        switch shape {
        case .none: return
        case .circle: path.addCircle(center: q, radius: h)
        case .square: path.addRect(Rect(x: q.x - h * 0.9, y: q.y - h * 0.9, width: 1.8 * h, height: 1.8 * h))
        case .triangle:
            path.move(to: Point(q.x, q.y - h * 1.15)); path.line(to: Point(q.x + h, q.y + h * 0.75)); path.line(to: Point(q.x - h, q.y + h * 0.75)); path.close()
        case .diamond:
            path.move(to: Point(q.x, q.y - h * 1.2)); path.line(to: Point(q.x + h, q.y)); path.line(to: Point(q.x, q.y + h * 1.2)); path.line(to: Point(q.x - h, q.y)); path.close()
        case .cross:
            path.move(to: Point(q.x - h, q.y - h)); path.line(to: Point(q.x + h, q.y + h))
            path.move(to: Point(q.x - h, q.y + h)); path.line(to: Point(q.x + h, q.y - h))
        }
    }

    func fillMarkers(_ path: Path, _ shape: MarkerShape, _ color: Color, _ r: Renderer) {
        if shape == .cross { r.stroke(path, StrokeStyle(color: color, width: 1.2)) } else { r.fill(path, color) }
    }

    func drawHeatmap(_ m: HeatmapMark, _ p: PanelPlan, _ r: Renderer) {
        let nx = m.xs.count, ny = m.ys.count
        guard nx > 0, ny > 0, m.values.count == nx * ny, let cs = p.axes.colorScale else { return }
        let xe = cellEdges(m.xs, scale: p.axes.xScale).map(p.xMap.position)
        let ye = cellEdges(m.ys, scale: p.axes.yScale).map(p.yMap.position)
        func uniform(_ e: [Double]) -> Bool {
            let d = (e.last! - e.first!) / Double(e.count - 1)
            return e.indices.allSatisfy { abs(e[$0] - (e.first! + d * Double($0))) < 1e-6 * abs(d) * Double(e.count) }
        }
        if uniform(xe) && uniform(ye) {
            // One image, top row = largest y.
            var pixels: [Color] = []
            pixels.reserveCapacity(nx * ny)
            for row in 0..<ny {
                let j = ye[0] > ye[ny] ? ny - 1 - row : row
                for i in 0..<nx { pixels.append(cs.color(m.values[j * nx + i])) }
            }
            let xs = xe[0] < xe[nx] ? (xe[0], xe[nx]) : (xe[nx], xe[0])
            let ys = (min(ye[0], ye[ny]), max(ye[0], ye[ny]))
            var image = RasterImage(width: nx, height: ny, pixels: pixels)
            if xe[0] > xe[nx] {   // reversed x
                image.pixels = (0..<ny).flatMap { row in (0..<nx).reversed().map { pixels[row * nx + $0] } }
            }
            r.drawImage(image, in: Rect(x: xs.0, y: ys.0, width: xs.1 - xs.0, height: ys.1 - ys.0))
        } else {
            for j in 0..<ny {
                for i in 0..<nx {
                    let x0 = min(xe[i], xe[i + 1]), x1 = max(xe[i], xe[i + 1])
                    let y0 = min(ye[j], ye[j + 1]), y1 = max(ye[j], ye[j + 1])
                    // A quarter point of overlap hides anti-aliasing seams between cells.
                    r.fill(.rect(Rect(x: x0 - 0.25, y: y0 - 0.25, width: x1 - x0 + 0.5, height: y1 - y0 + 0.5)), cs.color(m.values[j * nx + i]))
                }
            }
        }
        if let level = m.contourLevel {
            let segs = contourSegments(values: m.values, nx: nx, ny: ny, level: level)
            var path = Path()
            for (a, b) in segs {
                for (k, g) in [a, b].enumerated() {
                    let d = gridToData(g, xs: m.xs, ys: m.ys, xScale: p.axes.xScale, yScale: p.axes.yScale)
                    let q = Point(p.xMap.position(d.x), p.yMap.position(d.y))
                    if k == 0 { path.move(to: q) } else { path.line(to: q) }
                }
            }
            r.stroke(path, StrokeStyle(color: .white.withAlpha(0.85), width: 3.2, roundCaps: true))
            r.stroke(path, StrokeStyle(color: .black, width: 1.4, roundCaps: true))
        }
    }
}
