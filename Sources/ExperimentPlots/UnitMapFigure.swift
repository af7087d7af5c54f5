import Foundation
import Lab
import Plotting
import Sweeps

/// The per-unit × time gradient maps as heatmaps (units × steps, one panel for ∂L/∂h and one per gate):
/// `gradlab diagnose --unit-maps` and the `unit-gradient-maps` recipe (from a run's sidecar files) draw
/// this one figure (docs/dynamics.md).
public enum UnitMapFigure {
    /// Rows drawn per panel; with more units, the `shown` units of largest total gradient, sorted.
    public static let shown = 128

    /// The figure of `maps`: the depth-time heatmap's blue–white–red scale centred at 0, black contour at 10⁻⁶.
    /// Every panel shows the same units (with H > `shown`, those of largest Σ_t |∂L/∂h_t,i|²).
    public static func figure(_ maps: UnitMaps, title: String) throws -> Figure {
        if !maps.layers.isEmpty {
            let bidirectional = maps.layers.contains(where: \.reverse)
            return try figure(layers: maps.layers.map { l in
                (title: "layer \(l.layer)\(bidirectional ? (l.reverse ? " backward" : " forward") : ""): ∂L/∂h_{t}", rows: l.rows,
                 unitsByTotalGradient: l.unitsByTotalGradient)
            }, hiddenSize: maps.hiddenSize, title: title)
        }
        let units = maps.hiddenSize > shown ? Array(maps.unitsByTotalGradient.prefix(shown)) : Array(0..<maps.hiddenSize)
        var panels = [panel(maps.hiddenLog10, firstStep: 0, units: units, "∂L/∂h_{t}")]
        for (k, gate) in maps.gateNames.enumerated() { panels.append(panel(maps.gateLog10[k], firstStep: 1, units: units, "∂L/∂z_{t} gate \(gate)")) }
        return try chart(panels, hiddenSize: maps.hiddenSize, title: title)
    }

    /// A stacked (or bidirectional) model's maps: one ∂L/∂h panel per layer and direction, rows t = 1…T
    /// (a backward unit's aligned with time), each panel's units ranked by its own total gradient
    /// (`unitsByTotalGradient`) when H > `shown`.
    public static func figure(layers: [(title: String, rows: [[Double]], unitsByTotalGradient: [Int])], hiddenSize: Int,
                              title: String) throws -> Figure {
        let panels = layers.map { l in
            panel(l.rows, firstStep: 1, units: hiddenSize > shown ? Array(l.unitsByTotalGradient.prefix(shown)) : Array(0..<hiddenSize), l.title)
        }
        return try chart(panels, hiddenSize: hiddenSize, title: title)
    }

    /// Rows (steps) × the chosen units of one map as a heatmap panel (steps from `firstStep`).
    static func panel(_ rows: [[Double]], firstStep: Int, units: [Int], _ name: String) -> DepthTimePanel {
        var values: [Double] = []
        for i in units { for row in rows { values.append(row[i].isFinite || row[i] == -.infinity ? row[i] : .nan) } }
        return DepthTimePanel(steps: (0..<rows.count).map { Double(firstStep + $0) }, layers: (0..<units.count).map(Double.init),
                              log10Norm: values, title: name)
    }

    static func chart(_ panels: [DepthTimePanel], hiddenSize: Int, title: String) throws -> Figure {
        // With H > shown the rows are the `shown` units of largest Σ_t |∂L/∂h_t,i|², by rank (0 = largest): the y label says so.
        let subset = hiddenSize > shown ? ", top \(shown) of \(hiddenSize) units" : ""
        var chart = DepthTimeHeatmapChart(panels: panels, title: "\(title): per-unit gradients\(subset); black contour: 10^{−6}")
        chart.colorLabel = "log_{10} |∂L/∂·|"
        chart.yLabel = hiddenSize > shown ? "unit rank (0 = largest Σ_{t}|∂L/∂h_{t}|^{2})" : "unit i"
        chart.contourLevel = -6
        chart.maxColumns = 2
        return try Recipe.depthTimeHeatmap(chart)
    }

    /// `unit-gradient-maps`: one figure per ok run with a `unit_maps` reference, files named by the raw
    /// swept values (and `r<replicate>` when a grid point has several).
    static func runs(_ data: RunData) throws -> [(String?, Figure)] {
        let references = try data.store.summaryTextColumn(Metric.unitMaps.name)
        let directory = data.store.url.deletingLastPathComponent()
        let runs = data.groups.flatMap { group in group.runs.map { (group, $0) } }.filter { references[$0.1.runID] != nil }
        return try runs.compactMap { group, run in
            guard let reference = references[run.runID] else { return nil }
            let maps = try UnitMapSidecar.load(runDirectory: directory, reference: reference)
            let raw = group.values.sorted { $0.key < $1.key }.map { "\($0.value)" } + (group.runs.count > 1 ? ["r\(run.replicate)"] : [])
            let name = [data.label(excluding: [], group), group.runs.count > 1 ? "replicate \(run.replicate)" : nil].compactMap { $0 }.joined(separator: ", ")
            let title = [data.title, name.isEmpty ? nil : name].compactMap { $0 }.joined(separator: " — ")
            return (runs.count > 1 ? RunPlots.fileSafe(raw.isEmpty ? run.runID : raw.joined(separator: "-")) : nil, try figure(maps, title: title))
        }
    }
}
