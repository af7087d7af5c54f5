import Foundation
import Linalg
import Plotting

/// Synthetic inputs for the training-comparison recipes (`gradlab plot demo`; real runs draw them from
/// results.sqlite through `gradlab plot RUN_DIR`).
extension RecipeDemo {
    /// Held-out loss of four clipping methods: without clipping the loss jumps where the gradient
    /// explodes; the clipped runs descend below the baseline 1/6.
    static func lossCurves(seed: UInt64 = 7) -> TrainingCurvesChart {
        var rng = RandomStream(seed: seed).split("loss-curves")
        let iterations = stride(from: 0.0, through: 3000, by: 100).map { $0 }
        var curves: [TrainingCurve] = []
        for (method, floor, rate) in [("none", 0.12, 0.0004), ("global-norm", 0.004, 0.0016), ("per-tensor-norm", 0.006, 0.0014), ("value", 0.02, 0.001)] {
            let values = iterations.map { it -> Double in
                var v = floor + (1.0 / 6 - floor) * exp(-rate * it)
                if method == "none" && rng.uniform() < 0.15 { v *= rng.uniform(2, 8) }
                return v * exp(rng.normal(mean: 0, std: 0.05))
            }
            curves.append(TrainingCurve(iterations: iterations, values: values, label: method))
        }
        return TrainingCurvesChart(curves: curves, references: [ReferenceLevel(value: 1.0 / 6, label: "baseline (predict the mean)")],
                                   yLabel: "held-out MSE", title: titled("Adding problem, T = 100, tanh RNN"))
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
