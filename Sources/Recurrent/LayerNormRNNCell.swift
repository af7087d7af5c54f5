import Foundation
import Linalg

/// The layer-normalised RNN of Ba, Kiros & Hinton (2016, §3.1, "Layer normalized recurrent neural
/// networks"): one layer normalisation of the summed pre-activation, then the gain, shift and φ:
///
///     a_t = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh                         (H)
///     μ_t = (1/H) Σ_i a_{t,i},   σ_t² = (1/H) Σ_i (a_{t,i} − μ_t)²        (biased variance)
///     n̂_t = (a_t − μ_t) / √(σ_t² + ε),   ε = 1e−5                          (`epsilon`)
///     y_t = g ⊙ n̂_t + b,   h_t = φ(y_t)
///
/// ε is added to the variance inside the root, as `torch.nn.LayerNorm` (default eps = 1e−5) and
/// TensorFlow Addons' `LayerNormSimpleRNNCell` (`layernorm_epsilon` = 1e−5) do; the paper writes
/// σ without ε. b_ih and b_hh are optional (absent = 0, as in the paper, where b is the shift after
/// the normalisation). Names as PyTorch's `nn.RNN` with `nn.LayerNorm`'s weight/bias per layer:
/// `weight_ih_l0` (H × D), `weight_hh_l0` (H × H), optional `bias_ih_l0`, `bias_hh_l0`,
/// `weight_ln_l0` = g (H), optional `bias_ln_l0` = b (H; absent = 0).
///
/// Cache per row (2H + 1): y_t (H, φ's argument, first as an Elman cell's z_t), n̂_t (H), 1/√(σ_t² + ε).
/// Backward: with δ = ∂L/∂h_t ⊙ φ'(y_t) and m = g ⊙ δ,
///     ∂L/∂a_t = (m − mean(m) − n̂_t·mean(m ⊙ n̂_t)) / √(σ_t² + ε),   ∂L/∂g += δ ⊙ n̂_t,   ∂L/∂b += δ.
/// One-step Jacobian (the normalisation's Jacobian included):
///     J_t = diag(φ'(y_t) ⊙ g) · (I − 11ᵀ/H − n̂_t n̂_tᵀ/H) / √(σ_t² + ε) · W_hh.
/// The projector removes the mean and (up to ε) the n̂_t direction: a change of h_{t−1} that shifts a_t
/// uniformly does not reach h_t; one that rescales a_t − μ_t reaches it only by the factor ε/(σ_t² + ε).
public struct LayerNormRNNCell: RecurrentCell {
    /// ε of the normalisation (inside the square root), PyTorch's and TF Addons' default.
    public static let epsilon = 1e-5

    public let weights: CellWeights
    public let activation: Activation
    /// g (H), the layer-norm gain (`weight_ln_l0`).
    public let gain: [Double]
    /// b (H), the layer-norm shift (`bias_ln_l0`; zeros when absent).
    public let shift: [Double]

    public init(weights: CellWeights, activation: Activation, gain: [Double], shift: [Double]?) {
        precondition(weights.gateCount == 1 && gain.count == weights.hiddenSize && (shift?.count ?? gain.count) == gain.count)
        self.weights = weights
        self.activation = activation
        self.gain = gain
        self.shift = shift ?? [Double](repeating: 0, count: gain.count)
    }

    public var stateSize: Int { weights.hiddenSize }
    public var cacheWidth: Int { 2 * weights.hiddenSize + 1 }
    public var hiddenPreactivationGradientIsInputGradient: Bool { true }
    /// g then b: 2H.
    public var ownParameterCount: Int { 2 * weights.hiddenSize }

    public func pointwiseForward(batch: Int, zx: UnsafePointer<Double>, zh: UnsafePointer<Double>,
                                 previous: UnsafePointer<Double>, next: UnsafeMutablePointer<Double>,
                                 cache: UnsafeMutablePointer<Double>) {
        let h = hiddenSize, cw = cacheWidth, n = Double(h)
        gain.withUnsafeBufferPointer { g in
            shift.withUnsafeBufferPointer { b in
                for row in 0..<batch {
                    let x = zx + row * h, r = zh + row * h, c = cache + row * cw
                    let y = c, nh = c + h
                    var mean = 0.0
                    for i in 0..<h { nh[i] = x[i] + r[i]; mean += nh[i] }
                    mean /= n
                    var variance = 0.0
                    for i in 0..<h { let v = nh[i] - mean; nh[i] = v; variance += v * v }
                    let inv = 1 / (variance / n + Self.epsilon).squareRoot()
                    c[2 * h] = inv
                    for i in 0..<h { nh[i] *= inv; y[i] = g[i] * nh[i] + b[i] }
                    activation.apply(y, into: next + row * h, count: h)
                }
            }
        }
    }

