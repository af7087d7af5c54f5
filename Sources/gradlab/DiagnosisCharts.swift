import Diagnostics
import Foundation
import Plotting
import Recurrent

/// The charts of `gradlab diagnose --plot DIR`, built from a diagnosis with the standard recipes.
struct DiagnosisCharts {
    let diagnosis: Diagnosis
    let model: RecurrentModel
    let title: String

    /// Writes every chart that has data as PNG and SVG into `directory`; returns the paths written.
    func write(to directory: String) throws -> [String] { try writeCharts(try figures(), to: directory) }

    func figures() throws -> [(String, Figure)] {
        let d = diagnosis
        var out: [(String, Figure)] = []

        // ‖∂h_T/∂h_t‖ against lag, with theory.
        let finite = d.jacobianNorms.compactMap { n in n.spectralLog10.map { (Double(n.lag), $0) } }
        if finite.count >= 2 {
            var theory: [TheoryLine] = []
            let lags = d.jacobianNorms.map { Double($0.lag) }
            if !d.pascanuBoundLog10.isEmpty {
                theory.append(TheoryLine(lags: lags, log10Values: d.pascanuBoundLog10.map(\.value), kind: .pascanuBound))
            }
            if !d.linearRateLog10.isEmpty {
                theory.append(TheoryLine(lags: lags, log10Values: d.linearRateLog10.map(\.value), kind: .spectralPower))
            }
            let series = NormVsLagSeries(lags: finite.map(\.0), log10Norm: finite.map(\.1), label: "measured ‖∂h_{T}/∂h_{t}‖₂")
            var chart = NormVsLagChart(series: [series], theory: theory, title: "‖∂h_{T}/∂h_{t}‖₂ against lag — \(title)")
            chart.bandDescription = ""
            out.append(("jacobian-norm-vs-lag", Recipe.normVsLag(chart)))
        }

        // ‖∂L/∂h_t‖ against t.
        let grads = d.gradNormLog10.enumerated().compactMap { t, v in v.map { (Double(t), $0) } }
        if grads.count >= 2 {
            var chart = NormVsLagChart(series: [NormVsLagSeries(lags: grads.map(\.0), log10Norm: grads.map(\.1), label: "‖∂L/∂h_t‖")],
                                       title: "‖∂L/∂h_{t}‖ through time — \(title)")
            chart.xLabel = "step t"
            chart.yLabel = "log_{10} ‖∂L / ∂h_{t}‖"
            out.append(("grad-norm", Recipe.normVsLag(chart)))
        }

        // Singular values of ∂h_T/∂h_t at the largest recorded lag (every one resolved: docs/diagnostics.md).
        if let lag = d.singularValuesLog10.keys.max(), let all = d.singularValuesLog10[lag] {
            let values = all.filter(\.isFinite)
            if values.count >= 2, let lo = values.min(), let top = values.max() {
                var chart = SingularValuesChart(values: values, bins: min(40, max(10, values.count / 3)),
                                                title: "Singular values of ∂h_{T}/∂h_{T−\(lag)}")
                chart.xLabel = "log_{10} σ_{i}"
                let zeros = all.count - values.count
                chart.label = zeros == 0 ? "measured" : "measured (\(zeros) exactly zero not shown)"
                let pad = max((top - lo) * 0.05, 0.5)
                chart.range = (lo - pad)...(top + pad)
                out.append(("singular-values", Recipe.singularValues(chart)))
            }
        }

        // Lyapunov spectrum.
        if !d.lyapunov.isEmpty {
            out.append(("lyapunov", lyapunovFigure([("measured", d.lyapunov)], title: "Lyapunov spectrum — \(title)")))
        }

        // Eigenvalues of W_hh (vanilla cells; an IndRNN's diag(u) has eigenvalues u_j).
        if model.cell.activation != nil {
            let ev = try model.cellWeights.hiddenWeight.eigenvalues()
            out.append(("eigenvalues", Recipe.eigenvalues(EigenvaluesChart(sets: [EigenvalueSet(real: ev.map(\.real), imag: ev.map(\.imaginary), label: "λ(W_{hh})")],
                                                                          title: "Eigenvalues of W_{hh}"))))
        }
        return out
    }
}

/// Writes named figures as DIR/NAME.png and .svg (warnings to standard error); returns the paths.
func writeCharts(_ figures: [(String, Figure)], to directory: String) throws -> [String] {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var written: [String] = []
    for (name, figure) in figures {
        for format in [OutputFormat.png, .svg] {
            let path = (directory as NSString).appendingPathComponent("\(name).\(format.fileExtension)")
            for warning in try figure.write(to: path, format: format) {
                warn("\(path): \(warning)")
            }
            written.append(path)
        }
    }
    return written
}

