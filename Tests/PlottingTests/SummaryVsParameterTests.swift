import Foundation
import Testing
@testable import Plotting

@Suite struct SummaryVsParameterTests {
    static func rules(_ axes: Axes) -> [RuleMark] {
        axes.marks.compactMap { if case .rule(let r) = $0 { return r } else { return nil } }
    }

    /// One line with markers per group, the theory dashed and named, a zero rule exactly when the values
    /// change sign, the legend outside on the right, and the figure renders.
    @Test func linesTheoryAndZeroRule() throws {
        let xs = [0.5, 1.0, 2.0, 4.0]
        let series = [64.0, 1024].map { n in
            SummarySeries(xs: xs, ys: xs.map { log($0) + 1 / n }, lower: xs.map { log($0) }, upper: xs.map { log($0) + 2 / n }, label: "N = \(Int(n))")
        }
        var chart = SummaryVsParameterChart(series: series, xLabel: "gain g", yLabel: "λ_{max}")
        chart.theory = [(nil, Curve(xs: xs, ys: xs.map(log), label: "mean field"))]
        let figure = Recipe.summaryVsParameter(chart)
        let axes = try #require(figure.panels.first)
        let lines = axes.marks.compactMap { if case .line(let l) = $0 { return l } else { return nil } }
        #expect(lines.count == 3)
        #expect(lines.filter { $0.dash == Dash.dashed }.map(\.label) == ["mean field"])
        #expect(lines.filter { $0.marker != .none }.map(\.label) == ["N = 64", "N = 1024"])
        #expect(Self.rules(axes).map(\.value) == [0])
        #expect(axes.legend == .outsideRight)
        let r = RecordingRenderer()
        #expect(try figure.render(to: r).isEmpty)
        #expect(r.texts.contains("mean field"))

        let positive = Recipe.summaryVsParameter(SummaryVsParameterChart(series: [SummarySeries(xs: xs, ys: xs)], xLabel: "x", yLabel: "y"))
        #expect(Self.rules(positive.panels[0]).isEmpty)
        #expect(positive.panels[0].legend == .hidden)
    }
}
