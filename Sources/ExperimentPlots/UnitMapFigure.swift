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
    public static func figure(_ maps: UnitMaps, title: String) throws -> Figure {
        let units = maps.hiddenSize > shown ? Array(maps.unitsByTotalGradient.prefix(shown)) : Array(0..<maps.hiddenSize)
        func panel(_ rows: [[Double]], firstStep: Int, _ name: String) -> DepthTimePanel {
            var values: [Double] = []
            for i in units { for row in rows { values.append(row[i].isFinite || row[i] == -.infinity ? row[i] : .nan) } }
            return DepthTimePanel(steps: (0..<rows.count).map { Double(firstStep + $0) }, layers: (0..<units.count).map(Double.init),
                                  log10Norm: values, title: name)
        }
        var panels = [panel(maps.hiddenLog10, firstStep: 0, "∂L/∂h_{t}")]
        for (k, gate) in maps.gateNames.enumerated() { panels.append(panel(maps.gateLog10[k], firstStep: 1, "∂L/∂z_{t} gate \(gate)")) }
        // With H > shown the rows are the `shown` units of largest Σ_t |∂L/∂h_t,i|², by rank (0 = largest): the y label says so.
        let subset = maps.hiddenSize > shown ? ", top \(shown) of \(maps.hiddenSize) units" : ""
        var chart = DepthTimeHeatmapChart(panels: panels, title: "\(title): per-unit gradients\(subset); black contour: 10^{−6}")
        chart.colorLabel = "log_{10} |∂L/∂·|"
        chart.yLabel = maps.hiddenSize > shown ? "unit rank (0 = largest Σ_{t}|∂L/∂h_{t}|^{2})" : "unit i"
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
