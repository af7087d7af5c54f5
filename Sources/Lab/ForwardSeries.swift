import Diagnostics
import Recurrent
import Sweeps

/// `measure: forward` as stored rows: series by step t (1-based) and summary columns (docs/dynamics.md).
enum ForwardSeries {
    /// `layer` and `direction` label a stacked model's unit; `offset` shifts the steps (a backward unit
    /// whose state left the finite numbers after k < T steps covers steps T − k + 1 … T).
    static func append(_ f: ForwardDynamics, series: inout [SeriesPoint], summary: inout [String: StoredValue],
                       layer: Int = 0, direction: String = "forward", offset: Int = 0) {
        func add(_ metric: Metric, _ values: [Double], component: Int = 0) {
            for (k, v) in values.enumerated() where v.isFinite {
                series.append(SeriesPoint(metric, step: offset + k + 1, component: component, value: v, layer: layer, direction: direction))
            }
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

extension ForwardSeries {
    /// A stacked or bidirectional model: every unit's series with its layer and direction (backward
    /// units aligned with time); the summary is the most severe unit's regime (exploding, saturating,
    /// dead, vanishing, stable, in that order; the earliest step among units with that regime), the
    /// sum of the units' dead units, and the mean-field q* of layer 0's forward unit (rnn cells).
    static func append(_ stacked: StackedForward, series: inout [SeriesPoint], summary: inout [String: StoredValue]) {
        for u in stacked.units {
            var unitSummary: [String: StoredValue] = [:]
            let k = u.dynamics.hNorm.count
            append(u.dynamics, series: &series, summary: &unitSummary, layer: u.layer, direction: u.reverse ? "reverse" : "forward",
                   offset: u.reverse ? stacked.steps - k : 0)
        }
        let order: [ForwardRegime] = [.exploding, .saturating, .dead, .vanishing, .stable]
        let dynamics = stacked.units.map(\.dynamics)
        if let worst = order.first(where: { r in dynamics.contains { $0.regime == r } }) {
            summary[Metric.forwardRegime] = .text(worst.rawValue)
            summary[Metric.forwardRegimeStep] = dynamics.filter { $0.regime == worst }.compactMap(\.regimeStep).min().map { StoredValue.integer(Int64($0)) }
        }
        if dynamics.first?.family == .rnn {
            summary[Metric.deadUnits] = .integer(Int64(dynamics.reduce(0) { $0 + $1.deadUnits }))
            summary[Metric.meanFieldQ] = dynamics.first?.meanFieldQ.flatMap { $0.isFinite ? StoredValue.number($0) : nil }
        }
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
