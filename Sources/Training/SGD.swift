import Linalg

/// torch.optim.SGD (defaults lr = 1e-3, momentum = 0, dampening = 0, weight_decay = 0, nesterov = false):
///
///     g ← g + λ·p                                  (weight decay λ)
///     b ← g at the first step, else μ·b + (1 − τ)·g (momentum μ, dampening τ)
///     g ← g + μ·b if Nesterov, else b               (when μ ≠ 0)
///     p ← p − lr·g
public struct SGD: Optimizer {
    public var learningRate: Double
    public let momentum: Double
    public let dampening: Double
    public let weightDecay: Double
    public let nesterov: Bool
    private var buffers: [[Double]]? = nil

    public init(learningRate: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                weightDecay: Double = 0, nesterov: Bool = false) throws {
        try requireHyperparameters("SGD", [("learning rate", learningRate, learningRate >= 0),
                                           ("momentum", momentum, momentum >= 0),
                                           ("weight decay", weightDecay, weightDecay >= 0)])
        guard !nesterov || (momentum > 0 && dampening == 0) else {
            throw OptimizerError.invalid("SGD: Nesterov momentum requires a momentum > 0 and zero dampening")
        }
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    public mutating func step(_ parameters: inout [Matrix], gradients: [Matrix]) throws {
        try checkShapes(parameters, gradients, buffers?.count)
        let first = buffers == nil
        if first { buffers = zeroState(like: gradients) }
        updateElementwise(&parameters, gradients, weightDecay: weightDecay) { i, k, d, p in
            var d = d
            if momentum != 0 {
                let b = first ? d : momentum * buffers![i][k] + (1 - dampening) * d
                buffers![i][k] = b
                d = nesterov ? d + momentum * b : b
            }
            return p - learningRate * d
        }
    }
}
