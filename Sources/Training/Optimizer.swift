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

/// A problem with an optimizer: a hyperparameter PyTorch would reject (`invalid`), or a gradient
/// list that does not match the parameters (`mismatch`).
public enum OptimizerError: Error, CustomStringConvertible, Equatable {
    case mismatch(String)
    case invalid(String)
    public var description: String {
        switch self {
        case .mismatch(let detail), .invalid(let detail): "optimizer: \(detail)"
        }
    }
}

/// PyTorch's hyperparameter checks (`Invalid learning rate: …`): each value must satisfy its range.
func requireHyperparameters(_ optimizer: String, _ checks: [(name: String, value: Double, valid: Bool)]) throws {
    for c in checks where !c.valid || c.value.isNaN {
        throw OptimizerError.invalid("\(optimizer): invalid \(c.name) \(c.value)")
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

/// Per-index optimizer state: one zero buffer per gradient tensor.
func zeroState(like gradients: [Matrix]) -> [[Double]] {
    gradients.map { [Double](repeating: 0, count: $0.count) }
}

/// The element loop every optimizer shares: for each element k of tensor i, d = g + λ·p (weight decay as
/// torch.optim adds it to the gradient), and the element becomes `update(i, k, d, p)`.
@inline(__always) func updateElementwise(_ parameters: inout [Matrix], _ gradients: [Matrix], weightDecay: Double,
                                         _ update: (_ tensor: Int, _ index: Int, _ d: Double, _ p: Double) -> Double) {
    for i in parameters.indices {
        gradients[i].withUnsafeBufferPointer { g in
            parameters[i].withUnsafeMutableBufferPointer { p in
                for k in p.indices {
                    var d = g[k]
                    if weightDecay != 0 { d += weightDecay * p[k] }
                    p[k] = update(i, k, d, p[k])
                }
            }
        }
    }
}

/// torch.lerp on CPU: start + w·(end − start) for |w| < 0.5, else end − (end − start)·(1 − w).
@inline(__always) func lerp(_ start: Double, _ end: Double, _ w: Double) -> Double {
    abs(w) < 0.5 ? start + w * (end - start) : end - (end - start) * (1 - w)
}
