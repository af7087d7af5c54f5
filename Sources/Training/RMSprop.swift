import Linalg

/// torch.optim.RMSprop (defaults lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0,
/// momentum = 0, centered = false):
///
///     g ← g + λ·p
///     v ← α·v + (1 − α)·g²
///     ḡ ← lerp(ḡ, g, 1 − α);  a = sqrt(v − ḡ²) + ε   if centered, else a = sqrt(v) + ε
///     b ← μ·b + g/a;  p ← p − lr·b                      if μ > 0, else p ← p − lr·g/a
public struct RMSprop: Optimizer {
    public var learningRate: Double
    public let alpha: Double
    public let epsilon: Double
    public let weightDecay: Double
    public let momentum: Double
    public let centered: Bool
    private var squareAverages: [[Double]]? = nil
    private var gradientAverages: [[Double]] = []
    private var buffers: [[Double]] = []

    public init(learningRate: Double = 1e-2, alpha: Double = 0.99, epsilon: Double = 1e-8,
                weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false) throws {
        try requireHyperparameters("RMSprop", [("learning rate", learningRate, learningRate >= 0),
                                               ("epsilon", epsilon, epsilon >= 0),
                                               ("momentum", momentum, momentum >= 0),
                                               ("weight decay", weightDecay, weightDecay >= 0),
                                               ("alpha", alpha, alpha >= 0)])
        self.learningRate = learningRate
        self.alpha = alpha
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.momentum = momentum
        self.centered = centered
    }

    public mutating func step(_ parameters: inout [Matrix], gradients: [Matrix]) throws {
        try checkShapes(parameters, gradients, squareAverages?.count)
        if squareAverages == nil {
            let zeros = zeroState(like: gradients)
            squareAverages = zeros
            gradientAverages = centered ? zeros : []
            buffers = momentum > 0 ? zeros : []
        }
        updateElementwise(&parameters, gradients, weightDecay: weightDecay) { i, k, d, p in
            let v = alpha * squareAverages![i][k] + (1 - alpha) * d * d
            squareAverages![i][k] = v
            var avg: Double
            if centered {
                let m = lerp(gradientAverages[i][k], d, 1 - alpha)
                gradientAverages[i][k] = m
                avg = (v - m * m).squareRoot()
            } else {
                avg = v.squareRoot()
            }
            avg += epsilon
            guard momentum > 0 else { return p - learningRate * d / avg }
            let b = momentum * buffers[i][k] + d / avg
            buffers[i][k] = b
            return p - learningRate * b
        }
    }
}
