import Foundation
import Linalg

/// Which cell a model uses.
public enum CellKind: Sendable, Equatable, CustomStringConvertible {
    case rnn(Activation)
    case lstm
    case gru

    /// G, the number of stacked gate blocks in W_ih and W_hh (1, 4, 3).
    public var gateCount: Int {
        switch self {
        case .rnn: 1
        case .lstm: 4
        case .gru: 3
        }
    }

    /// `rnn`, `lstm` or `gru`.
    public var name: String {
        switch self {
        case .rnn: "rnn"
        case .lstm: "lstm"
        case .gru: "gru"
        }
    }

    public var description: String {
        if case .rnn(let a) = self { return "rnn(\(a))" }
        return name
    }
}

/// An error in a model, its inputs or its targets, phrased for the user.
public struct RecurrentError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A one-layer recurrent network with an optional linear head, parameters named and laid out as
/// PyTorch's: `weight_ih_l0` (G·H × D), `weight_hh_l0` (G·H × H), optional `bias_ih_l0`,
/// `bias_hh_l0` (G·H × 1; absent = zero), optional `head.weight` (O × H) with optional `head.bias`
/// (O × 1). Without a head the outputs are the hidden states themselves (O = H).
public struct RecurrentModel: Sendable {
    public let cell: CellKind
    /// D.
    public let inputSize: Int
    /// H.
    public let hiddenSize: Int
    /// O when there is a head.
    public let headSize: Int?
    /// The parameters in state-dict order; gradients come back with the same names and order.
    public private(set) var parameters: ParameterSet

    /// Validates names and shapes; a 1-D bias may be given as n×1 or 1×n (stored as n×1).
    /// Unknown names, missing weights, wrong shapes and non-finite values are errors naming the tensor.
    public init(cell: CellKind, parameters: ParameterSet) throws {
        let known = Set(ParameterName.stateDictOrder)
        if let unknown = parameters.names.first(where: { !known.contains($0) }) {
            throw RecurrentError("unknown parameter '\(unknown)' (expected names: \(ParameterName.stateDictOrder.joined(separator: ", ")))")
        }
        guard let wih = parameters[ParameterName.weightIH] else { throw RecurrentError("missing parameter '\(ParameterName.weightIH)'") }
        guard let whh = parameters[ParameterName.weightHH] else { throw RecurrentError("missing parameter '\(ParameterName.weightHH)'") }
        let g = cell.gateCount
        guard whh.rows > 0, whh.rows == g * whh.cols else {
            throw RecurrentError("'\(ParameterName.weightHH)' is \(whh.shapeDescription), but a \(cell.name) cell needs \(g)·H × H")
        }
        let h = whh.cols
        guard wih.rows == g * h, wih.cols > 0 else {
            throw RecurrentError("'\(ParameterName.weightIH)' is \(wih.shapeDescription), but '\(ParameterName.weightHH)' implies \(g * h) × D for a \(cell.name) cell with H = \(h)")
        }
        func vector(_ name: String, _ n: Int) throws -> Matrix? {
            guard let m = parameters[name] else { return nil }
            guard m.count == n, m.rows == 1 || m.cols == 1 else {
                throw RecurrentError("'\(name)' is \(m.shapeDescription), expected \(n) values")
            }
            return try Matrix(rows: n, cols: 1, elements: m.elements)
        }
        var pairs: [(String, Matrix)] = [(ParameterName.weightIH, wih), (ParameterName.weightHH, whh)]
        if let b = try vector(ParameterName.biasIH, g * h) { pairs.append((ParameterName.biasIH, b)) }
        if let b = try vector(ParameterName.biasHH, g * h) { pairs.append((ParameterName.biasHH, b)) }
        var o: Int?
        if let hw = parameters[ParameterName.headWeight] {
            guard hw.cols == h, hw.rows > 0 else {
                throw RecurrentError("'\(ParameterName.headWeight)' is \(hw.shapeDescription), expected O × \(h)")
            }
            o = hw.rows
            pairs.append((ParameterName.headWeight, hw))
            if let hb = try vector(ParameterName.headBias, hw.rows) { pairs.append((ParameterName.headBias, hb)) }
        } else if parameters[ParameterName.headBias] != nil {
            throw RecurrentError("'\(ParameterName.headBias)' is given without '\(ParameterName.headWeight)'")
        }
        for (name, m) in pairs where !m.isFinite {
            throw RecurrentError("'\(name)' contains NaN or infinite values")
        }
        self.cell = cell
        inputSize = wih.cols
        hiddenSize = h
        headSize = o
        self.parameters = ParameterSet(pairs)
    }

