import Foundation
import Linalg

/// A first-order optimizer over a model's parameters, in PyTorch's update equations.
///
/// Convention shared with the recurrent core: a model's parameters are an ordered `[Matrix]`
/// (PyTorch state-dict order; a bias of length n is an n×1 matrix) and gradients come in the same
/// order with the same shapes. State (momentum buffers, moment estimates) is kept per index and
/// created lazily at the first step, so the parameter list must keep its order and shapes.
/// `learningRate` is read at every step, so a schedule can change it between steps.
public protocol Optimizer: Sendable {
    var learningRate: Double { get set }
    /// One update p_i ← p_i − (step of g_i) for every index i.
    mutating func step(_ parameters: inout [Matrix], gradients: [Matrix]) throws
}

/// A problem with an optimizer call, e.g. a gradient list that does not match the parameters.
public enum OptimizerError: Error, CustomStringConvertible, Equatable {
    case mismatch(String)
    public var description: String {
        switch self { case .mismatch(let detail): "optimizer: \(detail)" }
    }
}

func checkShapes(_ parameters: [Matrix], _ gradients: [Matrix], _ state: Int?) throws {
    guard parameters.count == gradients.count else {
        throw OptimizerError.mismatch("\(parameters.count) parameters but \(gradients.count) gradients")
    }
    for (i, (p, g)) in zip(parameters, gradients).enumerated() where p.rows != g.rows || p.cols != g.cols {
        throw OptimizerError.mismatch("parameter \(i) is \(p.shapeDescription) but its gradient is \(g.shapeDescription)")
    }
    if let n = state, n != parameters.count {
        throw OptimizerError.mismatch("state holds \(n) parameters but the step got \(parameters.count)")
    }
}

/// torch.lerp on CPU: start + w·(end − start) for |w| < 0.5, else end − (end − start)·(1 − w).
@inline(__always) func lerp(_ start: Double, _ end: Double, _ w: Double) -> Double {
    abs(w) < 0.5 ? start + w * (end - start) : end - (end - start) * (1 - w)
}

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
        guard !nesterov || (momentum > 0 && dampening == 0) else {
            throw OptimizerError.mismatch("Nesterov momentum requires a momentum > 0 and zero dampening")
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
        if first { buffers = gradients.map { [Double](repeating: 0, count: $0.count) } }
        for i in parameters.indices {
            gradients[i].withUnsafeBufferPointer { g in
                parameters[i].withUnsafeMutableBufferPointer { p in
                    for k in p.indices {
                        var d = g[k]
                        if weightDecay != 0 { d += weightDecay * p[k] }
                        if momentum != 0 {
                            let b = first ? d : momentum * buffers![i][k] + (1 - dampening) * d
                            buffers![i][k] = b
                            d = nesterov ? d + momentum * b : b
                        }
                        p[k] -= learningRate * d
                    }
                }
            }
        }
    }
}

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
                weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false) {
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
            let zeros = gradients.map { [Double](repeating: 0, count: $0.count) }
            squareAverages = zeros
            gradientAverages = centered ? zeros : []
            buffers = momentum > 0 ? zeros : []
        }
        for i in parameters.indices {
            gradients[i].withUnsafeBufferPointer { g in
                parameters[i].withUnsafeMutableBufferPointer { p in
                    for k in p.indices {
                        var d = g[k]
                        if weightDecay != 0 { d += weightDecay * p[k] }
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
                        if momentum > 0 {
                            let b = momentum * buffers[i][k] + d / avg
                            buffers[i][k] = b
                            p[k] -= learningRate * b
                        } else {
                            p[k] -= learningRate * d / avg
                        }
                    }
                }
            }
        }
    }
}

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
                epsilon: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false) {
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
            let zeros = gradients.map { [Double](repeating: 0, count: $0.count) }
            firstMoments = zeros
            secondMoments = zeros
            maxSecondMoments = amsgrad ? zeros : []
        }
        stepCount += 1
        let s = Double(stepCount)
        let stepSize = learningRate / (1 - Foundation.pow(beta1, s))
        let correction2Root = (1 - Foundation.pow(beta2, s)).squareRoot()
        for i in parameters.indices {
            gradients[i].withUnsafeBufferPointer { g in
                parameters[i].withUnsafeMutableBufferPointer { p in
                    for k in p.indices {
                        var d = g[k]
                        if weightDecay != 0 { d += weightDecay * p[k] }
                        let m = lerp(firstMoments![i][k], d, 1 - beta1)
                        firstMoments![i][k] = m
                        let v = beta2 * secondMoments[i][k] + (1 - beta2) * d * d
                        secondMoments[i][k] = v
                        var vHat = v
                        if amsgrad {
                            vHat = max(maxSecondMoments[i][k], v)
                            maxSecondMoments[i][k] = vHat
                        }
                        p[k] -= stepSize * m / (vHat.squareRoot() / correction2Root + epsilon)
                    }
                }
            }
        }
    }
}

