import Foundation
import Diagnostics
import Sweeps
import Linalg
import Recurrent

extension DiagnosticsExecutors {
    /// gradient-flow for a stacked or bidirectional model: a `DepthTimeFlow` (streams as a single-layer
    /// diagnosis: `diagnosis` → inputs, h0, adjoint). Series carry `layer` and `direction`:
    /// `grad_norm_log10` by step t = 1 … T for every layer and direction; `jacobian_norm_log10` and
    /// `jacobian_frobenius_log10` by lag within each layer; `depth_jacobian_norm_log10` by layers
    /// crossed d (component 0 at t = T, 1 at t = 1). The summary's slope, label and horizon are the top
    /// layer's (forward) within-layer products; `time_slope_log10_per_step`,
    /// `depth_slope_log10_per_layer` and the dominant path's moves are added. `measure: forward`: every
    /// unit's forward series (`StackedForward`, `ForwardSeries`). `measure: grad_units` with a `runID`:
    /// every unit's ∂L/∂h map as sidecar files `unit-maps/<run id>/unit-map-h-l<ℓ>[-reverse].npy`
    /// (`DepthTimeFlow.unitMapFiles`), referenced by the column `unit_maps`.
    static func stackedGradientFlow(_ spec: ExperimentSpec, _ m: RecurrentModel, lags: LagSelection,
                                    _ random: RandomStream, runID: String? = nil, memoryBudget: MemoryBudget? = nil) throws -> ConfigurationResult {
        var options = DiagnosisOptions(steps: spec.sequence.length, input: inputSource(spec), initialState: spec.sequence.h0, lags: lags)
        options.contributions = spec.measure.contains(.contributions)
        let flow: DepthTimeFlow
        do {
            flow = try DepthTimeFlow(model: m, options: options, rng: random.split("diagnosis"), unitMaps: spec.measure.contains(.gradUnits))
        } catch let e as RecurrentError where e.message.contains("non-finite") {
            var result = ConfigurationResult(summary: [:], series: [])
            result.status = .nonfinite
            result.reason = e.message
            return result
        }
        var series: [SeriesPoint] = []
        for u in flow.units {
            let direction = u.reverse ? "reverse" : "forward"
            if spec.measure.contains(.gradNorm) {
                for (i, v) in u.gradNormLog10.enumerated() {
                    series.append(SeriesPoint(.gradNormLog10, step: i + 1, value: v ?? -.infinity, layer: u.layer, direction: direction))
                }
            }
            for (i, v) in u.contributionLog10.enumerated() {
                series.append(SeriesPoint(.contributionLog10, step: i + 1, value: v ?? -.infinity, layer: u.layer, direction: direction))
            }
            if spec.measure.contains(.jacobianNorm) {
                for n in u.timeJacobianNorms {
                    series.append(SeriesPoint(.jacobianNormLog10, step: n.lag, value: n.spectralLog10 ?? -.infinity, layer: u.layer, direction: direction))
                    series.append(SeriesPoint(.jacobianFrobeniusLog10, step: n.lag, value: n.frobeniusLog10 ?? -.infinity, layer: u.layer, direction: direction))
                }
            }
        }
        if spec.measure.contains(.jacobianNorm) {
            for d in flow.depthJacobianNorms {
                for n in d.norms {
                    series.append(SeriesPoint(.depthJacobianNormLog10, step: n.lag, component: d.step == flow.steps ? 0 : 1,
                                              value: n.spectralLog10 ?? -.infinity, layer: flow.layers - 1 - n.lag))
                }
            }
        }
        let top = flow.units[(flow.layers - 1) * (flow.bidirectional ? 2 : 1)].timeSummary
        var summary: [String: StoredValue] = [:]
        summary[Metric.slopeLog10PerStep] = top.slopeLog10PerStep.map(StoredValue.number)
        summary[Metric.label] = top.label.map { StoredValue.text($0.rawValue) }
        summary[Metric.horizon] = top.horizon.map { StoredValue.integer(Int64($0)) }
        summary[Metric.timeSlopeLog10PerStep] = flow.timeSlopeLog10PerStep.map(StoredValue.number)
        summary[Metric.depthSlopeLog10PerLayer] = flow.depthSlopeLog10PerLayer.map(StoredValue.number)
        summary[Metric.dominantPathTimeMoves] = .integer(Int64(flow.timeMoves))
        summary[Metric.dominantPathDepthMoves] = .integer(Int64(flow.depthMoves))
        // Stacked models keep every unit's full trajectory (checkFullTapes refused it above the budget).
        summary[Metric.bpttStrategy] = .text(BPTTStrategy.fullTape.name)
        summary[Metric.tapeBytes] = .number(Double(m.layers * m.directions)
                                            * Trajectory.stateBytes(steps: spec.sequence.length, stateSize: m.stateSize, strategy: .fullTape))
        summary[Metric.memoryBudget] = .integer(Int64((memoryBudget ?? spec.diagnostics.memoryBudget).bytes))
        if let w = m.theoryInputs.recurrentWeight {
            summary[Metric.spectralRadius] = .number(try w.spectralRadius())
            summary[Metric.sigmaMax] = .number(try w.spectralNorm())
        }
        if spec.measure.contains(.forward) {
            let forward = try StackedForward(model: m, options: options, rng: random.split("diagnosis"))
            ForwardSeries.append(forward, series: &series, summary: &summary)
        }
        var result = ConfigurationResult(summary: summary, series: series)
        if spec.measure.contains(.gradUnits), let runID {
            result.files = UnitMapSidecar.files(try flow.unitMapFiles(), runID: runID)
            result.summary[Metric.unitMaps] = .text(UnitMapSidecar.directory(runID: runID))
        }
        return result
    }
}
