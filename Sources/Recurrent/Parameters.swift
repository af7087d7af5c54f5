import Foundation
import Linalg

/// PyTorch's state-dict names for a recurrent model with a linear head. The constants name layer 0's
/// forward direction; the functions name any layer and direction.
public enum ParameterName {
    public static let weightIH = "weight_ih_l0"
    public static let weightHH = "weight_hh_l0"
    public static let biasIH = "bias_ih_l0"
    public static let biasHH = "bias_hh_l0"
    public static let headWeight = "head.weight"
    public static let headBias = "head.bias"
    /// All names in state-dict order.
    public static let stateDictOrder = [weightIH, weightHH, biasIH, biasHH, headWeight, headBias]

    /// `weight_ih_l{layer}`, with `_reverse` for the backward direction of a bidirectional layer.
    public static func weightIH(layer: Int, reverse: Bool = false) -> String { cellName("weight_ih", layer, reverse) }
    /// `weight_hh_l{layer}[_reverse]`.
    public static func weightHH(layer: Int, reverse: Bool = false) -> String { cellName("weight_hh", layer, reverse) }
    /// `bias_ih_l{layer}[_reverse]`.
    public static func biasIH(layer: Int, reverse: Bool = false) -> String { cellName("bias_ih", layer, reverse) }
    /// `bias_hh_l{layer}[_reverse]`.
    public static func biasHH(layer: Int, reverse: Bool = false) -> String { cellName("bias_hh", layer, reverse) }
    /// `weight_ln_l{layer}[_reverse]`: an LN-RNN's layer-norm gain g (H), `nn.LayerNorm.weight`.
    public static func weightLN(layer: Int, reverse: Bool = false) -> String { cellName("weight_ln", layer, reverse) }
    /// `bias_ln_l{layer}[_reverse]`: an LN-RNN's layer-norm shift b (H), `nn.LayerNorm.bias`.
    public static func biasLN(layer: Int, reverse: Bool = false) -> String { cellName("bias_ln", layer, reverse) }

    private static func cellName(_ stem: String, _ layer: Int, _ reverse: Bool) -> String {
        "\(stem)_l\(layer)" + (reverse ? "_reverse" : "")
    }

    /// PyTorch's state-dict order for `nn.RNN/LSTM/GRU(num_layers: layers, bidirectional:)` followed by
    /// the head: per layer, per direction (forward, then `_reverse`), W_ih, W_hh, b_ih, b_hh (and, with
    /// `layerNorm`, an LN-RNN's g and b: `weight_ln`, `bias_ln`).
    public static func stateDictOrder(layers: Int, bidirectional: Bool, layerNorm: Bool = false) -> [String] {
        var names: [String] = []
        for layer in 0..<layers {
            for reverse in bidirectional ? [false, true] : [false] {
                names += [weightIH(layer: layer, reverse: reverse), weightHH(layer: layer, reverse: reverse),
                          biasIH(layer: layer, reverse: reverse), biasHH(layer: layer, reverse: reverse)]
                if layerNorm { names += [weightLN(layer: layer, reverse: reverse), biasLN(layer: layer, reverse: reverse)] }
            }
        }
        return names + [headWeight, headBias]
    }

    /// The name prefixes of the recurrent modules among `names`, in file order: `""` for a bare
    /// `nn.RNN/LSTM/GRU` state dict, `"rnn."` for `rnn.weight_hh_l0` in a whole model's.
    public static func recurrentModules(in names: [String]) -> [String] {
        names.filter { $0.hasSuffix(weightHH) }.map { String($0.dropLast(weightHH.count)) }
            .filter { $0.isEmpty || $0.hasSuffix(".") }
    }

    /// The (layers, bidirectional) that a set of names implies: layers = 1 + the largest `_l{ℓ}` index,
    /// bidirectional when any name ends in `_reverse`. Names that do not parse count as layer 0.
    public static func architecture(of names: [String]) -> (layers: Int, bidirectional: Bool) {
        var top = 0, reverse = false
        for name in names where name.hasPrefix("weight_") || name.hasPrefix("bias_") {
            var rest = Substring(name)
            if rest.hasSuffix("_reverse") { reverse = true; rest = rest.dropLast("_reverse".count) }
            guard let r = rest.range(of: "_l", options: .backwards), let l = Int(rest[r.upperBound...]), l >= 0, l < 10_000 else { continue }
            top = max(top, l)
        }
        return (top + 1, reverse)
    }
}

/// An ordered collection of named Float64 tensors: a model's parameters, or their gradients.
///
/// Convention shared by every GradLab module: each tensor is a `Matrix` (a bias of length n is an
/// n×1 matrix), kept in PyTorch's state-dict order, so an optimizer can work on `tensors` by index
/// and a gradient (same names, same shapes, same order) lines up with its parameter.
public struct ParameterSet: Sendable, Equatable {
    /// The names, in order.
    public let names: [String]
    /// The tensors, in the order of `names`. Setting replaces all of them; the count must not change.
    public var tensors: [Matrix] {
        didSet { precondition(tensors.count == names.count, "ParameterSet: \(tensors.count) tensors for \(names.count) names") }
    }

    /// A set from (name, tensor) pairs; names must be distinct.
    public init(_ pairs: [(String, Matrix)]) {
        precondition(Set(pairs.map(\.0)).count == pairs.count, "ParameterSet: duplicate names in \(pairs.map(\.0))")
        names = pairs.map(\.0)
        tensors = pairs.map(\.1)
    }

    /// Zero tensors with the names and shapes of `other` (e.g. a gradient accumulator).
    public init(zerosLike other: ParameterSet) {
        names = other.names
        tensors = other.tensors.map { Matrix(rows: $0.rows, cols: $0.cols) }
    }

    public var count: Int { names.count }

    /// The position of `name`, or nil.
    public func index(of name: String) -> Int? { names.firstIndex(of: name) }

    /// The tensor called `name` (nil if absent). Setting an absent name is a programming error.
    public subscript(name: String) -> Matrix? {
        get { index(of: name).map { tensors[$0] } }
        set {
            guard let i = index(of: name), let v = newValue else {
                preconditionFailure("ParameterSet: cannot set '\(name)' (absent, or nil)")
            }
            tensors[i] = v
        }
    }

    /// (name, tensor) pairs in order.
    public var pairs: [(name: String, tensor: Matrix)] { Array(zip(names, tensors)) }

    /// The total number of scalars.
    public var scalarCount: Int { tensors.reduce(0) { $0 + $1.count } }

    /// √(Σ over tensors ‖T‖_F²), the global norm used by clipping (Linalg's `globalNorm`).
    public var globalNorm: Double { Linalg.globalNorm(tensors) }

    /// Element-wise `self + alpha·other`; the names and shapes must match.
    public func adding(_ other: ParameterSet, scaledBy alpha: Double = 1) throws -> ParameterSet {
        guard names == other.names else {
            throw LinalgError.shapeMismatch(operation: "ParameterSet.adding", detail: "names \(names) vs \(other.names)")
        }
        var r = self
        for i in tensors.indices { r.tensors[i] = try tensors[i].adding(other.tensors[i], scaledBy: alpha) }
        return r
    }
}
