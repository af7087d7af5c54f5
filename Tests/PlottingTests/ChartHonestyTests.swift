import Foundation
import Testing
@testable import Plotting

/// What keeps a chart from misleading (docs/plotting.md, "Charts that do not mislead"): discrete keys for
/// a handful of values, a distinct colour for exact zeros, per-panel or shared colour ranges said in a
/// note, markers for lines of one colour, labels inside the plot box, means that say what they average.
@Suite struct ChartHonestyTests {
    static func texts(_ r: RecordingRenderer, _ group: String) -> [(String, Point)] {
        r.commands(inGroup: group).compactMap { if case .text(let s, let p, _, _) = $0 { return (s, p) } else { return nil } }
    }

    static func dataClip(_ r: RecordingRenderer) -> [Rect] {
        r.commands.compactMap { if case .pushClip(let rect) = $0 { return rect } else { return nil } }
    }

    @Test func aHandfulOfValuesGetsADiscreteKeyAndManyAColourBar() throws {
        let few = RecipeSupport.colorScale([0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 0.5], label: "ρ", log: false)
        #expect(few?.levels == [0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5])
        // Evenly spaced by rank: the ends of the map and the middle for the 4th of 7.
        if let few {
            #expect(few.color(0.5) == few.colormap.color(at: 0) && few.color(1.5) == few.colormap.color(at: 1))
            #expect(few.color(1.0) == few.colormap.color(at: 0.5))
        }
        let many = RecipeSupport.colorScale((1...9).map(Double.init), label: "N", log: false)
        #expect(many?.levels == nil)

        let lyapunov = Recipe.lyapunov(LyapunovChart(series: [0.8, 1.0, 1.2, 1.5].map { g in
            LyapunovSeries(exponents: [log(g), log(g) - 1], colorValue: g)
        }, colorLabel: "gain g"))
        let r = RecordingRenderer()
        #expect(try lyapunov.render(to: r).isEmpty)
        #expect(r.commands(inGroup: "colorbar").isEmpty)
        #expect(Self.texts(r, "colorkey").map(\.0) == ["gain g", "0.8", "1", "1.2", "1.5"])
    }

    @Test func exactZerosHaveTheirOwnColour() throws {
        for map in [Colormap.viridis, .blueWhiteRed] {
            let scale = ColorScale(colormap: map, norm: .linear(lo: -10, hi: 0), label: "x")
            #expect(scale.color(-.infinity) == scale.zeroColor)
            #expect(scale.color(-.infinity) != scale.color(-10))
            // Far from every colour of the map (RGB distance), so it never reads as "small but not zero".
            let z = scale.zeroColor
            func distance(_ c: Color) -> Double {
                let dr: Double = c.r - z.r, dg: Double = c.g - z.g, db: Double = c.b - z.b
                return (dr * dr + dg * dg + db * db).squareRoot()
            }
            let nearest = (0...64).map { distance(map.color(at: Double($0) / 64)) }.min() ?? 0
            #expect(nearest > 0.4, "\(map.name): \(nearest)")
        }
        // A phase map with one exact zero: the colour bar ends with the "exactly 0" swatch in the zero colour;
        // without −∞ there is no such swatch.
        let xs = [1.0, 2, 3], ys = [1.0, 2]
        let cases: [([Double], Bool)] = [([-1, -2, -Double.infinity, 0, 1, 2], true), ([-1, -2, -3, 0, 1, 2], false)]
        for (values, swatch) in cases {
            let figure = try Recipe.phaseHeatmap(PhaseHeatmapChart(xs: xs, ys: ys, log10Norm: values, xLabel: "x", yLabel: "y"))
            let r = RecordingRenderer()
            _ = try figure.render(to: r)
            let zero = figure.panels[0].colorScale?.zeroColor
            let fills = r.commands(inGroup: "colorbar").contains { if case .fill(_, let c) = $0 { return c == zero } else { return false } }
            #expect(Self.texts(r, "colorbar").contains { $0.0 == "exactly 0" } == swatch && fills == swatch)
        }
    }

