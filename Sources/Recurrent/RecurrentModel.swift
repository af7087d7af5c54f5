import Foundation
import Linalg

/// Which cell a model uses: its family and, for an RNN, its activation.
public enum CellKind: Sendable, Equatable, CustomStringConvertible {
    case rnn(Activation)
    case lstm
    case gru
    /// IndRNN (diagonal recurrence u ⊙ h_{t−1}) with its φ.
    case indrnn(Activation)
    /// The Linear Recurrent Unit (complex diagonal linear recurrence; `LRUCell`).
    case lru
    /// The layer-normalised RNN (`LayerNormRNNCell`) with its φ.
    case lnrnn(Activation)

    /// The cell of `family`; `activation` is used by `rnn` only.
    public init(_ family: CellFamily, activation: Activation = .tanh) {
        switch family {
        case .rnn: self = .rnn(activation)
        case .lstm: self = .lstm
        case .gru: self = .gru
        case .indrnn: self = .indrnn(activation)
        case .lru: self = .lru
        case .lnrnn: self = .lnrnn(activation)
        }
    }

    public var family: CellFamily {
        switch self {
        case .rnn: .rnn
        case .lstm: .lstm
        case .gru: .gru
        case .indrnn: .indrnn
        case .lru: .lru
        case .lnrnn: .lnrnn
        }
    }

    /// G, the number of stacked gate blocks in W_ih and W_hh (1, 4, 3).
    public var gateCount: Int { family.gateCount }

    /// φ of an RNN, IndRNN or LN-RNN; nil for gated cells.
    public var activation: Activation? {
        switch self {
        case .rnn(let a), .indrnn(let a), .lnrnn(let a): a
        case .lstm, .gru, .lru: nil
        }
    }

    /// `rnn`, `lstm`, `gru`, `indrnn` or `lnrnn`.
    public var name: String { family.rawValue }

    public var description: String {
        if let a = activation { return "\(name)(\(a))" }
        return name
    }
}

/// An error in a model, its inputs or its targets, phrased for the user.
public struct RecurrentError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A recurrent network of `layers` stacked layers, each uni- or bidirectional, with an optional
/// linear head, parameters named and laid out as PyTorch's `nn.RNN/LSTM/GRU(num_layers: L,
/// bidirectional:)`: per layer ℓ and direction, `weight_ih_lℓ` (G·H × D_ℓ), `weight_hh_lℓ` (G·H × H; IndRNN: the vector u, H × 1),
/// optional `bias_ih_lℓ`, `bias_hh_lℓ` (G·H × 1; absent = zero), an LN-RNN's `weight_ln_lℓ` (H × 1, required)
/// and optional `bias_ln_lℓ` (H × 1; absent = zero), with `_reverse` for the backward
/// direction; D_0 = D, D_ℓ = dirs·H for ℓ ≥ 1 (layer ℓ reads layer ℓ−1's outputs, [forward; backward]
/// concatenated). Optional `head.weight` (O × dirs·H) with optional `head.bias` (O × 1) on the top
/// layer's outputs; without a head the outputs are the top layer's outputs (O = dirs·H).
/// One unidirectional layer is the classic single-layer model (`weight_ih_l0`, …).
public struct RecurrentModel: Sendable {
    public let cell: CellKind
    /// D.
    public let inputSize: Int
    /// H (every layer and direction).
    public let hiddenSize: Int
    /// L ≥ 1.
    public let layers: Int
    /// Whether every layer also reads the sequence backwards (`…_reverse` tensors).
    public let bidirectional: Bool
    /// O when there is a head.
    public let headSize: Int?
    /// The parameters in state-dict order; gradients come back with the same names and order.
    public private(set) var parameters: ParameterSet

    /// 1 or 2.
    public var directions: Int { bidirectional ? 2 : 1 }
    /// More than one layer, or bidirectional.
    public var isStacked: Bool { layers > 1 || bidirectional }
    /// The width of one step of the top layer's output sequence: dirs·H (an LRU: its read-outs y_t,
    /// dirs·D_{L−1} values; `lruWidth(layer:)`).
    public var topWidth: Int { cell == .lru ? directions * lruWidth(layer: layers - 1) : directions * hiddenSize }

