import Foundation
import Linalg
import Recurrent

extension ForwardDynamics {
    /// The forward diagnosis of a single-layer model on exactly the inputs and h_0 a `Diagnosis` with
    /// the same options and stream uses (its named streams "inputs" and "h0").
    public init(model: RecurrentModel, options o: DiagnosisOptions, rng: RandomStream,
                thresholds: ForwardThresholds = ForwardThresholds()) throws {
        guard !model.isStacked else { throw RecurrentError("the forward diagnosis is for single-layer unidirectional models") }
        var inputRng = rng.split("inputs"), stateRng = rng.split("h0")
        let inputs = o.inputs ?? Matrix.inputSequence(steps: o.steps, size: model.inputSize, source: o.input, rng: &inputRng)
        let s0 = makeInitialState(o.initialState, hiddenSize: model.hiddenSize, stateSize: model.stateSize, rng: &stateRng)
        try self.init(cell: model.makeCell(), family: model.cell.family, activation: model.cell.activation, inputs: inputs,
                      initialState: s0, thresholds: thresholds)
    }

    /// Mean of a series over its last quarter (at least one step); nil when empty.
    static func tailMean(_ xs: [Double]) -> Double? {
        guard !xs.isEmpty else { return nil }
        let tail = xs.suffix(max(1, xs.count / 4))
        return tail.reduce(0, +) / Double(tail.count)
    }

    /// The JSON object of `diagnose --format json` under "forward" (keys in docs/dynamics.md).
    public func jsonObject() -> [String: Any] {
        var o: [String: Any] = [
            "regime": regime.rawValue, "regime_step": regimeStep.map { $0 as Any } ?? NSNull(),
            "h_norm": hNorm, "nonfinite_step": nonfiniteStep.map { $0 as Any } ?? NSNull(),
        ]
        if !cNorm.isEmpty { o["c_norm"] = cNorm }
        if family.takesActivation {
            o["saturated_fraction"] = saturated
            o["inactive_fraction"] = inactive
            o["preactivation_q"] = preactivationQ
            o["dead_units"] = deadUnits
            o["mean_field_q_star"] = meanFieldQ.map { $0 as Any } ?? NSNull()
        } else {
            o["gates"] = gateNames
            o["gate_mean"] = Dictionary(uniqueKeysWithValues: zip(gateNames, gateMean))
            o["gate_saturated_fraction"] = Dictionary(uniqueKeysWithValues: zip(gateNames, gateSaturated))
        }
        return o
    }

    /// A few lines for the text report: the regime and the last-quarter means.
    public func textSection() -> String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.4g", $0) } ?? "–" }
        var out = "forward dynamics (\(hNorm.count) steps; means over the last quarter)\n"
        out += "  regime: \(regime.rawValue)\(regimeStep.map { " from step \($0)" } ?? "")\n"
        out += "  ‖h_t‖₂ \(f(Self.tailMean(hNorm)))"
        if !cNorm.isEmpty { out += ", ‖c_t‖₂ \(f(Self.tailMean(cNorm)))" }
        out += "\n"
        if family.takesActivation {
            out += "  saturated units (φ′/sup φ′ < 0.01) \(f(Self.tailMean(saturated))), z ≤ 0 \(f(Self.tailMean(inactive))), dead units \(deadUnits)\n"
            out += "  pre-activation q_t \(f(Self.tailMean(preactivationQ))), mean-field q* \(f(meanFieldQ))\n"
        } else {
            for (g, name) in gateNames.enumerated() {
                out += "  gate \(name): mean \(f(Self.tailMean(gateMean[g]))), saturated \(f(Self.tailMean(gateSaturated[g])))\n"
            }
        }
        return out
    }
}
