import Diagnostics
import Foundation
import Sweeps
import Initializers
import Linalg
import Recurrent

/// The runner's executors for `gradient-flow` and `lyapunov`: an experiment configuration becomes a
/// `RecurrentModel` (weights from the `init:` specs) and a `Diagnosis` / `LyapunovSpectrum`, whose
/// results become `runs` columns and `series` rows (names in docs/experiments.md).
///
/// Random streams, split by purpose from the configuration's stream: `init.<parameter>` for each
/// weight and bias, `diagnosis` for inputs, h_0, the adjoint and the Lyapunov frame (Diagnostics
/// splits that one further), `lyapunov` in lyapunov mode.
enum DiagnosticsExecutors {
    /// `memoryBudget` (from `gradlab run --memory-budget`) replaces every configuration's
    /// `diagnostics.memory_budget` when given.
    static func register(into registry: inout ExecutorRegistry, memoryBudget: MemoryBudget? = nil) {
        registry.register(.gradientFlow, estimatedBytes: { CostModel.bytes($0, memoryBudget: memoryBudget) },
                          check: { try checkGradientFlow($0); try checkFullTapes($0, memoryBudget: memoryBudget) }) { configuration, random in
            try gradientFlow(configuration.spec, random, runID: configuration.runID, memoryBudget: memoryBudget)
        }
        registry.register(.lyapunov, check: checkSingleLayer) { configuration, random in try lyapunov(configuration.spec, random) }
    }

    static func inputSource(_ spec: ExperimentSpec) -> InputSource {
        spec.sequence.input.kind == .zeros ? .zeros : .gaussian(std: spec.sequence.input.std)
    }

    static func lyapunovCount(_ spec: ExperimentSpec, stateSize: Int) -> Int {
        switch spec.diagnostics.lyapunov {
        case .all: return stateSize
        case .top(let k): return min(k, stateSize)
        }
    }

    /// What gradient-flow cannot measure yet.
    @Sendable static func checkGradientFlow(_ spec: ExperimentSpec) throws {
        guard spec.loss.kind == .adjoint else {
            throw ConfigurationFailure("loss \(spec.loss.kind.rawValue): gradient-flow measures from an adjoint ∂L/∂h_T only (loss: {kind: adjoint})")
        }
        if spec.model.layers > 1 || spec.model.bidirectional {
            for m in [Measure.singularValues, .lyapunov, .singularSpread, .matrixPower, .truncation] where spec.measure.contains(m) {
                throw ConfigurationFailure("measure \(m.rawValue) is for single-layer models (model.layers = 1, bidirectional: false); stacked models measure grad_norm, jacobian_norm, contributions, forward and grad_units")
            }
        }
    }

    /// The parts of gradient-flow that keep a full tape (stacked and bidirectional models, the
    /// per-unit maps of `grad_units`, the BPTT runs of `truncation`) are refused when that tape alone
    /// — (T+1)·S states per layer and direction, a lower bound — exceeds the budget: they are not
    /// checkpointed, and the budget is not exceeded silently.
    @Sendable static func checkFullTapes(_ spec: ExperimentSpec, memoryBudget: MemoryBudget?) throws {
        let budget = memoryBudget ?? spec.diagnostics.memoryBudget
        let s = CostModel.stateSize(spec.model)
        let units = spec.model.layers * (spec.model.bidirectional ? 2 : 1)
        let bytes = Double(units) * Trajectory.stateBytes(steps: spec.sequence.length, stateSize: s, strategy: .fullTape)
        guard bytes > Double(budget.bytes) else { return }
        let source = memoryBudget == nil ? "diagnostics.memory_budget (\(budget))" : "--memory-budget (\(budget))"
        let need = "at least \(TapeMemory.bytesText(bytes)), more than \(source); raise the budget or shorten sequence.length"
        if units > 1 {
            throw ConfigurationFailure("a stacked or bidirectional model keeps the full tape of its \(units) layers and directions (only single-layer models are checkpointed): \(need)")
        }
        for m in [Measure.gradUnits, .truncation] where spec.measure.contains(m) {
            throw ConfigurationFailure("measure \(m.rawValue) keeps a full tape (only grad_norm, jacobian_norm, singular_values, lyapunov, contributions and forward are checkpointed): \(need)")
        }
    }

