import Linalg

/// PyTorch's state-dict names for a one-layer recurrent model with a linear head.
public enum ParameterName {
    public static let weightIH = "weight_ih_l0"
    public static let weightHH = "weight_hh_l0"
    public static let biasIH = "bias_ih_l0"
    public static let biasHH = "bias_hh_l0"
    public static let headWeight = "head.weight"
    public static let headBias = "head.bias"
    /// All names in state-dict order.
    public static let stateDictOrder = [weightIH, weightHH, biasIH, biasHH, headWeight, headBias]
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

    /// sqrt(Σ over tensors ‖T‖_F²), the global norm used by clipping (scaled: no spurious overflow).
    public var globalNorm: Double {
        let norms = tensors.map(\.frobeniusNorm)
        let m = norms.max() ?? 0
        guard m > 0, m.isFinite else { return m }
        return m * norms.reduce(0) { $0 + ($1 / m) * ($1 / m) }.squareRoot()
    }

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
