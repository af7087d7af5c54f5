/// Marching squares: the iso-line `value == level` through a grid sampled at integer coordinates.
///
/// `values[j * nx + i]` is the sample at (i, j). Returns segments with fractional grid coordinates
/// (x along i, y along j), crossing points found by linear interpolation along cell edges.
/// Saddle cells are resolved by the cell-centre average (mean of the four corners). Cells with a
/// non-finite corner are skipped.
public func contourSegments(values: [Double], nx: Int, ny: Int, level: Double) -> [(Point, Point)] {
    guard nx >= 2, ny >= 2, values.count == nx * ny else { return [] }
    var segments: [(Point, Point)] = []
    for j in 0..<(ny - 1) {
        for i in 0..<(nx - 1) {
            let v0 = values[j * nx + i], v1 = values[j * nx + i + 1]
            let v2 = values[(j + 1) * nx + i + 1], v3 = values[(j + 1) * nx + i]
            guard v0.isFinite, v1.isFinite, v2.isFinite, v3.isFinite else { continue }
            // Corners counter-clockwise: 0 (i,j), 1 (i+1,j), 2 (i+1,j+1), 3 (i,j+1).
            let above = [v0 > level, v1 > level, v2 > level, v3 > level]
            let x = Double(i), y = Double(j)
            func interp(_ a: Double, _ b: Double) -> Double { a == b ? 0.5 : (level - a) / (b - a) }
            // Crossing points on edges 0: 0–1 (bottom), 1: 1–2 (right), 2: 3–2 (top), 3: 0–3 (left).
            func edgePoint(_ e: Int) -> Point {
                switch e {
                case 0: return Point(x + interp(v0, v1), y)
                case 1: return Point(x + 1, y + interp(v1, v2))
                case 2: return Point(x + interp(v3, v2), y + 1)
                default: return Point(x, y + interp(v0, v3))
                }
            }
            var crossed: [Int] = []
            if above[0] != above[1] { crossed.append(0) }
            if above[1] != above[2] { crossed.append(1) }
            if above[3] != above[2] { crossed.append(2) }
            if above[0] != above[3] { crossed.append(3) }
            if crossed.count == 2 {
                segments.append((edgePoint(crossed[0]), edgePoint(crossed[1])))
            } else if crossed.count == 4 {
                let centreAbove = (v0 + v1 + v2 + v3) / 4 > level
                // Corner 0 and 2 agree (diagonal); the centre decides which corners connect.
                if centreAbove == above[0] {
                    segments.append((edgePoint(0), edgePoint(1))); segments.append((edgePoint(2), edgePoint(3)))
                } else {
                    segments.append((edgePoint(0), edgePoint(3))); segments.append((edgePoint(1), edgePoint(2)))
                }
            }
        }
    }
    return segments
}

/// A point in grid coordinates (fractional indices from `contourSegments`) mapped to data coordinates,
/// interpolating linearly between neighbouring centres in each scale's transformed space (so on a log axis,
/// geometrically). Needs at least two centres per axis.
func gridToData(_ p: Point, xs: [Double], ys: [Double], xScale: ScaleKind, yScale: ScaleKind) -> (x: Double, y: Double) {
    func along(_ values: [Double], _ u: Double, _ scale: ScaleKind) -> Double {
        let i = max(0, min(Int(u), values.count - 2))
        let a = scale.forward(values[i]), b = scale.forward(values[i + 1])
        return scale.inverse(a + (b - a) * (u - Double(i)))
    }
    return (along(xs, p.x, xScale), along(ys, p.y, yScale))
}