    /// Lyapunov spectra are of one recurrent map: a single-layer model.
    @Sendable static func checkSingleLayer(_ spec: ExperimentSpec) throws {
        if spec.model.layers > 1 || spec.model.bidirectional {
            throw ConfigurationFailure("mode lyapunov needs a single-layer model (model.layers = 1, bidirectional: false)")
        }
    }

    /// Runs a `Diagnosis` on one unrolled sequence of length T. With `measure: grad_units` and a
    /// `runID`, the unit maps go to the result's files (`UnitMapSidecar`).
    /// The trajectory is kept whole or checkpointed under `memoryBudget` (default the spec's
    /// `diagnostics.memory_budget`), recorded in the columns `bptt_strategy`, `bptt_interval`,
    /// `tape_bytes` and `memory_budget`.
    static func gradientFlow(_ spec: ExperimentSpec, _ random: RandomStream, runID: String? = nil,
                             memoryBudget: MemoryBudget? = nil) throws -> ConfigurationResult {
        try checkGradientFlow(spec)
        let m = try spec.makeModel(random)
        let t = spec.sequence.length
        let lags = spec.diagnostics.lags
        if m.isStacked { return try stackedGradientFlow(spec, m, lags: lags, random, runID: runID, memoryBudget: memoryBudget) }
        let options = DiagnosisOptions(
            steps: t, input: inputSource(spec), initialState: spec.sequence.h0, lags: lags,
            singularValueLags: !Set(spec.measure).isDisjoint(with: [.singularValues, .singularSpread]) ? spec.diagnostics.singularValueLags.filter { $0 <= t } : [],
            lyapunovCount: spec.measure.contains(.lyapunov) ? lyapunovCount(spec, stateSize: m.stateSize) : 0,
            lyapunovSteps: t, lyapunovTransient: spec.diagnostics.transient)
        var withTerms = options
        withTerms.memoryBudget = memoryBudget ?? spec.diagnostics.memoryBudget
        withTerms.contributions = spec.measure.contains(.contributions)
        let d = try Diagnosis(map: m.makeCell(), theory: m.theoryInputs, options: withTerms, rng: random.split("diagnosis"))

        var series: [SeriesPoint] = []
        if spec.measure.contains(.gradNorm) {
            for (step, v) in d.gradNormLog10.enumerated() { series.append(SeriesPoint(.gradNormLog10, step: step, value: v ?? -.infinity)) }
        }
        if spec.measure.contains(.jacobianNorm) {
            for n in d.jacobianNorms {
                series.append(SeriesPoint(.jacobianNormLog10, step: n.lag, value: n.spectralLog10 ?? -.infinity))
                series.append(SeriesPoint(.jacobianFrobeniusLog10, step: n.lag, value: n.frobeniusLog10 ?? -.infinity))
            }
            for (lag, v) in d.pascanuBoundLog10 { series.append(SeriesPoint(.pascanuBoundLog10, step: lag, value: v)) }
            for (lag, v) in d.linearRateLog10 { series.append(SeriesPoint(.spectralPowerLog10, step: lag, value: v)) }
            // A diagonal cell's closed form per unit, max_j |m_j|^k (Theory.diagonalPowerLog10).
            if let moduli = m.diagonalModuli {
                for n in d.jacobianNorms {
                    if let v = Theory.diagonalPowerLog10(lag: n.lag, moduli: moduli) { series.append(SeriesPoint(.diagonalPowerLog10, step: n.lag, value: v)) }
                }
            }
        }
        for (lag, values) in d.singularValuesLog10.sorted(by: { $0.key < $1.key }) {
            for (i, v) in values.enumerated() {
                series.append(SeriesPoint(.singularValueLog10, step: lag, component: i, value: v))
                if abs(v) < 300 { series.append(SeriesPoint(.singularValue, step: lag, component: i, value: pow10(v))) }
            }
        }
        for (i, l) in d.lyapunov.enumerated() { series.append(SeriesPoint(.lyapunov, step: i, value: l)) }
        for (i, v) in d.contributionLog10.enumerated() { series.append(SeriesPoint(.contributionLog10, step: i + 1, value: v ?? -.infinity)) }

        var summary: [String: StoredValue] = [:]
        summary[Metric.spectralRadius] = d.spectralRadius.map(StoredValue.number)
        summary[Metric.sigmaMax] = d.sigmaMax.map(StoredValue.number)
        summary[Metric.slopeLog10PerStep] = d.summary.slopeLog10PerStep.map(StoredValue.number)
        summary[Metric.label] = d.summary.label.map { StoredValue.text($0.rawValue) }
        summary[Metric.horizon] = d.summary.horizon.map { StoredValue.integer(Int64($0)) }
        summary[Metric.lambdaMax] = d.lambdaMax.map(StoredValue.number)
        summary[Metric.kaplanYorkeDimension] = d.kaplanYorkeDimension.map(StoredValue.number)
        summary[Metric.meanFieldLambdaMax] = d.meanFieldLambdaMax.map(StoredValue.number)
        summary[Metric.bpttStrategy] = .text(d.memory.strategy.name)
        summary[Metric.bpttInterval] = d.memory.strategy.interval.map { StoredValue.integer(Int64($0)) }
        summary[Metric.tapeBytes] = .number(d.memory.tapeBytes)
        summary[Metric.memoryBudget] = .integer(Int64(d.memory.budget.bytes))
        try classicMeasures(spec, m, d, random, summary: &summary, series: &series)
        if spec.measure.contains(.forward) {
            let f = try ForwardDynamics(model: m, options: options, rng: random.split("diagnosis"))
            ForwardSeries.append(f, series: &series, summary: &summary)
        }
        var result = ConfigurationResult(summary: summary, series: series)
        if spec.measure.contains(.gradUnits), let runID {
            let maps = try UnitGradientMap(model: m, options: options, rng: random.split("diagnosis"))
            result.files = UnitMapSidecar.files(try maps.npyFiles(), runID: runID)
            result.summary[Metric.unitMaps] = .text(UnitMapSidecar.directory(runID: runID))
        }
        if let step = d.nonfiniteStep {
            result.status = .nonfinite
            result.reason = "the state became non-finite at step \(step)"
            result.failedStep = step
        }
        return result
    }

