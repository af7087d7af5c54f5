import Foundation
import Testing
@testable import Plotting

@Suite struct DepthTimeHeatmapTests {
    /// Panels share one colour scale (±the largest |value| over all panels), only the last panel of a
    /// row shows the colorbar, −∞ cells keep −∞ (drawn in the zero colour, with an "exactly 0" swatch),
    /// the note says the scale is shared, and bad shapes are errors.
    @Test func panelsShareOneColourScale() throws {
        let a = DepthTimePanel(steps: [1, 2, 3], layers: [0, 1], log10Norm: [-3, -2, -1, -2, -1, 0], title: "a")
        let b = DepthTimePanel(steps: [1, 2], layers: [0, 1, 2], log10Norm: [-7, -6, -5, -4, -.infinity, 0], title: "b")
        let figure = try Recipe.depthTimeHeatmap(DepthTimeHeatmapChart(panels: [a, b]))
        #expect(figure.panels.count == 2)
        for p in figure.panels {
            guard case .linear(let lo, let hi) = p.colorScale?.norm else { Issue.record("expected a linear norm"); return }
            #expect(lo == -7 && hi == 7)
        }
        #expect(figure.panels.map { $0.colorScale?.showsColorbar } == [false, true])
        guard case .heatmap(let m) = figure.panels[1].marks[0] else { Issue.record("expected a heatmap"); return }
        #expect(m.values[4] == -.infinity)
        #expect(figure.note?.contains("one for all panels") == true)
        let r = RecordingRenderer()
        #expect(try figure.render(to: r).isEmpty)
        #expect(r.commands(inGroup: "colorbar").contains { if case .text("exactly 0", _, _, _) = $0 { return true } else { return false } })
        #expect(r.commands(inGroup: "data").filter { if case .image = $0 { return true } else { return false } }.count == 2)
        let bad = DepthTimePanel(steps: [1, 2], layers: [0], log10Norm: [0])
        #expect(throws: PlotError.self) { try Recipe.depthTimeHeatmap(DepthTimeHeatmapChart(panels: [bad])) }
        #expect(throws: PlotError.self) { try Recipe.depthTimeHeatmap(DepthTimeHeatmapChart(panels: [])) }
    }
}