    /// PyTorch's default initialisation: every tensor U(−1/√H, 1/√H) (the head U(−1/√H, 1/√H) too,
    /// like `nn.Linear(H, O)`), drawn in state-dict order from `rng`.
    public static func initialized(cell: CellKind, inputSize: Int, hiddenSize: Int, headSize: Int?,
                                   bias: Bool = true, rng: inout RandomStream) throws -> RecurrentModel {
        guard inputSize > 0, hiddenSize > 0, headSize.map({ $0 > 0 }) ?? true else {
            throw RecurrentError("sizes must be positive (D = \(inputSize), H = \(hiddenSize), O = \(headSize.map(String.init) ?? "none"))")
        }
        let k = 1 / Double(hiddenSize).squareRoot(), gh = cell.gateCount * hiddenSize
        var pairs: [(String, Matrix)] = [
            (ParameterName.weightIH, rng.uniformMatrix(rows: gh, cols: inputSize, -k, k)),
            (ParameterName.weightHH, rng.uniformMatrix(rows: gh, cols: hiddenSize, -k, k)),
        ]
        if bias {
            pairs.append((ParameterName.biasIH, rng.uniformMatrix(rows: gh, cols: 1, -k, k)))
            pairs.append((ParameterName.biasHH, rng.uniformMatrix(rows: gh, cols: 1, -k, k)))
        }
        if let o = headSize {
            pairs.append((ParameterName.headWeight, rng.uniformMatrix(rows: o, cols: hiddenSize, -k, k)))
            if bias { pairs.append((ParameterName.headBias, rng.uniformMatrix(rows: o, cols: 1, -k, k))) }
        }
        return try RecurrentModel(cell: cell, parameters: ParameterSet(pairs))
    }

    /// Replaces the parameter values (same names and shapes, e.g. after an optimizer step).
    public mutating func setTensors(_ tensors: [Matrix]) throws {
        guard tensors.count == parameters.count,
              zip(tensors, parameters.tensors).allSatisfy({ $0.rows == $1.rows && $0.cols == $1.cols }) else {
            throw RecurrentError("setTensors: expected \(parameters.count) tensors with shapes \(parameters.tensors.map(\.shapeDescription))")
        }
        parameters.tensors = tensors
    }

    /// The length of the state: H, or 2H for LSTM ([h; c]).
    public var stateSize: Int { cell == .lstm ? 2 * hiddenSize : hiddenSize }
    /// The length of one output: O with a head, H without.
    public var outputSize: Int { headSize ?? hiddenSize }

    /// The cell's affine weights.
    public var cellWeights: CellWeights {
        CellWeights(gateCount: cell.gateCount,
                    inputWeight: parameters[ParameterName.weightIH]!,
                    hiddenWeight: parameters[ParameterName.weightHH]!,
                    inputBias: parameters[ParameterName.biasIH]?.elements,
                    hiddenBias: parameters[ParameterName.biasHH]?.elements)
    }

    /// The cell as a value conforming to `RecurrentCell` and `RecurrentMap` (for Diagnostics).
    public func makeCell() -> any RecurrentCell {
        switch cell {
        case .rnn(let a): VanillaCell(weights: cellWeights, activation: a)
        case .lstm: LSTMCell(weights: cellWeights)
        case .gru: GRUCell(weights: cellWeights)
        }
    }
}
