import Foundation
import Linalg
import Plotting

/// Synthetic but realistic inputs for every recipe, so the gallery can be checked before the runner exists.
/// Everything derives from one seed (`RandomStream`), so the gallery is reproducible bit for bit.
enum PlotDemoData {
    /// Vanilla tanh / ReLU RNN gradient norms: log10‖∂h_T/∂h_t‖ ≈ k·log10(ρ·c) plus seed-to-seed drift and
    /// per-step noise, where c is the mean activation slope (0.92 for tanh near 0, 0.71 for ReLU ~ √½).
    static func normVsLag(seed: UInt64 = 7) -> NormVsLagChart {
        var rng = RandomStream(seed: seed).split("norm-vs-lag")
        let lags = (0...60).map(Double.init)
        var series: [NormVsLagSeries] = [], theory: [TheoryLine] = []
        for (facet, slope) in [("tanh", 0.92), ("ReLU", 0.71)] {
            for rho in [0.8, 0.9, 1.0, 1.1, 1.25] {
                var runs: [[Double]] = []
                for _ in 0..<6 {
                    let drift = rng.normal(mean: 0, std: 0.004)
                    var y = 0.0
                    var run: [Double] = []
                    for k in lags {
                        if k > 0 { y += log10(rho * slope) + drift + rng.normal(mean: 0, std: 0.03) }
                        run.append(y)
                    }
                    runs.append(run)
                }
                let mean = lags.indices.map { i in runs.map { $0[i] }.reduce(0, +) / Double(runs.count) }
                let lo = lags.indices.map { i in runs.map { $0[i] }.min()! }
                let hi = lags.indices.map { i in runs.map { $0[i] }.max()! }
                series.append(NormVsLagSeries(lags: lags, log10Norm: mean, log10Lower: lo, log10Upper: hi, colorValue: rho, facet: facet))
                theory.append(TheoryLine(lags: lags, log10Values: lags.map { $0 * log10(rho) }, kind: .spectralPower, colorValue: rho, facet: facet))
                // Pascanu et al.: ‖∂h_T/∂h_t‖ ≤ (γ σ₁(W))^k with γ = 1 (tanh, ReLU) and σ₁ ≈ 2ρ for a
                // Gaussian W of spectral radius ρ (quarter-circle edge vs circular-law radius); shown for ρ = 0.8.
                if rho == 0.8 {
                    theory.append(TheoryLine(lags: lags, log10Values: lags.map { $0 * log10(2 * rho) }, kind: .pascanuBound, colorValue: rho, facet: facet))
                }
            }
        }
        var chart = NormVsLagChart(series: series, theory: theory, colorLabel: "spectral radius ρ",
                                   title: "Gradient norm through time, vanilla RNN (H = 128, 6 seeds)")
        chart.yLabel = "log_{10} ‖∂h_{T} / ∂h_{T−k}‖"
        return chart
    }

    /// log10 norm over ρ × T: contraction below ρ·c = 1, saturating growth above (tanh clips the gain).
    static func phaseHeatmap(seed: UInt64 = 7) -> PhaseHeatmapChart {
        var rng = RandomStream(seed: seed).split("phase-heatmap")
        let rhos = stride(from: 0.5, through: 1.6, by: 0.025).map { $0 }
        let lengths = stride(from: 10.0, through: 200, by: 10).map { $0 }
        var values: [Double] = []
        for T in lengths {
            for rho in rhos {
                let g = log10(rho * 0.94)
                let rate = g < 0 ? g : g * 0.55
                values.append(T * rate + rng.normal(mean: 0, std: 0.04))
            }
        }
        var chart = PhaseHeatmapChart(xs: rhos, ys: lengths, log10Norm: values, xLabel: "spectral radius ρ",
                                      yLabel: "sequence length T", title: "Vanishing / exploding phase, tanh RNN (H = 128)")
        chart.colorLimit = 12
        return chart
    }

    /// Eigenvalues of a Gaussian W with entries N(0, 1/N) (circular law, radius 1), of the same W rescaled
    /// to spectral radius 0.9, and of an orthogonal matrix (QR of a Gaussian): all on the unit circle.
    static func eigenvalues(seed: UInt64 = 7, n: Int = 200) throws -> EigenvaluesChart {
        var rng = RandomStream(seed: seed).split("eigenvalues")
        let w = rng.normalMatrix(rows: n, cols: n, std: 1 / Double(n).squareRoot())
        let gaussian = try w.eigenvalues()
        let q = try rng.normalMatrix(rows: n / 4, cols: n / 4).qr().q
        let orthogonal = try q.eigenvalues()
        return EigenvaluesChart(sets: [
            EigenvalueSet(real: gaussian.map(\.real), imag: gaussian.map(\.imaginary), label: "Gaussian W, N = \(n)"),
            EigenvalueSet(real: orthogonal.map(\.real), imag: orthogonal.map(\.imaginary), label: "orthogonal W, N = \(n / 4)"),
        ], title: "Eigenvalues of W_{hh}")
    }

    /// Singular values of a 400 × 400 Gaussian matrix, entries N(0, 1/N), against the quarter-circle law (σ = 1).
    static func singularValues(seed: UInt64 = 7, n: Int = 400) throws -> SingularValuesChart {
        var rng = RandomStream(seed: seed).split("singular-values")
        let s = try rng.normalMatrix(rows: n, cols: n, std: 1 / Double(n).squareRoot()).singularValues()
        return SingularValuesChart(values: s, bins: 40, theory: QuarterCircleLaw.curve(sigma: 1),
                                   title: "Singular values of W_{hh} (Gaussian, N = \(n))")
    }

