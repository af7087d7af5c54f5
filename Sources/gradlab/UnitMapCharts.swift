import Diagnostics
import Foundation
import Linalg
import Plotting
import Recurrent
import TensorIO

/// `diagnose --unit-maps DIR`: the per-unit × time gradient maps as heatmaps (units × steps, one
/// panel for ∂L/∂h and one per gate) and, complete, as `.npy` files (docs/dynamics.md).
enum UnitMapCharts {
    /// Rows drawn per panel; with more units, the `shown` units of largest total gradient, sorted.
    static let shown = 128

    static func write(_ maps: UnitGradientMap, to directory: String, title: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var written: [String] = []
        // Complete maps: (T+1, H) for h (row t = step t), (T, H) per gate (row t − 1 = step t).
        func save(_ rows: [[Double]], _ name: String) throws {
            let path = (directory as NSString).appendingPathComponent(name)
            let tensor = try Tensor(shape: [rows.count, maps.hiddenSize], values: rows.flatMap { $0 })
            try TensorArchive([(name.replacingOccurrences(of: ".npy", with: ""), tensor)]).save(path)
            written.append(path)
        }
        try save(maps.hiddenLog10, "unit-map-h.npy")
        for (k, gate) in maps.gateNames.enumerated() { try save(maps.gateLog10[k], "unit-map-gate-\(gate).npy") }

        let order = maps.unitsByTotalGradient
        let units = maps.hiddenSize > shown ? Array(order.prefix(shown)) : Array(0..<maps.hiddenSize)
        let note = maps.hiddenSize > shown ? " (the \(shown) of \(maps.hiddenSize) units with the largest total gradient, largest at the bottom)" : ""
        func panel(_ rows: [[Double]], firstStep: Int, _ name: String) -> DepthTimePanel {
            var values: [Double] = []
            for i in units { for row in rows { values.append(row[i].isFinite || row[i] == -.infinity ? row[i] : .nan) } }
            return DepthTimePanel(steps: (0..<rows.count).map { Double(firstStep + $0) }, layers: (0..<units.count).map(Double.init),
                                  log10Norm: values, title: name)
        }
        var panels = [panel(maps.hiddenLog10, firstStep: 0, "∂L/∂h_{t}")]
        for (k, gate) in maps.gateNames.enumerated() { panels.append(panel(maps.gateLog10[k], firstStep: 1, "∂L/∂z_{t} gate \(gate)")) }
        var chart = DepthTimeHeatmapChart(panels: panels, title: "\(title): per-unit gradients\(note); black contour: 10^{−6}")
        chart.colorLabel = "log_{10} |∂L/∂·|"
        chart.yLabel = maps.hiddenSize > shown ? "unit (by total gradient)" : "unit i"
        chart.contourLevel = -6
        chart.maxColumns = 2
        let figure = try Recipe.depthTimeHeatmap(chart)
        written += try writeCharts([("unit-maps", figure)], to: directory)
        return written
    }
}
