import Foundation
import Testing
@testable import ExperimentPlots
import Plotting

/// `gradlab plot demo`: synthetic data that says so and stays plausible.
@Suite struct RecipeDemoTests {
    @Test func everyDemoChartSaysSyntheticData() throws {
        let figures = try RecipeDemo.figures()
        #expect(figures.count == Recipe.allCases.count)
        for (recipe, figure) in figures {
            #expect(figure.title?.contains("synthetic data") == true, "\(recipe.rawValue): \(figure.title ?? "no title")")
        }
    }

    @Test func demoRatesStayInsideZeroOne() {
        let chart = RecipeDemo.successRate()
        let figure = Recipe.successRate(chart)
        let drawn = figure.panels.flatMap { $0.marks.compactMap { if case .line(let l) = $0 { return l.ys } else { return nil } } }
        #expect(drawn.count == chart.series.count)
        #expect(drawn.joined().allSatisfy { (0...1).contains($0) })
        #expect(drawn == chart.series.map(\.rates))
    }

    /// The tanh phase map peaks where the quick start's real tanh runs do: 10^3.3 at ρ = 1.5, T = 100
    /// (jacobian_norm_log10, mean of 3 replicates); the model's rate is within 0.007 decades per step
    /// of each measured ρ.
    @Test func demoTanhPhaseMapIsPlausible() {
        let chart = RecipeDemo.phaseHeatmap()
        let peak = chart.log10Norm.max() ?? .infinity
        #expect(peak > 2.5 && peak < 3.6, "peak 10^\(peak)")
        let measured: [(Double, Double)] = [(0.5, -0.316), (0.8, -0.123), (0.9, -0.077), (1.0, -0.046), (1.1, -0.027), (1.25, 0.006), (1.5, 0.033)]
        for (rho, rate) in measured { #expect(abs(RecipeDemo.tanhRate(rho) - rate) < 0.007, "ρ = \(rho)") }
    }
}
