import Foundation

/// The running [lo, hi] of values seen on one axis.
struct Extent {
    var lo = Double.infinity
    var hi = -Double.infinity
    var isEmpty: Bool { lo > hi }
    mutating func add(_ v: Double) { lo = min(lo, v); hi = max(hi, v) }
    mutating func formUnion(_ e: Extent) { lo = min(lo, e.lo); hi = max(hi, e.hi) }
}

/// What one panel's data spans on each axis, after dropping values its scales cannot show.
struct PanelExtents {
    var x = Extent()
    var y = Extent()
    var droppedX = 0
    var droppedY = 0
    /// Heatmaps fill their domain exactly; other data gets a small margin.
    var padX = true
    var padY = true
}

/// Cell edges around increasing centres, midway in the scale's transformed space (half a step beyond the ends).
func cellEdges(_ centres: [Double], scale: ScaleKind) -> [Double] {
    let t = centres.map(scale.forward)
    guard t.count > 1 else {
        let c = t.first ?? 0
        return [scale.inverse(c - 0.5), scale.inverse(c + 0.5)]
    }
    var edges = [t[0] - (t[1] - t[0]) / 2]
    for i in 0..<(t.count - 1) { edges.append((t[i] + t[i + 1]) / 2) }
    edges.append(t[t.count - 1] + (t[t.count - 1] - t[t.count - 2]) / 2)
    return edges.map(scale.inverse)
}

extension Axes {
    /// Extents of all marks; values a log axis cannot show are counted, not included.
    func dataExtents() -> PanelExtents {
        var e = PanelExtents()
        func pair(_ x: Double, _ y: Double) {
            let okX = xScale.accepts(x), okY = yScale.accepts(y)
            if x.isFinite && !okX { e.droppedX += 1 }
            if y.isFinite && !okY { e.droppedY += 1 }
            if okX && okY { e.x.add(x); e.y.add(y) }
        }
        func xOnly(_ x: Double) { if xScale.accepts(x) { e.x.add(x) } }
        func yOnly(_ y: Double) { if yScale.accepts(y) { e.y.add(y) } }
        for mark in marks {
            switch mark {
            case .line(let m): for i in 0..<min(m.xs.count, m.ys.count) { pair(m.xs[i], m.ys[i]) }
            case .scatter(let m): for i in 0..<min(m.xs.count, m.ys.count) { pair(m.xs[i], m.ys[i]) }
            case .band(let m):
                for i in 0..<min(m.xs.count, m.lower.count, m.upper.count) { pair(m.xs[i], m.lower[i]); pair(m.xs[i], m.upper[i]) }
            case .rule(let m):
                if m.orientation == .horizontal { yOnly(m.value) } else { xOnly(m.value) }
            case .heatmap(let m):
                cellEdges(m.xs, scale: xScale).forEach(xOnly)
                cellEdges(m.ys, scale: yScale).forEach(yOnly)
                e.padX = false; e.padY = false
            case .histogram(let m):
                let (edges, heights) = m.binned()
                edges.forEach(xOnly)
                heights.forEach(yOnly)
                if !yScale.isLog { e.y.add(0) }
            case .text(let m): pair(m.x, m.y)
            case .circle(let m):
                pair(m.centerX - m.radius, m.centerY - m.radius); pair(m.centerX + m.radius, m.centerY + m.radius)
            }
        }
        return e
    }
}

/// The displayed domain for an extent: a zero-width range is widened, a small margin added (in the scale's
/// transformed space), and an empty extent becomes [0, 1] (log: [1, 10]).
func displayDomain(_ extent: Extent, scale: ScaleKind, pad: Bool) -> (lo: Double, hi: Double) {
    var lo = extent.lo, hi = extent.hi
    if extent.isEmpty { return scale.isLog ? (1, 10) : (0, 1) }
    if lo == hi {
        if scale.isLog { return (lo / 2, hi * 2) }
        if lo == 0 { return (-1, 1) }
        let d = abs(lo) * 0.1
        return (lo - d, hi + d)
    }
    guard pad else { return (lo, hi) }
    let t0 = scale.forward(lo), t1 = scale.forward(hi)
    let m = (t1 / 2 - t0 / 2) * 0.08     // 4 % on each side; halves avoid overflow
    let a = scale.inverse(t0 - m), b = scale.inverse(t1 + m)
    if a.isFinite { lo = a }
    if b.isFinite { hi = b }
    return (lo, hi)
}
