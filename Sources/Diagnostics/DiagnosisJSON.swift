import Foundation
import TensorIO

extension Diagnosis {
    /// The JSON object of `gradlab diagnose --format json` (keys documented in docs/diagnostics.md).
    public func jsonObject() -> [String: Any] {
        func pairs(_ xs: [(Int, Double?)]) -> [[Any]] { xs.map { [$0.0, $0.1.map { $0 as Any } ?? NSNull()] } }
        func opt(_ x: Double?) -> Any { x.map { $0 as Any } ?? NSNull() }
        func optInt(_ x: Int?) -> Any { x.map { $0 as Any } ?? NSNull() }
        var sv: [String: [Double]] = [:], svLog: [String: [Double]] = [:]
        for (lag, values) in singularValuesLog10 {
            svLog[String(lag)] = values
            let raw = values.map { Foundation.pow(10, $0) }
            if raw.allSatisfy({ $0.isNormal }) { sv[String(lag)] = raw }
        }
        var object: [String: Any] = [
            "steps": steps,
            "state_size": stateSize,
            "jacobian_norm_log10": pairs(jacobianNorms.map { ($0.lag, $0.spectralLog10) }),
            "jacobian_frobenius_log10": pairs(jacobianNorms.map { ($0.lag, $0.frobeniusLog10) }),
            "grad_norm_log10": pairs(gradNormLog10.enumerated().map { ($0.offset, $0.element) }),
            "singular_values": sv,
            "singular_values_log10": svLog,
            "lyapunov": lyapunov,
            "lambda_max": opt(lambdaMax),
            "kaplan_yorke_dimension": opt(kaplanYorkeDimension),
            "spectral_radius": opt(spectralRadius),
            "sigma_max": opt(sigmaMax),
            "mean_field_lambda_max": opt(meanFieldLambdaMax),
            "pascanu_bound_log10": pairs(pascanuBoundLog10.map { ($0.lag, $0.value) }),
            "linear_rate_log10": pairs(linearRateLog10.map { ($0.lag, $0.value) }),
            "slope_log10_per_step": opt(summary.slopeLog10PerStep),
            "label": summary.label.map { $0.rawValue as Any } ?? NSNull(),
            "horizon": optInt(summary.horizon),
            "nonfinite_step": optInt(nonfiniteStep),
            "memory": memory.jsonValue,
        ]
        if let spectrum = lyapunovSpectrum, let drive = lyapunovDrive {
            for (key, value) in LyapunovJSON.run(drive: drive, transient: lyapunovTransient, runSteps: lyapunovRunSteps) { object[key] = value }
            for (key, value) in LyapunovJSON.spectrum(spectrum) where key != "exponents" { object["lyapunov_" + key] = value }
        }
        return object
    }

    /// Pretty-printed JSON with sorted keys; non-finite numbers as `JSONValue` writes them (null + `_nonfinite`).
    public func jsonString() -> String { JSONValue(jsonObject()).rendered(pretty: true) }
}