    /// Lyapunov spectra of products of Gaussian matrices g·W, W entries N(0, 1/N): Newman (1986),
    /// λ_i = log g + ½[log(2/N) + ψ((N − i + 1)/2)], with ψ(x) ≈ log x − 1/(2x) − 1/(12x²).
    static func lyapunov(n: Int = 64) -> LyapunovChart {
        func digamma(_ x: Double) -> Double { log(x) - 1 / (2 * x) - 1 / (12 * x * x) }
        var series: [LyapunovSeries] = []
        for g: Double in [0.8, 1.0, 1.2, 1.5] {
            var exponents: [Double] = []
            for i in 1...n {
                let x: Double = Double(n - i + 1) / 2
                exponents.append(log(g) + 0.5 * (log(2 / Double(n)) + digamma(x)))
            }
            series.append(LyapunovSeries(exponents: exponents, colorValue: g))
        }
        return LyapunovChart(series: series, colorLabel: "gain g", title: "Lyapunov spectrum of h_{t} = g W h_{t−1} (N = \(n))")
    }

    /// Loss and gradient norm of three runs: the loss approaches the baseline only when gradients flow;
    /// the ρ = 1.2 run has gradient spikes above the clip threshold.
    static func training(seed: UInt64 = 7) -> TrainingChart {
        var rng = RandomStream(seed: seed).split("training")
        let iterations = (0..<1500).map(Double.init)
        var runs: [TrainingRun] = []
        for (rho, floor, rate) in [(0.8, 0.93, 0.004), (1.0, 0.08, 0.003), (1.2, 0.2, 0.002)] {
            var loss: [Double] = [], grad: [Double] = []
            for it in iterations {
                let base = floor + (1.05 - floor) * exp(-rate * it)
                loss.append(base * exp(rng.normal(mean: 0, std: 0.08)))
                var g = (0.3 * rho) * exp(-0.0004 * it) * exp(rng.normal(mean: 0, std: 0.35))
                if rho > 1.1 && rng.uniform() < 0.02 { g *= pow(10, rng.uniform(1, 2.5)) }
                grad.append(g)
            }
            runs.append(TrainingRun(iterations: iterations, loss: loss, gradientNorm: grad, colorValue: rho))
        }
        var chart = TrainingChart(runs: runs, clipThreshold: 1.0, baselineLoss: 1.0,
                                  title: "Adding problem, T = 100, tanh RNN")
        chart.baselineLabel = "baseline (predict the mean)"
        chart.colorLabel = "spectral radius ρ"
        return chart
    }

    /// The linear stack's closed form (W_hh = a·I, W_ih = b·I): log10 ‖∂L/∂h_t^ℓ‖ = log10 C(i+j, i) + i·log10 a
    /// + j·log10 b with i = T − t, j = L − 1 − ℓ, for 8 layers over 60 steps: a + b < 1 (a = 0.6, b = 0.3)
    /// vanishes along both axes; a + b > 1 (a = 0.9, b = 0.7) grows although a, b < 1 — the number of
    /// lattice paths C(i + j, i) outgrows a^i·b^j (the path sum behaves like (a + b)^(i+j)).
    static func depthTimeHeatmap() -> DepthTimeHeatmapChart {
        let t = 60, layers = 8
        func log10Binomial(_ n: Int, _ k: Int) -> Double { (lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))) / log(10) }
        let panels = [(0.6, 0.3), (0.9, 0.7)].map { a, b in
            DepthTimePanel(steps: (1...t).map(Double.init), layers: (0..<layers).map(Double.init),
                           log10Norm: (0..<layers).flatMap { l in (1...t).map { step in
                               let i = t - step, j = layers - 1 - l
                               return log10Binomial(i + j, i) + Double(i) * log10(a) + Double(j) * log10(b)
                           } }, title: "W_hh = \(a)·I, W_ih = \(b)·I")
        }
        var chart = DepthTimeHeatmapChart(panels: panels, title: "Linear stack: a + b < 1 vanishes, a + b > 1 explodes")
        chart.contourLevel = 0
        return chart
    }

    /// Every recipe's demo figure, by recipe.
    static func figures() throws -> [(Recipe, Figure)] {
        try Recipe.allCases.map { recipe in
            switch recipe {
            case .normVsLag: return (recipe, Recipe.normVsLag(normVsLag()))
            case .phaseHeatmap: return (recipe, try Recipe.phaseHeatmap(phaseHeatmap()))
            case .depthTimeHeatmap: return (recipe, try Recipe.depthTimeHeatmap(depthTimeHeatmap()))
            case .eigenvalues: return (recipe, Recipe.eigenvalues(try eigenvalues()))
            case .singularValues: return (recipe, Recipe.singularValues(try singularValues()))
            case .lyapunov: return (recipe, Recipe.lyapunov(lyapunov()))
            case .training: return (recipe, Recipe.training(training()))
            case .lossCurves: return (recipe, Recipe.lossCurves(lossCurves()))
            case .successRate: return (recipe, Recipe.successRate(successRate()))
            case .gradientNormTrace: return (recipe, Recipe.gradientNormTrace(gradientNormTrace()))
            case .gradientFlowHeatmap: return (recipe, try Recipe.gradientFlowHeatmap(gradientFlowHeatmap()))
            case .summaryVsParameter: return (recipe, Recipe.summaryVsParameter(summaryVsParameter()))
            }
        }
    }
}
