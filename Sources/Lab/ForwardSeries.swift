import Diagnostics
import Recurrent
import Sweeps

/// `measure: forward` as stored rows: series by step t (1-based) and summary columns (docs/dynamics.md).
enum ForwardSeries {
    static func append(_ f: ForwardDynamics, series: inout [SeriesPoint], summary: inout [String: StoredValue]) {
        func add(_ metric: Metric, _ values: [Double], component: Int = 0) {
            for (k, v) in values.enumerated() where v.isFinite { series.append(SeriesPoint(metric, step: k + 1, component: component, value: v)) }
        }
        add(.hiddenNorm, f.hNorm)
        add(.cellNorm, f.cNorm)
        if f.family.takesActivation {
            add(.saturatedFraction, f.saturated)
            add(.inactiveFraction, f.inactive)
            add(.preactivationQ, f.preactivationQ)
            summary[Metric.deadUnits] = .integer(Int64(f.deadUnits))
            summary[Metric.meanFieldQ] = f.meanFieldQ.flatMap { $0.isFinite ? StoredValue.number($0) : nil }
        }
        for g in f.gateNames.indices {
            add(.gateMean, f.gateMean[g], component: g)
            add(.gateSaturatedFraction, f.gateSaturated[g], component: g)
        }
        summary[Metric.forwardRegime] = .text(f.regime.rawValue)
        summary[Metric.forwardRegimeStep] = f.regimeStep.map { StoredValue.integer(Int64($0)) }
    }
}

extension Metric {
    /// The name of gate `component` of `gate_mean` / `gate_saturated_fraction` when `gates` gates are
    /// stored (CellFamily order: 4 → LSTM i, f, g, o; 3 → GRU r, z, n); the number otherwise.
    public static func forwardGateName(_ component: Int, gates: Int) -> String {
        guard let names = CellFamily(inferringFromRows: gates, cols: 1)?.gateNames, component >= 0, component < names.count else {
            return String(component)
        }
        return names[component]
    }
}
