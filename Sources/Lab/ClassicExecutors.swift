import Diagnostics
import Foundation
import Linalg
import Recurrent
import Sweeps

/// The gradient-flow measures of the gallery's diagnostics classics (docs/diagnostics.md, *Classic
/// measures*): the Pascanu-bound gap, the singular-value spread, the matrix powers ‖W_hh^k‖₂ and
/// truncated against full BPTT. Each adds its catalog series and summaries to the configuration's.
extension DiagnosticsExecutors {
    static func classicMeasures(_ spec: ExperimentSpec, _ m: RecurrentModel, _ d: Diagnosis, _ random: RandomStream,
                                summary: inout [String: StoredValue], series: inout [SeriesPoint]) throws {
        if spec.measure.contains(.jacobianNorm), !d.pascanuBoundLog10.isEmpty {
            let gap = PascanuBoundGap(norms: d.jacobianNorms, bound: d.pascanuBoundLog10)
            summary[Metric.boundGapMinLog10] = gap.minimumLog10.map(StoredValue.number)
            summary[Metric.boundGapLastLog10] = gap.largestLagLog10.map(StoredValue.number)
        }
        if spec.measure.contains(.singularSpread) {
            let spreads = d.singularValuesLog10.sorted { $0.key < $1.key }.compactMap { lag, v in SingularSpread(log10Values: v).map { (lag, $0) } }
            for (lag, s) in spreads {
                series.append(SeriesPoint(.singularSpreadLog10, step: lag, value: s.spreadLog10))
                series.append(SeriesPoint(.singularKeptFraction, step: lag, value: s.keptFraction))
            }
            if let (_, last) = spreads.last {
                summary[Metric.finalSingularSpreadLog10] = .number(last.spreadLog10)
                summary[Metric.finalSingularKept] = .integer(Int64(last.kept))
            }
        }
        if spec.measure.contains(.matrixPower), let w = m.theoryInputs.recurrentWeight {
            let lags = spec.diagnostics.lags.lags(upTo: spec.sequence.length)
            let norms = try MatrixPowerNorms.log10Norms(w, lags: lags)
            for (lag, v) in norms { series.append(SeriesPoint(.matrixPowerNormLog10, step: lag, value: v)) }
            if let peak = MatrixPowerNorms.peak(norms) {
                summary[Metric.peakMatrixPowerNorm] = .number(Foundation.pow(10, peak.log10Norm))
                summary[Metric.peakLag] = .integer(Int64(peak.lag))
            }
        }
        if spec.measure.contains(.truncation) {
            let t = try TruncationComparison(model: m, spec: spec, random: random)
            for r in t.rows {
                series.append(SeriesPoint(.truncatedCosine, step: r.length, value: r.cosine))
                series.append(SeriesPoint(.truncatedNormRatio, step: r.length, value: r.normRatio))
            }
        }
    }
}

/// Truncated against full BPTT on the configuration's own sequence (the inputs, h_0 and adjoint
/// ∂L/∂h_T that `Diagnosis` draws from the stream `diagnosis`): L = ⟨a, h_T⟩, and for each truncation
/// length k the gradient w.r.t. W_hh of BPTT through the last k steps only — the model run over
/// x_{T−k+1} … x_T from the state s_{T−k} of the full forward pass, taken as a constant — beside the
/// exact one (k ≥ T: the whole sequence from s_0, i.e. exact).
struct TruncationComparison {
    struct Row { let length: Int; let cosine: Double; let normRatio: Double }
    let rows: [Row]

    init(model m: RecurrentModel, spec: ExperimentSpec, random: RandomStream) throws {
        let t = spec.sequence.length, h = m.hiddenSize
        let diagnosis = random.split("diagnosis")
        var inputRng = diagnosis.split("inputs"), stateRng = diagnosis.split("h0"), adjointRng = diagnosis.split("adjoint")
        let x = Matrix.inputSequence(steps: t, size: m.inputSize, source: DiagnosticsExecutors.inputSource(spec), rng: &inputRng)
        let s0 = makeInitialState(spec.sequence.h0, hiddenSize: h, stateSize: m.stateSize, rng: &stateRng)
        var a = adjointRng.normals(h)
        scal(1 / nrm2(a), &a)
        let inputs = try SequenceBatch(steps: t, batchSize: 1, featureSize: m.inputSize, timeMajor: x.elements)
        let objective = Objective.adjoint(try SequenceBatch(steps: 1, batchSize: 1, featureSize: h, timeMajor: a))
        guard let index = m.parameters.index(of: ParameterName.weightHH) else {
            throw ConfigurationFailure("measure truncation needs a single-layer model with \(ParameterName.weightHH)")
        }
        let forward = try m.forward(inputs, outputs: .last, initialState: s0)
        /// s_u for u = 0 … T: s_0, or [h_u; c_u] (LSTM) from the forward pass.
        func state(_ u: Int) -> [Double] {
            guard u > 0 else { return s0 }
            var s = Array(forward.hidden[(u - 1) * h..<u * h])
            if let c = forward.cell { s += c[(u - 1) * h..<u * h] }
            return s
        }
        func gradient(from u: Int) throws -> [Double] {
            let g = try m.gradients(inputs.slice(steps: u..<t), outputs: .last, objective: objective, initialState: state(u))
            return g.parameters.tensors[index].elements
        }
        let full = try gradient(from: 0)
        let fullNorm = nrm2(full)
        // A zero or non-finite gradient has no direction: its row is left out.
        rows = try spec.diagnostics.truncation.compactMap { k in
            let g = try gradient(from: max(t - k, 0))
            let n = nrm2(g)
            guard n > 0, fullNorm > 0, n.isFinite, fullNorm.isFinite else { return nil }
            return Row(length: k, cosine: try dot(g, full) / (n * fullNorm), normRatio: n / fullNorm)
        }
    }
}
