import Foundation
import Linalg
import Plotting

extension RecipeDemo {
    /// A synthetic λ_max(g): ln g below g = 1, a slower rise above, with per-size noise shrinking as
    /// 1/√N, and the noiseless curve as "theory" (no measurement: shapes only).
    static func summaryVsParameter(seed: UInt64 = 7) -> SummaryVsParameterChart {
        var rng = RandomStream(seed: seed).split("summary-vs-parameter")
        let gains = [0.5, 0.75, 1.0, 1.25, 1.5, 2, 3, 4]
        func curve(_ g: Double) -> Double { g <= 1 ? log(g) : 0.3 * log(g) }
        let series = [64.0, 256, 1024].map { n in
            SummarySeries(xs: gains, ys: gains.map { curve($0) + rng.normal(mean: 0, std: 0.3 / n.squareRoot()) }, label: "N = \(Int(n))")
        }
        var chart = SummaryVsParameterChart(series: series, xLabel: "gain g", yLabel: "λ_{max}", title: "λ_max against the gain (synthetic data)")
        chart.theory = [(nil, Curve(xs: stride(from: 0.5, through: 4, by: 0.05).map { $0 }, ys: stride(from: 0.5, through: 4, by: 0.05).map { curve($0) }, label: "theory"))]
        return chart
    }
}