    public func pointwiseBackward(batch: Int, dState: UnsafePointer<Double>, cache: UnsafePointer<Double>,
                                  previous: UnsafePointer<Double>, next: UnsafePointer<Double>,
                                  dzx: UnsafeMutablePointer<Double>, dzh: UnsafeMutablePointer<Double>,
                                  dPrevious: UnsafeMutablePointer<Double>) {
        let h = hiddenSize, cw = cacheWidth, n = Double(h), phi = activation
        gain.withUnsafeBufferPointer { g in
            for row in 0..<batch {
                let c = cache + row * cw, nh = c + h, inv = c[2 * h]
                let ds = dState + row * h, hn = next + row * h, out = dzx + row * h
                var m1 = 0.0, m2 = 0.0
                for i in 0..<h {
                    let m = ds[i] * phi.derivative(z: c[i], h: hn[i]) * g[i]
                    out[i] = m
                    m1 += m
                    m2 += m * nh[i]
                }
                m1 /= n; m2 /= n
                for i in 0..<h {
                    out[i] = (out[i] - m1 - nh[i] * m2) * inv
                    dPrevious[row * h + i] = 0
                }
            }
        }
    }

    /// ∂L/∂g (first H) and ∂L/∂b (next H) of one step: Σ_rows δ ⊙ n̂ and Σ_rows δ, δ = ∂L/∂h ⊙ φ'(y).
    public func accumulateOwnParameterGradients(batch: Int, dState: UnsafePointer<Double>, cache: UnsafePointer<Double>,
                                                next: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let h = hiddenSize, cw = cacheWidth, phi = activation
        for row in 0..<batch {
            let c = cache + row * cw, ds = dState + row * h, hn = next + row * h
            for i in 0..<h {
                let delta = ds[i] * phi.derivative(z: c[i], h: hn[i])
                out[i] += delta * c[h + i]
                out[h + i] += delta
            }
        }
    }

    /// J = diag(φ'(y) ⊙ g) (I − 11ᵀ/H − n̂n̂ᵀ/H) W_hh / √(σ² + ε), row a: φ'_a g_a s (W[a, :] − c − n̂_a v)
    /// with c the column means of W_hh and v = n̂ᵀW_hh / H (scratch: the workspace's dzx and dzh).
    public func jacobianFromCache(_ s: UnsafePointer<Double>, into j: UnsafeMutablePointer<Double>, workspace: CellWorkspace) {
        let h = hiddenSize, n = Double(h), phi = activation
        let c = workspace.cache, nh = c + h, inv = c[2 * h]
        let colMean = workspace.dzx, proj = workspace.dzh
        weights.hiddenWeight.withUnsafeBufferPointer { w in
            for b in 0..<h { colMean[b] = 0; proj[b] = 0 }
            for a in 0..<h {
                for b in 0..<h { colMean[b] += w[a * h + b]; proj[b] += nh[a] * w[a * h + b] }
            }
            for b in 0..<h { colMean[b] /= n; proj[b] /= n }
            for a in 0..<h {
                let d = phi.derivative(z: c[a], h: workspace.next[a]) * gain[a] * inv
                for b in 0..<h { j[a * h + b] = d * (w[a * h + b] - colMean[b] - nh[a] * proj[b]) }
            }
        }
    }
}

extension RecurrentModel {
    /// The LN-RNN cell of layer `layer` and direction `reverse` (its gain and shift read from the parameters).
    func layerNormCell(layer: Int, reverse: Bool, activation: Activation) -> LayerNormRNNCell {
        // RecurrentModel's initializer guarantees weight_ln for every layer and direction of an lnrnn.
        LayerNormRNNCell(weights: cellWeights(layer: layer, reverse: reverse), activation: activation,
                         gain: parameters[ParameterName.weightLN(layer: layer, reverse: reverse)]?.elements
                             ?? [Double](repeating: 1, count: hiddenSize),
                         shift: parameters[ParameterName.biasLN(layer: layer, reverse: reverse)]?.elements)
    }

    /// The names of the parameters a cell owns beyond its affine weights, in the order of
    /// `RecurrentCell.ownParameterCount`'s blocks of H: LN-RNN `weight_ln`, `bias_ln`; none otherwise.
    func ownParameterNames(layer: Int, reverse: Bool) -> [String] {
        cell.family.hasLayerNorm ? [ParameterName.weightLN(layer: layer, reverse: reverse), ParameterName.biasLN(layer: layer, reverse: reverse)] : []
    }
}

extension ParameterSet {
    /// Adds the blocks of `values` (one block of `values.count / names.count` per name) to the tensors
    /// of those names that the set has (an absent `bias_ln` is skipped).
    mutating func accumulate(own values: [Double], names: [String]) throws {
        guard !names.isEmpty, !values.isEmpty else { return }
        let n = values.count / names.count
        for (k, name) in names.enumerated() {
            try accumulate(name, Matrix(rows: n, cols: 1, elements: Array(values[(k * n)..<((k + 1) * n)])))
        }
    }
}