    @Test func heatmapPanelsHaveTheirOwnRangeOrOneSharedAndSaySo() throws {
        let a = DepthTimePanel(steps: [1, 2, 3], layers: [0, 1], log10Norm: [-0.3, -0.2, -0.1, -0.2, -0.1, 0], title: "orthogonal")
        let b = DepthTimePanel(steps: [1, 2, 3], layers: [0, 1], log10Norm: [-50, -40, -30, -20, -10, 0], title: "gaussian")
        var chart = DepthTimeHeatmapChart(panels: [a, b])
        chart.sharedColorScale = false
        let own = try Recipe.depthTimeHeatmap(chart)
        #expect(own.panels.map { $0.colorScale?.norm } == [.linear(lo: -0.3, hi: 0.3), .linear(lo: -50, hi: 50)])
        #expect(own.panels.map { $0.colorScale?.showsColorbar } == [true, true])
        #expect(own.note?.contains("each panel its own") == true)
        chart.sharedColorScale = true
        let shared = try Recipe.depthTimeHeatmap(chart)
        #expect(shared.panels.map { $0.colorScale?.norm } == [.linear(lo: -50, hi: 50), .linear(lo: -50, hi: 50)])
        #expect(shared.panels.map { $0.colorScale?.showsColorbar } == [false, true])

        let flat = GradientFlowMap(iterations: [1, 2], steps: [1, 2], log10Norm: [-1, -1.5, -2, -2.5])
        let deep = GradientFlowMap(iterations: [1, 2], steps: [1, 2], log10Norm: [5, -30, -40, -.infinity])
        var flow = GradientFlowHeatmapChart(maps: [flat, deep])
        flow.sharedColorScale = false
        let perPanel = try Recipe.gradientFlowHeatmap(flow)
        #expect(perPanel.panels.map { $0.colorScale?.norm } == [.linear(lo: -2.5, hi: -1), .linear(lo: -7, hi: 5)])
        guard case .heatmap(let h) = perPanel.panels[1].marks[0] else { Issue.record("expected a heatmap"); return }
        #expect(h.values == [5, -7, -7, -.infinity])   // below the range saturates; an exact zero stays −∞
    }

    @Test func linesOfOneColourAreToldApartByMarkers() throws {
        let lags = (0...20).map(Double.init)
        var series: [NormVsLagSeries] = []
        for rho in [0.9, 1.1] {
            for (style, n) in [("T = 50, H = 64", 10), ("T = 100, H = 128", 20)] {
                series.append(NormVsLagSeries(lags: Array(lags[0...n]), log10Norm: lags[0...n].map { $0 * log10(rho) }, colorValue: rho, style: style))
            }
        }
        let figure = Recipe.normVsLag(NormVsLagChart(series: series))
        let shapes = figure.panels[0].marks.compactMap { if case .scatter(let s) = $0 { return s.marker } else { return nil } }
        #expect(shapes == [.circle, .square, .circle, .square])
        let r = RecordingRenderer()
        #expect(try figure.render(to: r).isEmpty)
        #expect(r.texts.contains("T = 50, H = 64") && r.texts.contains("T = 100, H = 128"))
        // One style only: no markers, no legend rows for it.
        let one = Recipe.normVsLag(NormVsLagChart(series: series.filter { $0.style == "T = 50, H = 64" }))
        #expect(!one.panels[0].marks.contains { if case .scatter = $0 { return true } else { return false } })
    }

    @Test func labelsStayInsideThePlotBox() throws {
        for (x, hAlign) in [(10.0, 0.0), (0.0, 1.0), (5.0, 0.5)] {
            var axes = Axes(title: nil, xLabel: "x", yLabel: "y")
            axes.xDomain = 0...10; axes.yDomain = 0...10
            axes.add(.text(TextMark(x: x, y: 10, text: "a long label at the edge", hAlign: hAlign)))
            let r = RecordingRenderer()
            _ = try Figure(width: 300, height: 200, axes).render(to: r)
            guard let clip = Self.dataClip(r).first, let (text, origin) = Self.texts(r, "data").first else { Issue.record("no label"); continue }
            let width = r.measure(text, FontSpec(size: Theme.standard.legendSize)).width
            #expect(origin.x >= clip.minX && origin.x + width <= clip.maxX, "x = \(x): \(origin.x)…\(origin.x + width) outside \(clip.minX)…\(clip.maxX)")
            #expect(origin.y - 0.76 * Theme.standard.legendSize >= clip.minY)
        }
    }

