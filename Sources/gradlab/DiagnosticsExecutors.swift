import Diagnostics
import Foundation
import Experiments
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
    static func register(into registry: inout ExecutorRegistry) {
        registry.register(.gradientFlow, check: checkGradientFlow) { configuration, random in try gradientFlow(configuration.spec, random) }
        registry.register(.lyapunov, check: checkSingleLayer) { configuration, random in try lyapunov(configuration.spec, random) }
    }

    /// The model of a configuration: each parameter from its `init:` spec (default `pytorch-default`),
    /// gate blocks initialised one by one (`InitSpec.make(layout:hidden:cols:rng:)`). Stacked and
    /// bidirectional models (`model.layers`, `model.bidirectional`) use the same spec for every layer and
    /// direction, each drawn from its own stream `init.weight_hh_l2_reverse`, …; layer 0's forward
    /// tensors keep the single-layer streams `init.weight_hh`, …, so adding layers leaves them unchanged.
    /// A `forget_bias` on either LSTM bias sets the forget gate's *total* bias b_ih + b_hh of every layer
    /// (`InitSpec.applyForgetBias`: the b_ih block to c, the b_hh block to 0). With `headSize` O, a linear
    /// read-out `head.weight` (O × dirs·H) and `head.bias` (O × 1) follows, PyTorch's `nn.Linear` default
    /// U(−1/√fan_in, 1/√fan_in) from the stream `init.head`.
    static func model(_ spec: ExperimentSpec, _ random: RandomStream, headSize: Int? = nil) throws -> RecurrentModel {
        let h = spec.model.hidden, d = spec.model.input
        let layout: GateLayout, cell: CellKind
        switch spec.model.cell {
        case .rnn:
            guard let activation = Activation(name: spec.model.activation.rawValue) else {
                throw ConfigurationFailure("activation \(spec.model.activation.rawValue) is not available in Recurrent")
            }
            (layout, cell) = (.rnn, .rnn(activation))
        case .lstm: (layout, cell) = (.lstm, .lstm)
        case .gru: (layout, cell) = (.gru, .gru)
        }
        let fallback = InitSpec(kind: .pytorchDefault), inits = spec.initialization
        func weight(_ key: String, _ initSpec: InitSpec?, cols: Int) throws -> Matrix {
            var r = random.split("init." + key)
            return try (initSpec ?? fallback).make(layout: layout, hidden: h, cols: cols, rng: &r)
        }
        func bias(_ key: String, _ initSpec: InitSpec?) throws -> [Double] {
            var r = random.split("init." + key)
            return try (initSpec ?? fallback).makeBias(layout: layout, hidden: h, rng: &r)
        }
        let dirs = spec.model.bidirectional ? 2 : 1
        var pairs: [(String, Matrix)] = []
        for layer in 0..<spec.model.layers {
            for reverse in dirs == 2 ? [false, true] : [false] {
                let suffix = layer == 0 && !reverse ? "" : "_l\(layer)" + (reverse ? "_reverse" : "")
                pairs.append((ParameterName.weightIH(layer: layer, reverse: reverse),
                              try weight("weight_ih" + suffix, inits.weightIH, cols: layer == 0 ? d : dirs * h)))
                pairs.append((ParameterName.weightHH(layer: layer, reverse: reverse), try weight("weight_hh" + suffix, inits.weightHH, cols: h)))
                if spec.model.bias {
                    var biasIH: [Double]? = try bias("bias_ih" + suffix, inits.biasIH)
                    var biasHH: [Double]? = try bias("bias_hh" + suffix, inits.biasHH)
                    if layout == .lstm, let c = inits.biasIH?.forgetBias ?? inits.biasHH?.forgetBias {
                        try InitSpec.applyForgetBias(c, hidden: h, biasIH: &biasIH, biasHH: &biasHH)
                    }
                    for (name, b) in [(ParameterName.biasIH(layer: layer, reverse: reverse), biasIH),
                                      (ParameterName.biasHH(layer: layer, reverse: reverse), biasHH)] {
                        guard let b else { continue }
                        pairs.append((name, try Matrix(rows: b.count, cols: 1, elements: b)))
                    }
                }
            }
        }
        if let o = headSize {
            var r = random.split("init.head")
            let k = 1 / Double(dirs * h).squareRoot()
            pairs.append((ParameterName.headWeight, r.uniformMatrix(rows: o, cols: dirs * h, -k, k)))
            if spec.model.bias { pairs.append((ParameterName.headBias, r.uniformMatrix(rows: o, cols: 1, -k, k))) }
        }
        return try RecurrentModel(cell: cell, parameters: ParameterSet(pairs))
    }

    static func inputSource(_ spec: ExperimentSpec) -> InputSource {
        spec.sequence.input.kind == .zeros ? .zeros : .gaussian(std: spec.sequence.input.std)
    }

    static func initialState(_ spec: ExperimentSpec) -> InitialState {
        spec.sequence.h0 == .zeros ? .zeros : .gaussian
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
        if spec.measure.contains(.contributions) {
            throw ConfigurationFailure("measure contributions is not computed by Diagnostics yet; remove it from measure:")
        }
        if spec.model.layers > 1 || spec.model.bidirectional {
            for m in [Measure.singularValues, .lyapunov] where spec.measure.contains(m) {
                throw ConfigurationFailure("measure \(m.rawValue) is for single-layer models (model.layers = 1, bidirectional: false); stacked models measure grad_norm and jacobian_norm")
            }
        }
    }

    /// Lyapunov spectra are of one recurrent map: a single-layer model.
    @Sendable static func checkSingleLayer(_ spec: ExperimentSpec) throws {
        if spec.model.layers > 1 || spec.model.bidirectional {
            throw ConfigurationFailure("mode lyapunov needs a single-layer model (model.layers = 1, bidirectional: false)")
        }
    }

    /// Runs a `Diagnosis` on one unrolled sequence of length T.
    static func gradientFlow(_ spec: ExperimentSpec, _ random: RandomStream) throws -> ConfigurationResult {
        try checkGradientFlow(spec)
        let m = try model(spec, random)
        let t = spec.sequence.length
        let lags: LagSelection = switch spec.diagnostics.lags {
        case .all: .all
        case .log: .log(count: spec.diagnostics.logLags)
        case .every(let n): .every(n)
        }
        if m.isStacked { return try stackedGradientFlow(spec, m, lags: lags, random) }
        let options = DiagnosisOptions(
            steps: t, input: inputSource(spec), initialState: initialState(spec), lags: lags,
            singularValueLags: spec.measure.contains(.singularValues) ? spec.diagnostics.singularValueLags.filter { $0 <= t } : [],
            lyapunovCount: spec.measure.contains(.lyapunov) ? lyapunovCount(spec, stateSize: m.stateSize) : 0,
            lyapunovSteps: t, lyapunovTransient: spec.diagnostics.transient)
        let d = try Diagnosis(map: m.makeCell(), theory: m.theoryInputs, options: options, rng: random.split("diagnosis"))

        var series: [SeriesPoint] = []
        if spec.measure.contains(.gradNorm) {
            for (step, v) in d.gradNormLog10.enumerated() { series.append(SeriesPoint("grad_norm_log10", step: step, value: v ?? -.infinity)) }
        }
        if spec.measure.contains(.jacobianNorm) {
            for n in d.jacobianNorms {
                series.append(SeriesPoint("jacobian_norm_log10", step: n.lag, value: n.spectralLog10 ?? -.infinity))
                series.append(SeriesPoint("jacobian_frobenius_log10", step: n.lag, value: n.frobeniusLog10 ?? -.infinity))
            }
            for (lag, v) in d.pascanuBoundLog10 { series.append(SeriesPoint("pascanu_bound_log10", step: lag, value: v)) }
            for (lag, v) in d.linearRateLog10 { series.append(SeriesPoint("spectral_power_log10", step: lag, value: v)) }
        }
        for (lag, values) in d.singularValuesLog10.sorted(by: { $0.key < $1.key }) {
            for (i, v) in values.enumerated() {
                series.append(SeriesPoint("singular_value_log10", step: lag, component: i, value: v))
                if abs(v) < 300 { series.append(SeriesPoint("singular_value", step: lag, component: i, value: pow10(v))) }
            }
        }
        for (i, l) in d.lyapunov.enumerated() { series.append(SeriesPoint("lyapunov", step: i, value: l)) }

        var summary: [String: StoredValue] = [:]
        summary["spectral_radius"] = d.spectralRadius.map(StoredValue.number)
        summary["sigma_max"] = d.sigmaMax.map(StoredValue.number)
        summary["slope_log10_per_step"] = d.summary.slopeLog10PerStep.map(StoredValue.number)
        summary["label"] = d.summary.label.map { .text($0.rawValue) }
        summary["horizon"] = d.summary.horizon.map { .integer(Int64($0)) }
        summary["lambda_max"] = d.lambdaMax.map(StoredValue.number)
        summary["kaplan_yorke_dimension"] = d.kaplanYorkeDimension.map(StoredValue.number)
        summary["mean_field_lambda_max"] = d.meanFieldLambdaMax.map(StoredValue.number)
        var result = ConfigurationResult(summary: summary, series: series)
        if let step = d.nonfiniteStep {
            result.status = .nonfinite
            result.reason = "the state became non-finite at step \(step)"
            result.failedStep = step
        }
        return result
    }

    /// The Lyapunov spectrum over `sequence.length` steps after `diagnostics.transient`.
    static func lyapunov(_ spec: ExperimentSpec, _ random: RandomStream) throws -> ConfigurationResult {
        let m = try model(spec, random)
        var r = random.split("lyapunov")
        let spectrum = try LyapunovSpectrum(
            map: m.makeCell(),
            options: LyapunovOptions(count: lyapunovCount(spec, stateSize: m.stateSize), steps: spec.sequence.length,
                                     transient: spec.diagnostics.transient, reorthonormalizeEvery: spec.diagnostics.reorthonormalize,
                                     input: inputSource(spec), initialState: initialState(spec)),
            rng: &r)
        var summary: [String: StoredValue] = [:]
        summary["lambda_max"] = spectrum.maximum.map(StoredValue.number)
        summary["mean_exponent"] = spectrum.mean.map(StoredValue.number)
        if !spectrum.exponents.isEmpty { summary["kaplan_yorke_dimension"] = .number(spectrum.kaplanYorkeDimension) }
        let theory = m.theoryInputs
        if let w = theory.recurrentWeight {
            summary["spectral_radius"] = .number(try w.spectralRadius())
            summary["sigma_max"] = .number(try w.spectralNorm())
        }
        var result = ConfigurationResult(summary: summary,
                                         series: spectrum.exponents.enumerated().map { SeriesPoint("lyapunov", step: $0.offset, value: $0.element) })
        if let step = spectrum.nonfiniteStep {
            result.status = .nonfinite
            result.reason = "the state became non-finite at step \(step)"
            result.failedStep = step
        }
        return result
    }

    static func pow10(_ x: Double) -> Double { Foundation.pow(10, x) }
}
