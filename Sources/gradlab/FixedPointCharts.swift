import Diagnostics
import Foundation
import Linalg
import Plotting

/// The charts of `gradlab fixed-points`.
enum FixedPointCharts {
    /// The pool's trajectories (rows grouped by `trajectoryLength` when they are runs; scattered
    /// states otherwise) and the points, in the top two principal components of the pool.
    static func states(_ report: FixedPointReport, pool: Matrix, trajectoryLength: Int?, title: String) throws -> Figure {
        let pca = try PrincipalComponents(states: pool, count: 2)
        let k = pca.directions.rows
        func xy(_ s: [Double]) -> (Double, Double) { let p = pca.project(s); return (p[0], k > 1 ? p[1] : 0) }
        var trajectories: [(xs: [Double], ys: [Double])] = []
        let length = trajectoryLength ?? 1
        var row = 0
        while row < pool.rows && trajectories.count < 64 {
            let end = min(pool.rows, row + length)
            let pts = (row..<end).map { xy(pool.row($0)) }
            trajectories.append((pts.map(\.0), pts.map(\.1)))
            row = end
        }
        let shapes: [PointStability: MarkerShape] = [.stable: .circle, .marginal: .diamond, .saddle: .cross, .unstable: .square]
        var groups: [StateSpaceGroup] = []
        for stability in PointStability.allCases {
            for fixed in [true, false] {
                let chosen = report.points.filter { $0.stability == stability && $0.isFixed == fixed }
                guard !chosen.isEmpty else { continue }
                let pts = chosen.map { xy($0.state) }
                groups.append(StateSpaceGroup(xs: pts.map(\.0), ys: pts.map(\.1),
                                              label: "\(stability.rawValue) \(fixed ? "fixed" : "slow") (\(chosen.count))",
                                              marker: shapes[stability] ?? .circle))
            }
        }
        let ev = pca.explainedVariance.map { String(format: "%.0f%%", 100 * $0) }
        return Recipe.stateSpace(StateSpaceChart(
            trajectories: length > 1 ? trajectories : [], groups: groups,
            xLabel: "PC 1 (\(ev.first ?? "–") of variance)", yLabel: "PC 2 (\(ev.count > 1 ? ev[1] : "–") of variance)",
            title: "\(title): fixed and slow points in the top principal components"))
    }

    /// One set of eigenvalues per point (at most 12 panels, the first points by q).
    static func eigenvalues(_ report: FixedPointReport, title: String) -> Figure {
        let sets = report.points.prefix(12).enumerated().map { k, p in
            EigenvalueSet(real: p.eigenvalues.map(\.re), imag: p.eigenvalues.map(\.im), label: nil,
                          facet: "#\(k) \(p.stability.rawValue)\(p.unstableModes > 0 ? " (\(p.unstableModes) unstable)" : "")")
        }
        return Recipe.eigenvalues(EigenvaluesChart(sets: Array(sets), title: "\(title): eigenvalues of ∂F/∂s at each point"))
    }
}

extension Figure {
    /// Writes to `path` in the format its extension names, printing warnings and the path.
    func save(_ path: String) throws {
        let format = OutputFormat(rawValue: (path as NSString).pathExtension.lowercased()) ?? .png
        for warning in try write(to: path, format: format) { warn("\(path): \(warning)") }
        FileHandle.standardError.write(Data("chart: \(path)\n".utf8))
    }
}
