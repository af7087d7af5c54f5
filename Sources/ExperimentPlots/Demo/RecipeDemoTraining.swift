import Foundation
import Linalg
import Plotting

/// Synthetic inputs for the training-comparison recipes (`gradlab plot demo`; real runs draw them from
/// results.sqlite through `gradlab plot RUN_DIR`).
extension RecipeDemo {
    /// Held-out loss of four clipping methods, 3 replicates each: without clipping the loss jumps where
    /// the gradient explodes; the clipped runs descend below the baseline 1/6, and a replicate stops
    /// once solved (loss < 0.01), so the mean of a method is dashed ("n of N") where some have stopped.
    static func lossCurves(seed: UInt64 = 7) -> TrainingCurvesChart {
        var rng = RandomStream(seed: seed).split("loss-curves")
        let iterations = stride(from: 0.0, through: 3000, by: 100).map { $0 }
        var curves: [TrainingCurve] = []
        for (method, floor, rate) in [("none", 0.12, 0.0004), ("global-norm", 0.004, 0.0016), ("per-tensor-norm", 0.006, 0.0014), ("value", 0.02, 0.001)] {
            var replicates: [[Double]] = []
            for _ in 0..<3 {
                let r = rate * exp(rng.normal(mean: 0, std: 0.25))
                var run: [Double] = []
                for it in iterations {
                    var v = floor + (1.0 / 6 - floor) * exp(-r * it)
                    if method == "none" && rng.uniform() < 0.15 { v *= rng.uniform(2, 8) }
                    run.append(v * exp(rng.normal(mean: 0, std: 0.05)))
                    if run.last ?? 1 < 0.01 { break }   // solved: the run stops
                }
                replicates.append(run)
            }
            let counts = iterations.indices.map { i in replicates.filter { $0.count > i }.count }
            let n = counts.firstIndex(of: 0) ?? iterations.count
            let mean = (0..<n).map { i in replicates.compactMap { $0.count > i ? $0[i] : nil }.reduce(0, +) / Double(counts[i]) }
            var curve = TrainingCurve(iterations: Array(iterations[0..<n]), values: mean, label: method)
            curve.coverage = Array(counts[0..<n])
            curve.replicateCount = replicates.count
            curve.replicates = replicates.map { (Array(iterations[0..<$0.count]), $0) }
            curves.append(curve)
        }
        return TrainingCurvesChart(curves: curves, references: [ReferenceLevel(value: 1.0 / 6, label: "baseline (predict the mean)")],
                                   yLabel: "held-out MSE", title: titled("Adding problem, T = 100, tanh RNN, 3 replicates"))
    }

    /// Success rate against T: the gradient horizon of each method as a logistic drop-off.
    static func successRate() -> SuccessRateChart {
        let lengths: [Double] = [50, 100, 200, 400]
        let series = [("gaussian tanh", 60.0), ("orthogonal tanh", 150), ("IRNN", 250), ("LSTM, forget bias 1", 500)].map { method, horizon in
            SuccessSeries(lengths: lengths, rates: lengths.map { 1 / (1 + pow($0 / horizon, 4)) }, label: method)
        }
        return SuccessRateChart(series: series, title: titled("Adding problem"))
    }

    /// The gradient norm before clipping, with spikes for the unclipped run; threshold 1.
    static func gradientNormTrace(seed: UInt64 = 7) -> TrainingCurvesChart {
        var rng = RandomStream(seed: seed).split("grad-norm-trace")
        let iterations = (0..<2000).map(Double.init)
        var curves: [TrainingCurve] = []
        for method in ["none", "global-norm"] {
            let values = iterations.map { _ -> Double in
                var g = 0.2 * exp(rng.normal(mean: 0, std: 0.4))
                if rng.uniform() < 0.01 { g *= pow(10, rng.uniform(1, 3)) }
                return g
            }
            curves.append(TrainingCurve(iterations: iterations, values: values, label: method, facet: method))
        }
        return TrainingCurvesChart(curves: curves, references: [ReferenceLevel(value: 1, label: "clip threshold")],
                                   yLabel: "‖∇_{θ} L‖ before clipping", title: titled("Gradient norm"))
    }

    /// log10 ‖∂L/∂h_t‖ decaying with distance from T at a rate that slows as training proceeds.
    static func gradientFlowHeatmap() -> GradientFlowHeatmapChart {
        let iterations = stride(from: 100.0, through: 3000, by: 100).map { $0 }
        let steps = (1...100).map(Double.init)
        var maps: [GradientFlowMap] = []
        for (method, decay) in [("gaussian tanh", 0.12), ("orthogonal tanh", 0.03)] {
            var values: [Double] = []
            for t in steps {
                for it in iterations { values.append(-2 - decay * (1 - 0.5 * it / 3000) * (100 - t)) }
            }
            maps.append(GradientFlowMap(iterations: iterations, steps: steps, log10Norm: values, title: method))
        }
        return GradientFlowHeatmapChart(maps: maps, title: titled("Gradient flow during training"))
    }
}
