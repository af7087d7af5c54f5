/// How many scalars a recurrent state dict holds, per tensor and in total, beside the textbook formulas.
///
/// Per layer ℓ and direction, a cell with G gate blocks (RNN 1, GRU 3, LSTM 4), hidden size H and input
/// size D_ℓ (D for ℓ = 0, dirs·H above) has G·H·D_ℓ + G·H·H weights. Textbooks write one bias per
/// gate block: G·H(D_ℓ + H + 1), i.e. H(D+H+1) for an RNN, 3H(D+H+1) for a GRU, 4H(D+H+1) for an LSTM.
/// PyTorch keeps two bias vectors, b_ih and b_hh, which add one more H per gate block:
/// G·H(D_ℓ + H + 2). A model without biases has G·H(D_ℓ + H).
public struct ParameterCounts: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let count: Int
    }

    /// One layer and direction of a recurrent model.
    public struct Unit: Sendable, Equatable {
        public let layer: Int, reverse: Bool
        /// G, H, D_ℓ.
        public let gates: Int, hiddenSize: Int, inputSize: Int
        /// What the file holds for this unit (its weight_ih, weight_hh and biases).
        public let count: Int
        /// G·H(D_ℓ + H + 1).
        public var textbook: Int { gates * hiddenSize * (inputSize + hiddenSize + 1) }
        /// G·H(D_ℓ + H + 2), PyTorch's with both biases.
        public var pyTorch: Int { gates * hiddenSize * (inputSize + hiddenSize + 2) }
    }

    public let entries: [Entry]
    public let total: Int
    /// The recurrent units, when the names are PyTorch's (`weight_ih_l0`, `weight_hh_l0`, …); else empty.
    public let units: [Unit]

    /// From names and shapes in file order. G is read from `weight_hh_l0` (G·H × H).
    public init(names: [String], shapes: [[Int]]) {
        entries = zip(names, shapes).map { Entry(name: $0, shape: $1, count: $1.reduce(1, *)) }
        total = entries.reduce(0) { $0 + $1.count }
        let shape = Dictionary(zip(names, shapes), uniquingKeysWith: { a, _ in a })
        guard let hh = shape[ParameterName.weightHH], hh.count == 2, hh[1] > 0, hh[0] % hh[1] == 0 else { units = []; return }
        let h = hh[1], g = hh[0] / h
        let (layers, bidirectional) = ParameterName.architecture(of: names)
        var units: [Unit] = []
        for layer in 0..<layers {
            for reverse in bidirectional ? [false, true] : [false] {
                let own = [ParameterName.weightIH(layer: layer, reverse: reverse), ParameterName.weightHH(layer: layer, reverse: reverse),
                           ParameterName.biasIH(layer: layer, reverse: reverse), ParameterName.biasHH(layer: layer, reverse: reverse)]
                guard let ih = shape[own[0]], ih.count == 2 else { continue }
                units.append(Unit(layer: layer, reverse: reverse, gates: g, hiddenSize: h, inputSize: ih[1],
                                  count: own.compactMap { shape[$0]?.reduce(1, *) }.reduce(0, +)))
            }
        }
        self.units = units
    }

    /// Σ over units of the textbook count, PyTorch's count, and what the file holds.
    public var recurrentTextbook: Int { units.reduce(0) { $0 + $1.textbook } }
    public var recurrentPyTorch: Int { units.reduce(0) { $0 + $1.pyTorch } }
    public var recurrentCount: Int { units.reduce(0) { $0 + $1.count } }
}
