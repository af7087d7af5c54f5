/// A vector path in figure coordinates (points, y down): the one shape primitive renderers draw.
public struct Path: Sendable {
    public enum Element: Sendable, Equatable {
        case move(Point)
        case line(Point)
        /// A circular arc from angle `start` to `end` (radians, clockwise on screen since y points down).
        case arc(center: Point, radius: Double, start: Double, end: Double)
        case close
    }
    public private(set) var elements: [Element] = []
    public init() {}
    public init(reserving n: Int) { elements.reserveCapacity(n) }

    public mutating func move(to p: Point) { elements.append(.move(p)) }
    public mutating func line(to p: Point) { elements.append(.line(p)) }
    public mutating func close() { elements.append(.close) }
    public mutating func addArc(center: Point, radius: Double, start: Double, end: Double) {
        elements.append(.arc(center: center, radius: radius, start: start, end: end))
    }
    public mutating func addRect(_ r: Rect) {
        move(to: Point(r.minX, r.minY)); line(to: Point(r.maxX, r.minY))
        line(to: Point(r.maxX, r.maxY)); line(to: Point(r.minX, r.maxY)); close()
    }
    public mutating func addCircle(center: Point, radius: Double) {
        move(to: Point(center.x + radius, center.y))
        addArc(center: center, radius: radius, start: 0, end: 2 * Double.pi)
        close()
    }
    public static func rect(_ r: Rect) -> Path { var p = Path(); p.addRect(r); return p }
    public static func segment(_ a: Point, _ b: Point) -> Path { var p = Path(); p.move(to: a); p.line(to: b); return p }

    /// The points the path passes through, with arcs sampled every 10°: what legend placement treats as data.
    public var polylines: [[Point]] {
        var result: [[Point]] = []
        var current: [Point] = []
        for e in elements {
            switch e {
            case .move(let p):
                if current.count > 0 { result.append(current) }
                current = [p]
            case .line(let p): current.append(p)
            case .arc(let c, let r, let s, let end):
                let n = max(2, Int((abs(end - s) / (Double.pi / 18)).rounded(.up)))
                for i in 0...n {
                    let t = s + (end - s) * Double(i) / Double(n)
                    current.append(Point(c.x + r * _cos(t), c.y + r * _sin(t)))
                }
            case .close:
                if let first = current.first { current.append(first) }
            }
        }
        if current.count > 0 { result.append(current) }
        return result
    }
}

import Foundation
@inline(__always) func _cos(_ x: Double) -> Double { Foundation.cos(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Foundation.sin(x) }
