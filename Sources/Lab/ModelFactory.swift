import Initializers
import Linalg
import Recurrent
import Sweeps

extension ExperimentSpec {
    /// The model of a configuration: each parameter from its `init:` spec (default `pytorch-default`),
    /// gate blocks initialised one by one (`InitSpec.make(layout:hidden:cols:rng:)`). Stacked and
    /// bidirectional models (`model.layers`, `model.bidirectional`) use the same spec for every layer and
    /// direction, each drawn from its own stream `init.weight_hh_l2_reverse`, …; layer 0's forward
    /// tensors keep the single-layer streams `init.weight_hh`, …, so adding layers leaves them unchanged.
    /// A `forget_bias` on either LSTM bias sets the forget gate's *total* bias b_ih + b_hh of every layer
    /// (`InitSpec.applyForgetBias`: the b_ih block to c, the b_hh block to 0). With `headSize` O, a linear
    /// read-out `head.weight` (O × dirs·H) and `head.bias` (O × 1) follows, PyTorch's `nn.Linear` default
    /// U(−1/√fan_in, 1/√fan_in) from the stream `init.head`. An IndRNN's `weight_hh` is its vector u
    /// (`InitSpec.makeRecurrentVector`). An LRU (`model.cell: lru`, `hidden` = N complex units, state 2N)
    /// takes `init.lambda` (`InitSpec.makeLRU`) in every layer and direction (streams `init.lambda`,
    /// `init.lambda_l1`, `init.lambda_l0_reverse`, …; layer ℓ reads D_ℓ = dirs^ℓ·D values) and a head
    /// reading the top read-outs y_t (O × dirs·D_{L−1}).
    /// An LN-RNN's layer-norm gain `weight_ln` and shift `bias_ln` (with `model.bias`) are 1 and 0 unless
    /// `init.weight_ln` / `init.bias_ln` say otherwise (streams `init.weight_ln`, `init.bias_ln`, suffixed
    /// per layer as the others).
    public func makeModel(_ random: RandomStream, headSize: Int? = nil) throws -> RecurrentModel {
        let spec = self
        let h = spec.model.hidden, d = spec.model.input
        let layout = spec.model.cell, cell = CellKind(layout, activation: spec.model.activation)
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
        if layout == .lru {
            // LRU layers of N = hidden complex units (state 2N) from `init.lambda` (default: ring 0 … 0.99, phases 0 … 2π);
            // layer ℓ reads the read-outs of layer ℓ − 1, D_ℓ = dirs·D_{ℓ−1} (the schema bounds the widths).
            var width = d
            for layer in 0..<spec.model.layers {
                if layer > 0 { width *= dirs }
                for reverse in dirs == 2 ? [false, true] : [false] {
                    let suffix = layer == 0 && !reverse ? "" : "_l\(layer)" + (reverse ? "_reverse" : "")
                    var r = random.split("init.lambda" + suffix)
                    pairs += try (inits.lambda ?? InitSpec(kind: .ring)).makeLRU(units: h, inputSize: width, rng: &r).named(layer: layer, reverse: reverse)
                }
            }
            if let o = headSize {
                var r = random.split("init.head")
                let top = dirs * width, k = 1 / Double(top).squareRoot()
                pairs.append((ParameterName.headWeight, r.uniformMatrix(rows: o, cols: top, -k, k)))
                if spec.model.bias { pairs.append((ParameterName.headBias, r.uniformMatrix(rows: o, cols: 1, -k, k))) }
            }
            return try RecurrentModel(cell: cell, parameters: ParameterSet(pairs))
        }
        for layer in 0..<spec.model.layers {
            for reverse in dirs == 2 ? [false, true] : [false] {
                let suffix = layer == 0 && !reverse ? "" : "_l\(layer)" + (reverse ? "_reverse" : "")
                pairs.append((ParameterName.weightIH(layer: layer, reverse: reverse),
                              try weight("weight_ih" + suffix, inits.weightIH, cols: layer == 0 ? d : dirs * h)))
                if layout.hasDiagonalRecurrence {
                    // IndRNN: weight_hh is the vector u (H × 1), `InitSpec.makeRecurrentVector`.
                    var r = random.split("init.weight_hh" + suffix)
                    let u = try (inits.weightHH ?? fallback).makeRecurrentVector(hidden: h, rng: &r)
                    pairs.append((ParameterName.weightHH(layer: layer, reverse: reverse), try Matrix(rows: h, cols: 1, elements: u)))
                } else {
                    pairs.append((ParameterName.weightHH(layer: layer, reverse: reverse), try weight("weight_hh" + suffix, inits.weightHH, cols: h)))
                }
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
                if layout.hasLayerNorm {
                    let gain = try inits.weightLN.map { try bias("weight_ln" + suffix, $0) } ?? [Double](repeating: 1, count: h)
                    pairs.append((ParameterName.weightLN(layer: layer, reverse: reverse), try Matrix(rows: h, cols: 1, elements: gain)))
                    if spec.model.bias {
                        let shift = try inits.biasLN.map { try bias("bias_ln" + suffix, $0) } ?? [Double](repeating: 0, count: h)
                        pairs.append((ParameterName.biasLN(layer: layer, reverse: reverse), try Matrix(rows: h, cols: 1, elements: shift)))
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
}
