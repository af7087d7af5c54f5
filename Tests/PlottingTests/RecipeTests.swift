import Foundation
import Testing
@testable import Plotting

@Suite struct RecipeTests {
    static let lags = (0...20).map(Double.init)

    @Test func normVsLagFacetsShareAxesAndOneColorbar() throws {
        var series: [NormVsLagSeries] = []
        for facet in ["tanh", "relu"] {
            for rho in [0.9, 1.1] {
                let y = Self.lags.map { $0 * log10(rho) }
                series.append(NormVsLagSeries(lags: Self.lags, log10Norm: y, log10Lower: y.map { $0 - 0.1 }, log10Upper: y.map { $0 + 0.1 },
                                              colorValue: rho, facet: facet))
            }
        }
        let theory = [TheoryLine(lags: Self.lags, log10Values: Self.lags.map { $0 * log10(1.1) }, kind: .spectralPower, colorValue: 1.1, facet: "tanh")]
        let figure = Recipe.normVsLag(NormVsLagChart(series: series, theory: theory))
        #expect(figure.panels.count == 2 && figure.columns == 2 && figure.shareX && figure.shareY)
        #expect(figure.panels.map(\.title) == ["tanh", "relu"])
        #expect(figure.panels.filter { $0.colorScale?.showsColorbar == true }.count == 1)
        let r = RecordingRenderer()
        #expect(try figure.render(to: r).isEmpty)
        #expect(r.texts.contains("ρ") && r.texts.contains("spectral radius") == false)
        // Two values of ρ: a discrete key (one swatch per value), not a continuous colour bar.
        #expect(r.commands(inGroup: "colorbar").isEmpty && r.commands(inGroup: "colorkey").count > 0)
        #expect(r.texts.contains("0.9") && r.texts.contains("1.1"))
        // Shared y: only the first column labels its y ticks, so the text "log" appears once for the y title.
        #expect(r.texts.filter { $0 == "log" }.count == 1)
    }

    @Test func phaseHeatmapDrawsTheBoundaryAndCentresTheMap() throws {
        let xs = stride(from: 0.5, through: 1.5, by: 0.1).map { $0 }, ys = [10.0, 20, 30, 40]
        let values = ys.flatMap { t in xs.map { t * log10($0) } }
        let chart = PhaseHeatmapChart(xs: xs, ys: ys, log10Norm: values, xLabel: "ρ", yLabel: "T")
        let figure = try Recipe.phaseHeatmap(chart)
        guard case .linear(let lo, let hi) = figure.panels[0].colorScale?.norm else { Issue.record("expected a linear norm"); return }
        #expect(lo == -hi)
        let r = RecordingRenderer()
        _ = try figure.render(to: r)
        let images = r.commands(inGroup: "data").filter { if case .image = $0 { return true } else { return false } }
        #expect(images.count == 1)
        // The contour at 0 runs along ρ = 1 (x position of 1.0 in the plot), drawn twice (halo + line).
        let strokes = r.commands(inGroup: "data").compactMap { c -> Path? in if case .stroke(let p, _) = c { return p } else { return nil } }
        #expect(strokes.count == 2)
        let xsDrawn = strokes[1].polylines.flatMap { $0 }.map(\.x)
        #expect((xsDrawn.max()! - xsDrawn.min()!) < 1e-9)

        // Log-spaced T: cells are not uniform on a linear axis, so they are drawn as rectangles instead.
        var logSpaced = chart; logSpaced.ys = [10, 20, 40, 80]
        let r2 = RecordingRenderer()
        _ = try Recipe.phaseHeatmap(logSpaced).render(to: r2)
        let fills = r2.commands(inGroup: "data").filter { if case .fill = $0 { return true } else { return false } }
        #expect(fills.count == xs.count * 4)

        var bad = chart; bad.log10Norm.removeLast()
        #expect(throws: PlotError.self) { try Recipe.phaseHeatmap(bad) }
    }

    @Test func eigenvaluesUseEqualAspect() throws {
        let angles = (0..<12).map { Double($0) * .pi / 6 }
        let figure = Recipe.eigenvalues(EigenvaluesChart(sets: [EigenvalueSet(real: angles.map { 0.8 * cos($0) }, imag: angles.map { 0.8 * sin($0) }, label: "λ")]))
        let r = RecordingRenderer()
        _ = try figure.render(to: r)
        var clip: Rect?
        for case .pushClip(let rect) in r.commands { clip = rect }
        let box = try #require(clip)
        #expect(abs(box.width - box.height) < 1e-9, "equal aspect with equal domains needs a square plot box")
    }

    @Test func otherRecipesRenderWithoutWarnings() throws {
        let singular = Recipe.singularValues(SingularValuesChart(values: (0..<500).map { 2 * abs(sin(Double($0))) }, theory: QuarterCircleLaw.curve(sigma: 1)))
        let lyap = Recipe.lyapunov(LyapunovChart(series: [LyapunovSeries(exponents: [0.1, 0, -0.2, -0.5], colorValue: 1.1),
                                                           LyapunovSeries(exponents: [-0.1, -0.3, -0.4, -0.9], colorValue: 0.9)]))
        let it = (0..<100).map(Double.init)
        let training = Recipe.training(TrainingChart(runs: [TrainingRun(iterations: it, loss: it.map { exp(-$0 / 50) }, gradientNorm: it.map { 1 + sin($0) + 0.1 })],
                                                     clipThreshold: 1, baselineLoss: 1))
        for figure in [singular, lyap, training] {
            let r = RecordingRenderer()
            #expect(try figure.render(to: r).isEmpty)
            #expect(r.commands(inGroup: "data").count > 0)
        }
        #expect(training.panels.count == 2 && training.shareX && !training.shareY)
    }
}

@Suite struct LayoutTests {
    @Test func sharedAxesUseOneDomainAndHideInnerTickLabels() throws {
        var a = Axes(title: "a"), b = Axes(title: "b"), c = Axes(title: "c")
        a.line(LineMark(xs: [0, 1], ys: [0, 1])); b.line(LineMark(xs: [5, 9], ys: [-3, 2])); c.line(LineMark(xs: [2, 3], ys: [7, 8]))
        let figure = Figure.facets([a, b, c], columns: 2)
        var warnings: [String] = []
        let plans = try figure.plans(warnings: &warnings)
        #expect(plans.count == 3 && figure.rows == 2 && figure.columns == 2)
        for p in plans {
            #expect(p.xDomain == plans[0].xDomain && p.yDomain == plans[0].yDomain)
            #expect(p.xDomain.lo < 0 && p.xDomain.hi > 9 && p.yDomain.lo < -3 && p.yDomain.hi > 8)
        }
        // Panel b (top right) has c below-left but nothing below it: it shows its x tick labels; a does not.
        #expect(plans.map(\.showXTickLabels) == [false, true, true])
        #expect(plans.map(\.showYTickLabels) == [true, false, true])
    }

    @Test func logCellEdgesAreGeometricMidpoints() {
        let edges = cellEdges([1, 10, 100], scale: .log10)
        let expected = [-0.5, 0.5, 1.5, 2.5].map { pow(10, $0) }
        for (e, x) in zip(edges, expected) { #expect(abs(e - x) <= 1e-12 * x) }
        #expect(cellEdges([0, 1, 2], scale: .linear) == [-0.5, 0.5, 1.5, 2.5])
    }
}