    @Test func aMeanSaysHowManyReplicatesItAverages() throws {
        var c = TrainingCurve(iterations: [0, 100, 200, 300, 400], values: [0.2, 0.1, 0.05, 0.16, 0.16], label: "no clipping")
        c.coverage = [3, 3, 3, 1, 1]
        c.replicateCount = 3
        #expect(c.coverageRuns.map { [$0.from, $0.to, $0.count] } == [[0, 2, 3], [2, 4, 1]])
        let figure = Recipe.lossCurves(TrainingCurvesChart(curves: [c], yLabel: "loss"))
        let lines = figure.panels[0].marks.compactMap { if case .line(let l) = $0 { return l } else { return nil } }
        #expect(lines.map(\.xs) == [[0, 100, 200], [200, 300, 400]])
        #expect(lines.map { $0.dash.isEmpty } == [true, false])
        #expect(lines[0].label == "no clipping" && lines[1].label == nil)
        #expect(figure.panels[0].marks.contains { if case .text(let t) = $0 { return t.text == "1 of 3" } else { return false } })
        #expect(figure.note?.contains("n of N") == true)
        // Every replicate to the end: one solid line and no note.
        c.coverage = [3, 3, 3, 3, 3]
        let full = Recipe.lossCurves(TrainingCurvesChart(curves: [c], yLabel: "loss"))
        #expect(full.note == nil && full.panels[0].marks.filter { if case .line = $0 { return true } else { return false } }.count == 1)
    }

    @Test func singularValuesAreOneHistogramPerSet() throws {
        let sets = [SingularValueSet(values: [-1, -2, -3], title: "ρ = 0.5"), SingularValueSet(values: [0, -0.5], title: "ρ = 1")]
        var chart = SingularValuesChart(sets: sets)
        chart.note = "One histogram per grid point: 3 replicates pooled, nothing else."
        chart.range = -4...1
        let figure = Recipe.singularValues(chart)
        #expect(figure.panels.map(\.title) == ["ρ = 0.5", "ρ = 1"])
        #expect(figure.note == chart.note)
        let r = RecordingRenderer()
        #expect(try figure.render(to: r).isEmpty)
        #expect(Self.texts(r, "note").map(\.0).joined(separator: " ") == chart.note)
    }

    @Test func aNoteWrapsInsideTheFigureBelowThePanels() throws {
        var figure = Figure(width: 240, height: 200, Axes(title: nil, xLabel: "x", yLabel: "y", marks: [.line(LineMark(xs: [0, 1], ys: [0, 1]))]))
        figure.note = "Colour scale: each panel its own (read each panel against its own colour bar); and a few more words to wrap."
        let r = RecordingRenderer()
        _ = try figure.render(to: r)
        let lines = Self.texts(r, "note")
        #expect(lines.count >= 2)
        let clip = Self.dataClip(r)[0]
        for (text, origin) in lines {
            #expect(origin.x + r.measure(text, FontSpec(size: Theme.standard.legendSize)).width <= figure.width - Theme.standard.outerMargin + 1e-9)
            #expect(origin.y > clip.maxY && origin.y <= figure.height)
        }
    }

    @Test func countedNounsAgree() {
        #expect(Plural.count(1, "layer") == "1 layer" && Plural.count(8, "layer") == "8 layers" && Plural.count(0, "replicate") == "0 replicates")
        #expect(Plural.count(2, "matrix", "matrices") == "2 matrices")
    }

    /// Lines of categorical colour (no colour channel) each get their ρ^k in their own colour, dashed:
    /// a gray ρ^k shared by every method cannot be read as any one method's.
    @Test func theoryLinesTakeTheirSeriesCategoricalColour() {
        let lags = [0.0, 1, 2]
        let chart = NormVsLagChart(series: [
            NormVsLagSeries(lags: lags, log10Norm: [0, 1, 0], label: "chain"),
            NormVsLagSeries(lags: lags, log10Norm: [0, 2, 1], label: "schur"),
        ], theory: [
            TheoryLine(lags: lags, log10Values: [0, -0.3, -0.6], kind: .spectralPower, label: "chain"),
            TheoryLine(lags: lags, log10Values: [0, -0.1, -0.2], kind: .spectralPower, label: "schur"),
            TheoryLine(lags: lags, log10Values: [0, -1, -2], kind: .spectralPower),
        ])
        let lines = Recipe.normVsLag(chart).panels[0].marks.compactMap { if case .line(let l) = $0 { return l } else { return nil } }
        #expect(lines.count == 5)
        #expect(lines[2].color == lines[0].color && lines[3].color == lines[1].color && lines[0].color != lines[1].color)
        #expect(lines[2].dash == Dash.dashed && lines[4].color == .gray(0.25))
    }
}
