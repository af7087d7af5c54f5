import Sweeps
import Lab
import Foundation
import Plotting

extension RunPlots {
    /// `depth-time-heatmap`: per facet value one figure; per grid point one panel of `grad_norm_log10`
    /// over (step t, layer ℓ), replicates averaged cell by cell (forward direction; a bidirectional
    /// model gets a second panel for its backward direction). `scale: per-facet` (default): every panel
    /// its own ±limit and colour bar; `scale: shared`: one ±limit for every panel of every facet file, so
    /// files and panels compare by colour. The note under each figure says which.
    static func depthTimeHeatmaps(_ plot: PlotSpec, _ data: RunData) throws -> [(String?, Figure)] {
        let byRun = try data.series(.gradNormLog10)
        var charts: [(String?, DepthTimeHeatmapChart)] = []
        for facet in data.facetValues(plot.facet) {
            var panels: [DepthTimePanel] = []
            let members = data.groups.filter { data.text(plot.facet, $0) == facet }
            for group in members {
                let points = group.runs.flatMap { byRun[$0.runID] ?? [] }
                for direction in ["forward", "reverse"] {
                    var cells: [Int: [Int: [Double]]] = [:] // layer → step → replicate values
                    for p in points where p.direction == direction && p.step >= 1 {
                        cells[p.layer, default: [:]][p.step, default: []].append(p.value)
                    }
                    guard !cells.isEmpty else { continue }
                    let layers = cells.keys.sorted(), steps = Set(cells.values.flatMap(\.keys)).sorted()
                    let values = layers.flatMap { l in steps.map { t -> Double in
                        let v = cells[l]?[t] ?? []
                        return v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count)
                    } }
                    // Panel titles: the swept values that change within the figure, by their symbols (L = 2, T = 50).
                    let parts = [data.label(varyingAmong: members, group)].compactMap { $0 }
                    let label = (parts + (direction == "reverse" ? ["backward direction"] : [])).joined(separator: ", ")
                    panels.append(DepthTimePanel(steps: steps.map(Double.init), layers: layers.map(Double.init), log10Norm: values,
                                                 title: label.isEmpty ? nil : label))
                }
            }
            guard !panels.isEmpty else { continue }
            charts.append((facet, DepthTimeHeatmapChart(panels: panels, title: [data.title, facet].compactMap { $0 }.joined(separator: " — "))))
        }
        let shared = (plot.scale ?? .perFacet) == .shared
        let limit = charts.flatMap { $0.1.panels.flatMap(\.log10Norm) }.filter(\.isFinite).map(abs).max()
        return try charts.map { facet, chart in
            var chart = chart
            chart.sharedColorScale = shared
            if shared { chart.colorLimit = limit.map { max($0, 1e-12) } }
            var figure = try Recipe.depthTimeHeatmap(chart)
            figure.note = RunPlots.scaleNote(shared: shared, panels: chart.panels.count, files: charts.count)
            return (facet, figure)
        }
    }
}
