import Linalg
import Recurrent
import Testing
@testable import Sweeps
@testable import Lab

/// `model.cell: lnrnn` in an experiment: the layer-norm gain and shift default to 1 and 0, take vector
/// kinds under `init.weight_ln` / `init.bias_ln`, and are refused, with a location, where they cannot apply.
@Suite struct LayerNormSchemaTests {
    let lnYAML = edited("model: {cell: rnn, activation: tanh, hidden: 4, input: 2}", "model: {cell: lnrnn, activation: tanh, hidden: 4, input: 2}")

    @Test func defaultsAndVectorKinds() throws {
        let e = try Experiment(text: lnYAML, source: "exp.yaml")
        let m = try e.points[0].spec.makeModel(RandomStream(seed: 1), headSize: 1)
        #expect(m.cell == .lnrnn(.tanh))
        #expect(m.parameters[ParameterName.weightLN(layer: 0)]?.elements == [1, 1, 1, 1])
        #expect(m.parameters[ParameterName.biasLN(layer: 0)]?.elements == [0, 0, 0, 0])
        let text = edited("  weight_hh: {kind: gaussian, spectral_radius: 0.9}",
                          "  weight_hh: {kind: gaussian, spectral_radius: 0.9}\n  weight_ln: {kind: uniform, a: 0.5, b: 1.5}\n  bias_ln: {kind: gaussian, std: 0.1}", in: lnYAML)
        let two = try Experiment(text: text, source: "exp.yaml", overrides: ["model.layers=2"])
        let m2 = try two.points[0].spec.makeModel(RandomStream(seed: 1), headSize: nil)
        for layer in 0..<2 {
            let g = m2.parameters[ParameterName.weightLN(layer: layer)]!.elements
            #expect(g.allSatisfy { $0 >= 0.5 && $0 < 1.5 } && Set(g).count == 4)
            #expect(m2.parameters[ParameterName.biasLN(layer: layer)]!.elements.allSatisfy { $0 != 0 && abs($0) < 1 })
        }
        let noBias = try Experiment(text: lnYAML, source: "exp.yaml", overrides: ["model.bias=false"])
        #expect(try noBias.points[0].spec.makeModel(RandomStream(seed: 1)).parameters.names == ["weight_ih_l0", "weight_hh_l0", "weight_ln_l0"])
    }

    @Test func refusals() {
        let orthogonal = edited("  weight_hh: {kind: gaussian, spectral_radius: 0.9}",
                                "  weight_hh: {kind: gaussian, spectral_radius: 0.9}\n  weight_ln: {kind: orthogonal}", in: lnYAML)
        let e1 = loadError(orthogonal)
        #expect(e1?.message.contains("init.weight_ln") == true && e1?.message.contains("does not apply to the layer-norm gain") == true)
        #expect(e1?.description.contains("exp.yaml:7:") == true)
        let onRNN = edited("  weight_hh: {kind: gaussian, spectral_radius: 0.9}",
                           "  weight_hh: {kind: gaussian, spectral_radius: 0.9}\n  bias_ln: {kind: zeros}")
        let e2 = loadError(onRNN)
        #expect(e2?.message.contains("bias_ln is an lnrnn cell's layer-norm shift b; model.cell is rnn") == true)
        let typo = edited("  weight_hh: {kind: gaussian, spectral_radius: 0.9}",
                          "  weight_hh: {kind: gaussian, spectral_radius: 0.9}\n  weight_lnn: {kind: zeros}", in: lnYAML)
        #expect(loadError(typo)?.message.contains("did you mean 'weight_ln'") == true)
    }
}
