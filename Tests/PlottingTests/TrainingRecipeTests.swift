import Foundation
import Testing
@testable import Plotting

/// The training-comparison recipes, through the recording renderer.
@Suite struct TrainingRecipeTests {
    static let iterations = (0..<50).map { Double($0 * 10) }

    static func strokes(_ r: RecordingRenderer) -> [(Path, StrokeStyle)] {
        r.commands(inGroup: "data").compactMap { if case .stroke(let p, let s) = $0 { return (p, s) } else { return nil } }
    }

    @Test func lossCurvesDrawOneColourPerMethodAndTheBaselineInEveryPanel() throws {
        var curves: [TrainingCurve] = []
        for facet in ["T = 50", "T = 100"] {
            for (k, method) in ["orthogonal", "gaussian"].enumerated() {
                let ys = Self.iterations.map { 0.2 * exp(-Double(k + 1) * $0 / 500) }
                curves.append(TrainingCurve(iterations: Self.iterations, values: ys, lower: ys.map { $0 * 0.9 }, upper: ys.map { $0 * 1.1 },
                                            label: method, facet: facet))
            }
        }
        let chart = TrainingCurvesChart(curves: curves, references: [ReferenceLevel(value: 1.0 / 6, label: "baseline")], yLabel: "held-out loss")
        let figure = Recipe.lossCurves(chart)
        #expect(figure.panels.count == 2 && figure.shareX && figure.shareY)
        #expect(figure.panels.allSatisfy { $0.yScale == .log10 })
        let r = RecordingRenderer()
        #expect(try figure.render(to: r).isEmpty)
        // Per panel: 2 lines + 1 dashed baseline; the same method has the same colour in both panels.
        let styles = Self.strokes(r).map(\.1)
        let dashed = styles.filter { !$0.dash.isEmpty }
        #expect(dashed.count == 2)
        let solid = styles.filter { $0.dash.isEmpty }
        #expect(solid.count == 4 && solid[0].color == solid[2].color && solid[0].color != solid[1].color)
        // The legend (first panel only) names both methods and the baseline once.
        #expect(r.texts.filter { $0 == "orthogonal" }.count == 1 && r.texts.filter { $0 == "baseline" }.count == 1)
    }

    @Test func successRateIsBoundedAndMarked() throws {
        let series = [SuccessSeries(lengths: [50, 100, 200, 400], rates: [1, 1, 0.5, 0], label: "LSTM"),
                      SuccessSeries(lengths: [50, 100, 200, 400], rates: [1, 0, 0, 0], label: "gaussian")]
        let figure = Recipe.successRate(SuccessRateChart(series: series))
        #expect(figure.panels.count == 1 && figure.panels[0].xScale == .linear)
        // Dodged sideways by ±1.75 pt around the true lengths so equal rates stay visible; the rates are
        // drawn exactly, so none leaves [0, 1].
        let lines = figure.panels[0].marks.compactMap { if case .line(let l) = $0 { return l } else { return nil } }
        #expect(lines.map(\.ys) == series.map(\.rates) && lines.map(\.xs) == series.map(\.lengths))
        #expect(lines.map(\.xOffset) == [-1.75, 1.75])
        #expect(figure.panels[0].yDomain == -0.05...1.05)
        let r = RecordingRenderer()
        #expect(try figure.render(to: r).isEmpty)
        #expect(r.texts.contains("LSTM") && r.texts.contains("gaussian"))
        // One marker shape per method, so the lines stay apart in grayscale.
        let markers = figure.panels[0].marks.compactMap { if case .line(let l) = $0 { return l.marker } else { return nil } }
        #expect(markers == [.circle, .square])
    }

    @Test func gradientNormTraceDrawsTheThresholdPerFacet() throws {
        let curves = ["none", "global-norm"].map { m in
            TrainingCurve(iterations: Self.iterations, values: Self.iterations.map { 0.5 + abs(sin($0)) * (m == "none" ? 100 : 1) }, label: m, facet: m)
        }
        let figure = Recipe.gradientNormTrace(TrainingCurvesChart(curves: curves, references: [ReferenceLevel(value: 1, label: "clip threshold", facet: "global-norm")],
                                                                  yLabel: "‖∇L‖"))
        #expect(figure.panels.map(\.title) == ["none", "global-norm"])
        let rules = figure.panels.map { $0.marks.filter { if case .rule = $0 { return true } else { return false } }.count }
        #expect(rules == [0, 1])
        let r = RecordingRenderer()
        #expect(try figure.render(to: r).isEmpty)
    }

    @Test func gradientFlowHeatmapSharesOneClippedColourScale() throws {
        let its = [10.0, 20, 30], steps = [1.0, 2, 3, 4]
        let deep = GradientFlowMap(iterations: its, steps: steps, log10Norm: steps.flatMap { t in its.map { _ in -10 * (4 - t) } }, title: "gaussian")
        let flat = GradientFlowMap(iterations: its, steps: steps, log10Norm: Array(repeating: -1, count: 12), title: "orthogonal")
        let figure = try Recipe.gradientFlowHeatmap(GradientFlowHeatmapChart(maps: [deep, flat]))
        #expect(figure.panels.count == 2)
        // Colours span [max − 12, max] = [−12, 0]; −30 saturates at −12.
        #expect(figure.panels[0].colorScale?.norm == .linear(lo: -12, hi: 0))
        guard case .heatmap(let h) = figure.panels[0].marks[0] else { Issue.record("expected a heatmap"); return }
        #expect(h.values.min() == -12)
        #expect(figure.panels.filter { $0.colorScale?.showsColorbar == true }.count == 1)
        let r = RecordingRenderer()
        #expect(try figure.render(to: r).isEmpty)
        let bad = GradientFlowMap(iterations: its, steps: steps, log10Norm: [0, 1])
        #expect(throws: PlotError.self) { try Recipe.gradientFlowHeatmap(GradientFlowHeatmapChart(maps: [bad])) }
    }
}
