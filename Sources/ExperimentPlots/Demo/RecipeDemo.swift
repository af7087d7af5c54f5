import Foundation
import Linalg
import Plotting

/// Synthetic inputs for every recipe (`gradlab plot demo`, for chart authors; real runs draw the same
/// recipes from a run's store). Every chart's title says "synthetic data". Everything derives from one
/// seed (`RandomStream`), so the demo is reproducible bit for bit. Where a demo stands for a measured
/// quantity, its model is fitted to a real run (named in the doc comment) so its numbers are plausible.
public enum RecipeDemo {
    /// What every demo chart's title says.
    public static let marker = "synthetic data"

    static func titled(_ title: String) -> String { "\(title) (\(marker))" }

    /// The per-step rate log10 of the gradient norm's growth in a tanh RNN with W_hh = ρ·Q (Q orthogonal,
    /// inputs N(0, 0.5²)): log10 ρ + log10 c(ρ), the mean activation slope c falling as ρ saturates the
    /// units, log10 c(ρ) = −0.015 − 0.131·(ρ − 0.5)². Fitted to `experiments/quickstart.yaml` (tanh,
    /// H = 64, seed 0, jacobian_norm_log10 at lag 100 over 100, mean of 3 replicates): measured −0.316,
    /// −0.123, −0.077, −0.046, −0.027, +0.006, +0.033 at ρ = 0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5; the model
    /// gives −0.316, −0.124, −0.082, −0.048, −0.021, +0.008, +0.030. So a tanh RNN explodes slowly
    /// (measured 10^3.3 over 100 steps at ρ = 1.5, the model 10^3.0) and only above ρ ≈ 1.2.
    static func tanhRate(_ rho: Double) -> Double { log10(rho) - 0.015 - 0.131 * (rho - 0.5) * (rho - 0.5) }

    /// Vanilla tanh / ReLU RNN gradient norms: log10‖∂h_T/∂h_t‖ ≈ k·rate(ρ) plus seed-to-seed drift and
    /// per-step noise: tanh at `tanhRate`, ReLU at log10(0.71·ρ) (half the units pass, slope ~ √½).
    static func normVsLag(seed: UInt64 = 7) -> NormVsLagChart {
        var rng = RandomStream(seed: seed).split("norm-vs-lag")
        let lags = (0...60).map(Double.init)
        var series: [NormVsLagSeries] = [], theory: [TheoryLine] = []
        for facet in ["tanh", "ReLU"] {
            for rho in [0.8, 0.9, 1.0, 1.1, 1.25] {
                let rate = facet == "tanh" ? tanhRate(rho) : log10(0.71 * rho)
                var runs: [[Double]] = []
                for _ in 0..<6 {
                    let drift = rng.normal(mean: 0, std: 0.004)
                    var y = 0.0
                    var run: [Double] = []
                    for k in lags {
                        if k > 0 { y += rate + drift + rng.normal(mean: 0, std: 0.03) }
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
                                   title: titled("Gradient norm through time, vanilla RNN (H = 128, 6 seeds)"))
        chart.yLabel = "log_{10} ‖∂h_{T} / ∂h_{T−k}‖"
        return chart
    }

    /// log10 ‖∂h_T/∂h_0‖ over ρ × T at `tanhRate` (fitted to the quick start's tanh runs): vanishing
    /// below ρ ≈ 1.2, a slow saturated growth above, 10^3 at T = 100 and ρ = 1.5 as measured.
    static func phaseHeatmap(seed: UInt64 = 7) -> PhaseHeatmapChart {
        var rng = RandomStream(seed: seed).split("phase-heatmap")
        let rhos = stride(from: 0.5, through: 1.5, by: 0.025).map { $0 }
        let lengths = stride(from: 5.0, through: 100, by: 5).map { $0 }
        var values: [Double] = []
        for T in lengths {
            for rho in rhos { values.append(T * tanhRate(rho) + rng.normal(mean: 0, std: 0.04)) }
        }
        var chart = PhaseHeatmapChart(xs: rhos, ys: lengths, log10Norm: values, xLabel: "spectral radius ρ",
                                      yLabel: "sequence length T", title: titled("Vanishing / exploding phase, tanh RNN (H = 64)"))
        chart.colorLabel = "log_{10} ‖∂h_{T} / ∂h_{0}‖"
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
        ], title: titled("Eigenvalues of W_{hh}"))
    }

    /// Singular values of a 400 × 400 Gaussian matrix, entries N(0, 1/N), against the quarter-circle law (σ = 1).
    static func singularValues(seed: UInt64 = 7, n: Int = 400) throws -> SingularValuesChart {
        var rng = RandomStream(seed: seed).split("singular-values")
        let s = try rng.normalMatrix(rows: n, cols: n, std: 1 / Double(n).squareRoot()).singularValues()
        return SingularValuesChart(values: s, bins: 40, theory: QuarterCircleLaw.curve(sigma: 1),
                                   title: titled("Singular values of W_{hh} (Gaussian, N = \(n))"))
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
        return LyapunovChart(series: series, colorLabel: "gain g", title: titled("Lyapunov spectrum of h_{t} = g W h_{t−1} (N = \(n))"))
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
                                  title: titled("Adding problem, T = 100, tanh RNN"))
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
        var chart = DepthTimeHeatmapChart(panels: panels, title: titled("Linear stack: a + b < 1 vanishes, a + b > 1 explodes"))
        chart.contourLevel = 0
        return chart
    }

    /// Every recipe's demo figure, by recipe.
    public static func figures() throws -> [(Recipe, Figure)] {
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