/// The charts of `gradlab diagnose --plot DIR` for a stacked or bidirectional model.
struct StackedDiagnosisCharts {
    let flow: DepthTimeFlow
    let title: String

    func write(to directory: String) throws -> [String] { try writeCharts(try figures(), to: directory) }

    func unitName(_ u: UnitFlow) -> String { "ℓ = \(u.layer)" + (flow.bidirectional ? (u.reverse ? " bwd" : " fwd") : "") }

    func figures() throws -> [(String, Figure)] {
        var out: [(String, Figure)] = []
        // log10 ‖∂L/∂h_t^ℓ‖ over (t, ℓ), one panel per direction.
        let dirs = flow.bidirectional ? 2 : 1
        let panels = (0..<dirs).map { dir in
            let units = flow.units.filter { ($0.reverse ? 1 : 0) == dir }
            return DepthTimePanel(steps: (1...flow.steps).map(Double.init), layers: units.map { Double($0.layer) },
                                  log10Norm: units.flatMap { $0.gradNormLog10.map { $0 ?? -.infinity } },
                                  title: flow.bidirectional ? (dir == 0 ? "forward" : "backward direction") : nil)
        }
        out.append(("depth-time-heatmap", try Recipe.depthTimeHeatmap(DepthTimeHeatmapChart(panels: panels, title: title))))

        // Along time: each unit's own recursion ‖∂h_T^ℓ/∂h_{T−k}^ℓ‖₂.
        let time = flow.units.compactMap { u -> NormVsLagSeries? in
            let finite = u.timeJacobianNorms.compactMap { n in n.spectralLog10.map { (Double(n.lag), $0) } }
            guard finite.count >= 2 else { return nil }
            return NormVsLagSeries(lags: finite.map(\.0), log10Norm: finite.map(\.1), label: unitName(u))
        }
        if !time.isEmpty {
            var chart = NormVsLagChart(series: time, title: "Within-layer products ‖∂h_{T}^{ℓ}/∂h_{T−k}^{ℓ}‖₂ — \(title)")
            chart.yLabel = "log_{10} ‖∂h_{T}^{ℓ} / ∂h_{T−k}^{ℓ}‖"
            chart.xLabel = "lag k"
            out.append(("time-products", Recipe.normVsLag(chart)))
        }

        // Along depth: ‖∂h_t^top/∂h_t^{top−d}‖₂ at the measured steps.
        var depth = flow.depthJacobianNorms.compactMap { d -> NormVsLagSeries? in
            let finite = d.norms.compactMap { n in n.spectralLog10.map { (Double(n.lag), $0) } }
            guard finite.count >= 2 else { return nil }
            return NormVsLagSeries(lags: finite.map(\.0), log10Norm: finite.map(\.1), label: "t = \(d.step)")
        }
        // Series that coincide (a time-invariant stack, e.g. a stacked LRU) are drawn once, saying so,
        // rather than one hiding the other.
        if depth.count > 1, depth.dropFirst().allSatisfy({ $0.lags == depth[0].lags && zip($0.log10Norm, depth[0].log10Norm).allSatisfy { abs($0 - $1) <= 1e-12 } }) {
            let steps = flow.depthJacobianNorms.map { String($0.step) }.joined(separator: " and t = ")
            depth = [NormVsLagSeries(lags: depth[0].lags, log10Norm: depth[0].log10Norm, label: "t = \(steps) (equal)")]
        }
        if !depth.isEmpty {
            var chart = NormVsLagChart(series: depth, title: "Depth products ‖∂h_{t}^{top}/∂h_{t}^{top−d}‖₂ — \(title)")
            chart.yLabel = "log_{10} ‖∂h_{t}^{top} / ∂h_{t}^{top−d}‖"
            chart.xLabel = "layers crossed d"
            chart.integerX = true
            out.append(("depth-products", Recipe.normVsLag(chart)))
        }
        if let run = flow.lyapunov {
            out.append(("lyapunov", lyapunovFigure(run.directions.map { ("\($0.reverse ? "reverse" : "forward") stack", $0.spectrum.exponents) },
                                                   title: "Lyapunov spectra — \(title)")))
        }
        return out
    }
}

/// The Lyapunov chart of labelled spectra; −∞ exponents cannot be drawn, so each label says how many
/// were left out.
func lyapunovFigure(_ spectra: [(label: String, exponents: [Double])], title: String) -> Figure {
    let series = spectra.map { s -> LyapunovSeries in
        let n = s.exponents.filter { $0 == -.infinity }.count
        return LyapunovSeries(exponents: s.exponents, label: s.label + (n > 0 ? " (\(n) at −∞, not drawn)" : ""))
    }
    return Recipe.lyapunov(LyapunovChart(series: series, title: title))
}