    /// Mode lyapunov's options: `diagnostics.lyapunov` exponents over `sequence.length` steps after
    /// `diagnostics.transient`, the frame re-orthonormalised as `diagnostics.reorthonormalize` says.
    static func lyapunovOptions(_ spec: ExperimentSpec, stateSize: Int) -> LyapunovOptions {
        var o = LyapunovOptions(count: lyapunovCount(spec, stateSize: stateSize), steps: spec.sequence.length,
                                transient: spec.diagnostics.transient, input: inputSource(spec), initialState: spec.sequence.h0)
        o.interval = spec.diagnostics.reorthonormalize
        return o
    }

    /// The Lyapunov spectrum over `sequence.length` steps after `diagnostics.transient`.
    static func lyapunov(_ spec: ExperimentSpec, _ random: RandomStream) throws -> ConfigurationResult {
        let m = try spec.makeModel(random)
        var r = random.split("lyapunov")
        let spectrum = try LyapunovSpectrum(map: m.makeCell(), options: lyapunovOptions(spec, stateSize: m.stateSize), rng: &r)
        var summary: [String: StoredValue] = [:]
        summary[Metric.lambdaMax] = spectrum.maximum.map(StoredValue.number)
        summary[Metric.meanExponent] = spectrum.mean.map(StoredValue.number)
        if !spectrum.exponents.isEmpty { summary[Metric.kaplanYorkeDimension] = .number(spectrum.kaplanYorkeDimension) }
        let theory = m.theoryInputs
        if let w = theory.recurrentWeight {
            summary[Metric.spectralRadius] = .number(try w.spectralRadius())
            summary[Metric.sigmaMax] = .number(try w.spectralNorm())
            if theory.isTanh {
                // Mean field for h_t = tanh(W h_{t−1}), W_ij ~ N(0, g²/N), with g = ‖W‖_F/√N (as in gradient-flow).
                summary[Metric.meanFieldLambdaMax] = .number(Theory.meanFieldTanh(gain: w.frobeniusNorm / Double(w.rows).squareRoot()).lambdaMax)
            }
        }
        var result = ConfigurationResult(summary: summary,
                                         series: spectrum.exponents.enumerated().map { SeriesPoint(.lyapunov, step: $0.offset, value: $0.element) })
        if let step = spectrum.nonfiniteStep {
            result.status = .nonfinite
            result.reason = "the state became non-finite at step \(step)"
            result.failedStep = step
        }
        return result
    }

    static func pow10(_ x: Double) -> Double { Foundation.pow(10, x) }
}
