import Foundation
import Linalg

/// The element-wise nonlinearity φ of a vanilla (Elman) cell, h_t = φ(z_t).
///
/// Derivatives follow PyTorch's autograd at the kinks: relu'(0) = 0 (`threshold_backward` passes
/// the gradient only where z > 0), leaky-relu'(0) = α (`leaky_relu_backward` uses z > 0 ? 1 : α).
public enum Activation: Sendable, Equatable, CustomStringConvertible {
    case tanh
    case sigmoid
    case relu
    case linear
    /// max(z, 0) + α·min(z, 0).
    case leakyRelu(alpha: Double)

    /// The default slope of `leaky-relu` when none is given (PyTorch's `negative_slope`).
    public static let defaultLeakySlope = 0.01

    /// Parses `tanh`, `sigmoid`, `relu`, `linear`, `leaky-relu` (slope `alpha`); nil for anything else.
    public init?(name: String, alpha: Double = Activation.defaultLeakySlope) {
        switch name {
        case "tanh": self = .tanh
        case "sigmoid": self = .sigmoid
        case "relu": self = .relu
        case "linear", "identity": self = .linear
        case "leaky-relu", "leaky_relu", "leakyrelu": self = .leakyRelu(alpha: alpha)
        default: return nil
        }
    }

    /// The names accepted by `init(name:)`, for help texts.
    public static let names = ["tanh", "sigmoid", "relu", "linear", "leaky-relu"]

    /// The command-line / metadata name.
    public var name: String {
        switch self {
        case .tanh: "tanh"
        case .sigmoid: "sigmoid"
        case .relu: "relu"
        case .linear: "linear"
        case .leakyRelu: "leaky-relu"
        }
    }

    public var description: String {
        if case .leakyRelu(let a) = self { return "leaky-relu(\(a))" }
        return name
    }

    /// φ(z).
    @inlinable
    public func value(_ z: Double) -> Double {
        switch self {
        case .tanh: Foundation.tanh(z)
        case .sigmoid: logistic(z)
        case .relu: z > 0 ? z : 0
        case .linear: z
        case .leakyRelu(let a): z > 0 ? z : a * z
        }
    }

    /// h[k] = φ(z[k]) for k < count (h may equal z). tanh is vectorised (Linalg's `vectorTanh`, the C
    /// kernel, ≤ 2 ulp from libm); the other activations apply `value(_:)` element by element.
    public func apply(_ z: UnsafePointer<Double>, into h: UnsafeMutablePointer<Double>, count: Int) {
        if case .tanh = self { return vectorTanh(z, into: h, count: count) }
        for k in 0..<count { h[k] = value(z[k]) }
    }

    /// φ'(z), given z and h = φ(z) (tanh and sigmoid use h: 1 − h², h(1 − h)).
    @inlinable
    public func derivative(z: Double, h: Double) -> Double {
        switch self {
        case .tanh: 1 - h * h
        case .sigmoid: h * (1 - h)
        case .relu: z > 0 ? 1 : 0
        case .linear: 1
        case .leakyRelu(let a): z > 0 ? 1 : a
        }
    }

    /// γ = sup|φ'(z)|, the constant in Pascanu et al.'s bound (tanh 1, sigmoid 1/4, relu and linear 1,
    /// leaky-relu max(1, |α|)).
    public var derivativeBound: Double {
        switch self {
        case .tanh, .relu, .linear: 1
        case .sigmoid: 0.25
        case .leakyRelu(let a): Swift.max(1, abs(a))
        }
    }
}

/// σ(z) = 1 / (1 + e^(−z)), evaluated without overflow for large |z|.
@inlinable
public func logistic(_ z: Double) -> Double {
    if z >= 0 { return 1 / (1 + exp(-z)) }
    let e = exp(z)
    return e / (1 + e)
}
