import Foundation
import Linalg
@testable import Training

/// Tests/Fixtures/Training/<name>, located from this file (tests never need Python).
func fixtureURL(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/Training/\(name)")
}

func loadJSON(_ name: String) throws -> [String: Any] {
    let data = try Data(contentsOf: fixtureURL(name))
    return (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
}

func matrix(_ any: Any?) throws -> Matrix {
    let rows = (any as? [[Any]] ?? []).map { $0.map { ($0 as? NSNumber)?.doubleValue ?? .nan } }
    return try Matrix(rows)
}

func maxAbsDifference(_ a: [Matrix], _ b: [Matrix]) -> Double {
    zip(a, b).map { x, y in zip(x.elements, y.elements).map { abs($0 - $1) }.max() ?? 0 }.max() ?? .infinity
}

/// Mean and standard error of a sample.
func meanAndStandardError(_ xs: [Double]) -> (mean: Double, se: Double) {
    let n = Double(xs.count)
    let mean = xs.reduce(0, +) / n
    let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)
    return (mean, (variance / n).squareRoot())
}

/// ‖WᵀW − I‖_F, the largest over the H×H row blocks of a G·H × H matrix (G = 1 for a square W).
func orthogonalityError(_ w: Matrix) throws -> Double {
    let n = w.cols
    var worst = 0.0
    for b in 0..<(w.rows / max(n, 1)) {
        let block = try w.rows(b * n..<(b + 1) * n)
        var e = try matmul(block, block, transA: .transpose)
        for i in 0..<n { e[i, i] -= 1 }
        worst = max(worst, e.elements.reduce(0) { $0 + $1 * $1 }.squareRoot())
    }
    return worst
}
