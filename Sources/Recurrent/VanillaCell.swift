import Linalg

/// The Elman cell h_t = φ(z_t), z_t = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh (PyTorch `nn.RNN`,
/// which offers φ ∈ {tanh, relu}; GradLab adds sigmoid, linear and leaky-relu).
///
/// Cache per row: z_t (H). One-step Jacobian J_t = diag(φ'(z_t))·W_hh.
public struct VanillaCell: RecurrentCell {
    public let weights: CellWeights
    public let activation: Activation

    public init(weights: CellWeights, activation: Activation) {
        precondition(weights.gateCount == 1)
        self.weights = weights
        self.activation = activation
    }

    public var stateSize: Int { weights.hiddenSize }
    public var cacheWidth: Int { weights.hiddenSize }
    public var hiddenPreactivationGradientIsInputGradient: Bool { true }

    public func pointwiseForward(batch: Int, zx: UnsafePointer<Double>, zh: UnsafePointer<Double>,
                                 previous: UnsafePointer<Double>, next: UnsafeMutablePointer<Double>,
                                 cache: UnsafeMutablePointer<Double>) {
        let n = batch * hiddenSize
        for k in 0..<n { cache[k] = zx[k] + zh[k] }
        activation.apply(cache, into: next, count: n)
    }

    public func pointwiseBackward(batch: Int, dState: UnsafePointer<Double>, cache: UnsafePointer<Double>,
                                  previous: UnsafePointer<Double>, next: UnsafePointer<Double>,
                                  dzx: UnsafeMutablePointer<Double>, dzh: UnsafeMutablePointer<Double>,
                                  dPrevious: UnsafeMutablePointer<Double>) {
        let n = batch * hiddenSize, phi = activation
        if case .tanh = phi {
            // φ' = 1 − h², as `derivative(z:h:)`; a loop of its own so that it vectorises.
            for k in 0..<n { let h = next[k]; dzx[k] = dState[k] * (1 - h * h) }
        } else {
            for k in 0..<n { dzx[k] = dState[k] * phi.derivative(z: cache[k], h: next[k]) }
        }
        dPrevious.update(repeating: 0, count: n)
    }

    public func jacobianFromCache(_ s: UnsafePointer<Double>, into j: UnsafeMutablePointer<Double>, workspace: CellWorkspace) {
        let h = hiddenSize, phi = activation
        weights.hiddenWeight.withUnsafeBufferPointer { w in
            for a in 0..<h {
                let d = phi.derivative(z: workspace.cache[a], h: workspace.next[a])
                for b in 0..<h { j[a * h + b] = d * w[a * h + b] }
            }
        }
    }
}