    /// Validates names and shapes (the layer count and directions come from the names); a 1-D bias
    /// may be given as n×1 or 1×n (stored as n×1). Unknown names, missing weights, wrong shapes and
    /// non-finite values are errors naming the tensor.
    ///
    /// An LRU (`cell: .lru`) has its own names (`LRUName`, `_l{ℓ}` and `_reverse` as above); H = 2N, the
    /// real state [Re h; Im h] (`LRUCell`); layer ℓ reads the read-outs y_t of layer ℓ−1 (`validatedLRU`).
    public init(cell: CellKind, parameters: ParameterSet) throws {
        if cell == .lru {
            let v = try Self.validatedLRU(parameters)
            self.cell = cell
            inputSize = v.inputSize
            hiddenSize = 2 * v.units
            layers = v.layers
            bidirectional = v.bidirectional
            headSize = v.head
            self.parameters = ParameterSet(v.pairs)
            return
        }
        let (l, bidirectional) = ParameterName.architecture(of: parameters.names)
        let order = ParameterName.stateDictOrder(layers: l, bidirectional: bidirectional, layerNorm: cell.family.hasLayerNorm)
        let known = Set(order)
        if let unknown = parameters.names.first(where: { !known.contains($0) }) {
            throw RecurrentError("unknown parameter '\(unknown)' (expected names: \(order.joined(separator: ", ")))")
        }
        let g = cell.gateCount
        var pairs: [(String, Matrix)] = []
        var h = 0, d = 0
        func vector(_ name: String, _ n: Int) throws -> Matrix? {
            guard let m = parameters[name] else { return nil }
            guard m.count == n, m.rows == 1 || m.cols == 1 else {
                throw RecurrentError("'\(name)' is \(m.shapeDescription), expected \(n) values")
            }
            return try Matrix(rows: n, cols: 1, elements: m.elements)
        }
        for layer in 0..<l {
            for reverse in bidirectional ? [false, true] : [false] {
                let nih = ParameterName.weightIH(layer: layer, reverse: reverse)
                let nhh = ParameterName.weightHH(layer: layer, reverse: reverse)
                guard let wih = parameters[nih] else { throw RecurrentError("missing parameter '\(nih)'") }
                guard let whh = parameters[nhh] else { throw RecurrentError("missing parameter '\(nhh)'") }
                if cell.family.hasDiagonalRecurrence {
                    // IndRNN: weight_hh is the vector u (H), given as H × 1 or 1 × H; stored H × 1.
                    guard whh.count > 0, whh.rows == 1 || whh.cols == 1, h == 0 || whh.count == h else {
                        throw RecurrentError("'\(nhh)' is \(whh.shapeDescription), but an indrnn cell needs the recurrent vector u of \(h == 0 ? "H" : String(h)) values")
                    }
                    h = whh.count
                    if layer == 0 { d = d == 0 ? wih.cols : d }
                    let dl = layer == 0 ? d : (bidirectional ? 2 : 1) * h
                    guard wih.rows == h, wih.cols > 0, wih.cols == dl else {
                        throw RecurrentError("'\(nih)' is \(wih.shapeDescription), but '\(nhh)' implies \(h) × \(layer == 0 ? "D" : String(dl)) for an indrnn cell with H = \(h)")
                    }
                    pairs += [(nih, wih), (nhh, try Matrix(rows: h, cols: 1, elements: whh.elements))]
                    for name in [ParameterName.biasIH(layer: layer, reverse: reverse), ParameterName.biasHH(layer: layer, reverse: reverse)] {
                        if let b = try vector(name, h) { pairs.append((name, b)) }
                    }
                    continue
                }
                guard whh.rows > 0, whh.rows == g * whh.cols, h == 0 || whh.cols == h else {
                    let need = h == 0 ? "\(g)·H × H" : "\(g * h) × \(h)"
                    throw RecurrentError("'\(nhh)' is \(whh.shapeDescription), but a \(cell.name) cell needs \(need)")
                }
                h = whh.cols
                if layer == 0 { d = d == 0 ? wih.cols : d }
                let dl = layer == 0 ? d : (bidirectional ? 2 : 1) * h
                guard wih.rows == g * h, wih.cols > 0, wih.cols == dl else {
                    let cols = layer == 0 ? "D" : "\(dl) (the outputs of layer \(layer - 1))"
                    throw RecurrentError("'\(nih)' is \(wih.shapeDescription), but '\(nhh)' implies \(g * h) × \(cols) for a \(cell.name) cell with H = \(h)")
                }
                pairs += [(nih, wih), (nhh, whh)]
                for name in [ParameterName.biasIH(layer: layer, reverse: reverse), ParameterName.biasHH(layer: layer, reverse: reverse)] {
                    if let b = try vector(name, g * h) { pairs.append((name, b)) }
                }
                if cell.family.hasLayerNorm {
                    // LN-RNN: the gain g is required (a missing one is no LN-RNN), the shift b optional.
                    let gain = ParameterName.weightLN(layer: layer, reverse: reverse)
                    guard let g = try vector(gain, h) else {
                        throw RecurrentError("missing parameter '\(gain)' (an lnrnn cell's layer-norm gain g, H = \(h) values)")
                    }
                    pairs.append((gain, g))
                    let shift = ParameterName.biasLN(layer: layer, reverse: reverse)
                    if let b = try vector(shift, h) { pairs.append((shift, b)) }
                }
            }
        }
        let width = (bidirectional ? 2 : 1) * h
        var o: Int?
        if let hw = parameters[ParameterName.headWeight] {
            guard hw.cols == width, hw.rows > 0 else {
                throw RecurrentError("'\(ParameterName.headWeight)' is \(hw.shapeDescription), expected O × \(width)")
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
        inputSize = d
        hiddenSize = h
        layers = l
        self.bidirectional = bidirectional
        headSize = o
        self.parameters = ParameterSet(pairs)
    }

    /// PyTorch's default initialisation: every tensor U(−1/√H, 1/√H) (IndRNN's vector u too; an LN-RNN's
    /// gain 1 and shift 0, `nn.LayerNorm`'s) (the head U(−1/√(dirs·H), 1/√(dirs·H))
    /// like `nn.Linear(dirs·H, O)`; for one direction that is 1/√H), drawn in state-dict order from `rng`.
    /// An LRU (`hiddenSize` = N complex units; the model's H is 2N) takes the paper's ring initialisation with
    /// r_min = 0, r_max = 0.99, max_phase = 2π (`LRUParameters.ring`) in every layer and direction (layer ℓ
    /// reads D_ℓ = dirs^ℓ·D values), and a head U(−1/√W, 1/√W) on the W = dirs·D_{L−1} top read-outs.
    public static func initialized(cell: CellKind, inputSize: Int, hiddenSize: Int, headSize: Int?,
                                   bias: Bool = true, layers: Int = 1, bidirectional: Bool = false,
                                   rng: inout RandomStream) throws -> RecurrentModel {
        guard inputSize > 0, hiddenSize > 0, layers > 0, headSize.map({ $0 > 0 }) ?? true else {
            throw RecurrentError("sizes must be positive (D = \(inputSize), H = \(hiddenSize), L = \(layers), O = \(headSize.map(String.init) ?? "none"))")
        }
        if cell == .lru {
            var pairs: [(String, Matrix)] = [], width = inputSize
            for layer in 0..<layers {
                if layer > 0 {
                    let (wider, overflow) = width.multipliedReportingOverflow(by: bidirectional ? 2 : 1)
                    guard !overflow, wider <= 1 << 24 else { throw RecurrentError("a bidirectional lru of \(layers) layers on D = \(inputSize) reads more than 2^24 values in its top layer") }
                    width = wider
                }
                for reverse in bidirectional ? [false, true] : [false] {
                    pairs += LRUParameters.ring(units: hiddenSize, inputSize: width, rMin: 0, rMax: 0.99, maxPhase: 2 * Double.pi, rng: &rng)
                        .named(layer: layer, reverse: reverse)
                }
            }
            let top = (bidirectional ? 2 : 1) * width
            if let o = headSize {
                let kh = 1 / Double(top).squareRoot()
                pairs.append((ParameterName.headWeight, rng.uniformMatrix(rows: o, cols: top, -kh, kh)))
                if bias { pairs.append((ParameterName.headBias, rng.uniformMatrix(rows: o, cols: 1, -kh, kh))) }
            }
            return try RecurrentModel(cell: cell, parameters: ParameterSet(pairs))
        }
        let k = 1 / Double(hiddenSize).squareRoot(), gh = cell.gateCount * hiddenSize
        let dirs = bidirectional ? 2 : 1
        var pairs: [(String, Matrix)] = []
        for layer in 0..<layers {
            for reverse in bidirectional ? [false, true] : [false] {
                let d = layer == 0 ? inputSize : dirs * hiddenSize
                pairs.append((ParameterName.weightIH(layer: layer, reverse: reverse), rng.uniformMatrix(rows: gh, cols: d, -k, k)))
                pairs.append((ParameterName.weightHH(layer: layer, reverse: reverse),
                               rng.uniformMatrix(rows: gh, cols: cell.family.hasDiagonalRecurrence ? 1 : hiddenSize, -k, k)))
                if bias {
                    pairs.append((ParameterName.biasIH(layer: layer, reverse: reverse), rng.uniformMatrix(rows: gh, cols: 1, -k, k)))
                    pairs.append((ParameterName.biasHH(layer: layer, reverse: reverse), rng.uniformMatrix(rows: gh, cols: 1, -k, k)))
                }
                if cell.family.hasLayerNorm {
                    // nn.LayerNorm's defaults: gain 1, shift 0 (no random draw).
                    pairs.append((ParameterName.weightLN(layer: layer, reverse: reverse), Matrix(rows: hiddenSize, cols: 1, repeating: 1)))
                    if bias { pairs.append((ParameterName.biasLN(layer: layer, reverse: reverse), Matrix(rows: hiddenSize, cols: 1))) }
                }
            }
        }
        if let o = headSize {
            let kh = 1 / Double(dirs * hiddenSize).squareRoot()
            pairs.append((ParameterName.headWeight, rng.uniformMatrix(rows: o, cols: dirs * hiddenSize, -kh, kh)))
            if bias { pairs.append((ParameterName.headBias, rng.uniformMatrix(rows: o, cols: 1, -kh, kh))) }
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

    /// Exchanges the parameter values with `tensors` (same count and shapes), copying neither: a
    /// trainer steps a second set of buffers, hands them to the model and gets the previous values back.
    public mutating func exchangeTensors(_ tensors: inout [Matrix]) throws {
        guard tensors.count == parameters.count,
              zip(tensors, parameters.tensors).allSatisfy({ $0.rows == $1.rows && $0.cols == $1.cols }) else {
            throw RecurrentError("exchangeTensors: expected \(parameters.count) tensors with shapes \(parameters.tensors.map(\.shapeDescription))")
        }
        swap(&parameters.tensors, &tensors)
    }

    /// The length of the state: H, or 2H for LSTM ([h; c]).
    public var stateSize: Int { cell == .lstm ? 2 * hiddenSize : hiddenSize }
    /// The length of one output: O with a head, dirs·H without.
    public var outputSize: Int { headSize ?? topWidth }

    /// The affine weights of layer 0's forward cell (the whole model when it is not stacked).
    public var cellWeights: CellWeights { cellWeights(layer: 0, reverse: false) }

    /// The affine weights of layer `layer`'s forward (or, with `reverse`, backward) cell.
    public func cellWeights(layer: Int, reverse: Bool) -> CellWeights {
        precondition(layer >= 0 && layer < layers && (!reverse || bidirectional), "no cell at layer \(layer), reverse \(reverse)")
        // The initializer guarantees both weights exist for every layer and direction.
        if cell == .lru { return lruParameters(layer: layer, reverse: reverse).cellWeights }
        if cell.family.hasDiagonalRecurrence {
            return CellWeights(inputWeight: parameters[ParameterName.weightIH(layer: layer, reverse: reverse)]!,
                               recurrentDiagonal: parameters[ParameterName.weightHH(layer: layer, reverse: reverse)]!.elements,
                               inputBias: parameters[ParameterName.biasIH(layer: layer, reverse: reverse)]?.elements,
                               hiddenBias: parameters[ParameterName.biasHH(layer: layer, reverse: reverse)]?.elements)
        }
        return CellWeights(gateCount: cell.gateCount,
                           inputWeight: parameters[ParameterName.weightIH(layer: layer, reverse: reverse)]!,
                           hiddenWeight: parameters[ParameterName.weightHH(layer: layer, reverse: reverse)]!,
                           inputBias: parameters[ParameterName.biasIH(layer: layer, reverse: reverse)]?.elements,
                           hiddenBias: parameters[ParameterName.biasHH(layer: layer, reverse: reverse)]?.elements)
    }

    /// Layer 0's forward cell as a value conforming to `RecurrentCell` and `RecurrentMap` (for Diagnostics).
    public func makeCell() -> any RecurrentCell { makeCell(layer: 0, reverse: false) }

    /// The cell of layer `layer` and direction `reverse`.
    public func makeCell(layer: Int, reverse: Bool) -> any RecurrentCell {
        let w = cellWeights(layer: layer, reverse: reverse)
        switch cell {
        case .rnn(let a): return VanillaCell(weights: w, activation: a)
        case .lstm: return LSTMCell(weights: w)
        case .gru: return GRUCell(weights: w)
        case .indrnn(let a): return IndRNNCell(weights: w, activation: a)
        case .lru: return LRUCell(weights: w)
        case .lnrnn(let a): return layerNormCell(layer: layer, reverse: reverse, activation: a)
        }
    }
}
