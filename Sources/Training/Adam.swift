import Foundation
import Linalg

/// torch.optim.Adam (defaults lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0,
/// amsgrad = false), step count s starting at 1:
///
///     g ← g + λ·p
///     m ← lerp(m, g, 1 − β1);  v ← β2·v + (1 − β2)·g²
///     v̂ ← max(v̂, v) if amsgrad, else v̂ = v
///     p ← p − (lr/(1 − β1^s))·m / (sqrt(v̂)/sqrt(1 − β2^s) + ε)
public struct Adam: Optimizer {
    public var learningRate: Double
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Double
    public let amsgrad: Bool
    /// Steps taken so far.
    public private(set) var stepCount = 0
    private var firstMoments: [[Double]]? = nil
    private var secondMoments: [[Double]] = []
    private var maxSecondMoments: [[Double]] = []

    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false) throws {
        try requireHyperparameters("Adam", [("learning rate", learningRate, learningRate >= 0),
                                            ("epsilon", epsilon, epsilon >= 0),
                                            ("beta1", beta1, beta1 >= 0 && beta1 < 1),
                                            ("beta2", beta2, beta2 >= 0 && beta2 < 1),
                                            ("weight decay", weightDecay, weightDecay >= 0)])
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
    }

    public mutating func step(_ parameters: inout [Matrix], gradients: [Matrix]) throws {
        try checkShapes(parameters, gradients, firstMoments?.count)
        if firstMoments == nil {
            let zeros = zeroState(like: gradients)
            firstMoments = zeros
            secondMoments = zeros
            maxSecondMoments = amsgrad ? zeros : []
        }
        stepCount += 1
        let s = Double(stepCount)
        let stepSize = learningRate / (1 - Foundation.pow(beta1, s))
        let correction2Root = (1 - Foundation.pow(beta2, s)).squareRoot()
        updateElementwise(&parameters, gradients, weightDecay: weightDecay) { i, k, d, p in
            let m = lerp(firstMoments![i][k], d, 1 - beta1)
            firstMoments![i][k] = m
            let v = beta2 * secondMoments[i][k] + (1 - beta2) * d * d
            secondMoments[i][k] = v
            var vHat = v
            if amsgrad {
                vHat = max(maxSecondMoments[i][k], v)
                maxSecondMoments[i][k] = vHat
            }
            return p - stepSize * m / (vHat.squareRoot() / correction2Root + epsilon)
        }
    }
}
