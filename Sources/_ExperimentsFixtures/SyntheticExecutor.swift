import Sweeps
import Lab
import Foundation
import Linalg

/// A synthetic executor for testing the runner without the numerics: a scalar linear recurrence
/// with gain g = `init.weight_hh.spectral_radius` (1 if absent) seen through a random readout.
///
/// For configuration (g, H, T) it draws v ∈ ℝ^H from the configuration's stream and records
/// `grad_norm_log10` at steps t = 0…T as log10‖v‖ + (T − t)·log10 g + ε_t (ε_t ~ N(0, 0.01²) from the
/// same stream), and summary `slope_log10_per_step` = log10 g, `label`, `sigma_max` = g.
/// Every number depends on the stream, so any change of seeding shows in the results.
///
/// - `failAt`: gains for which it throws `ConfigurationFailure` at step T/2 (a failing configuration);
/// - `nanAt`: gains for which the step-0 value is NaN (a non-finite configuration);
/// - `delay`: seconds slept per configuration (so a test can kill a run mid-way).
public enum SyntheticExecutor {
    public static func registry(failAt: Set<Double> = [], nanAt: Set<Double> = [], delay: Double = 0) -> ExecutorRegistry {
        var registry = ExecutorRegistry()
        let run: ExecutorRegistry.Run = { configuration, random in
            let spec = configuration.spec
            let gain = spec.initialization.weightHH?.spectralRadius ?? 1
            let T = spec.sequence.length
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
            if failAt.contains(gain) { throw ConfigurationFailure("synthetic failure at gain \(gain)", step: T / 2) }
            let v = random.normals(spec.model.hidden)
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            var series: [SeriesPoint] = []
            series.reserveCapacity(T + 1)
            for t in 0...T {
                let value = Foundation.log10(norm) + Double(T - t) * Foundation.log10(gain) + random.normal(mean: 0, std: 0.01)
                series.append(SeriesPoint("grad_norm_log10", step: t, value: nanAt.contains(gain) && t == 0 ? .nan : value))
            }
            let slope = Foundation.log10(gain)
            let label: StoredValue = slope < -0.001 ? "vanishing" : slope > 0.001 ? "exploding" : "stable"
            return ConfigurationResult(summary: ["slope_log10_per_step": .number(slope), "label": label,
                                                 "sigma_max": .number(gain), "readout_norm": .number(norm)],
                                       series: series)
        }
        registry.register(.gradientFlow, run: run)
        registry.register(.lyapunov, run: run)
        return registry
    }
}
