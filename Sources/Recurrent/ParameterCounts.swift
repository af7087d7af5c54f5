/// How many scalars a recurrent state dict holds, per tensor and in total, beside the textbook formulas.
///
/// Per layer ℓ and direction, a cell with G gate blocks (RNN 1, GRU 3, LSTM 4), hidden size H and input
/// size D_ℓ (D for ℓ = 0, dirs·H above) has G·H·D_ℓ + G·H·H weights. Textbooks write one bias per
/// gate block: G·H(D_ℓ + H + 1), i.e. H(D+H+1) for an RNN, 3H(D+H+1) for a GRU, 4H(D+H+1) for an LSTM.
/// PyTorch keeps two bias vectors, b_ih and b_hh, which add one more H per gate block:
/// G·H(D_ℓ + H + 2). A model without biases has G·H(D_ℓ + H). An IndRNN's recurrent weight is the
/// vector u (H values, not H²): H(D_ℓ + 1 + 1) textbook, H(D_ℓ + 1 + 2) with PyTorch's two biases. An
/// LN-RNN (Ba et al. 2016) adds the layer-norm gain g to the textbook count, whose one bias is the shift
/// b: H(D_ℓ + H + 2); with PyTorch's b_ih, b_hh before the normalisation as well, H(D_ℓ + H + 4).
public struct ParameterCounts: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let count: Int
    }

    /// One layer and direction of a recurrent model.
    public struct Unit: Sendable, Equatable {
        /// The recurrent module's name prefix (`""` for a bare state dict, `"rnn."` in a whole model's).
        public let module: String
        public let layer: Int, reverse: Bool
        /// G, H, D_ℓ.
        public let gates: Int, hiddenSize: Int, inputSize: Int
        /// The recurrent weight is a vector of H (IndRNN) rather than G·H × H.
        public var diagonal: Bool = false
        /// The unit has a layer-norm gain `weight_ln` (LN-RNN): H more scalars, and its shift `bias_ln`.
        public var layerNorm: Bool = false
        /// Scalars of the recurrent weight per gate row: H, or 1 for a diagonal recurrence.
        var recurrentWidth: Int { diagonal ? 1 : hiddenSize }
        /// What the file holds for this unit (its weight_ih, weight_hh, biases, and layer-norm gain and shift).
        public let count: Int
        /// G·H(D_ℓ + H + 1) (LN-RNN: + H for the gain).
        public var textbook: Int { gates * hiddenSize * (inputSize + recurrentWidth + 1) + (layerNorm ? hiddenSize : 0) }
        /// G·H(D_ℓ + H + 2), PyTorch's with both biases (LN-RNN: + 2H for the gain and shift).
        public var pyTorch: Int { gates * hiddenSize * (inputSize + recurrentWidth + 2) + (layerNorm ? 2 * hiddenSize : 0) }
    }

    public let entries: [Entry]
    public let total: Int
    /// The recurrent units of every recurrent module in the file (PyTorch's names `weight_ih_l0`,
    /// `weight_hh_l0`, …, bare or under a module prefix such as `rnn.`), modules in file order; else empty.
    public let units: [Unit]

    /// From names and shapes in file order. Each module's G is read from its `weight_hh_l0` (G·H × H).
    /// Sizes beyond Int are not counted (a shape's product saturates at Int.max).
    public init(names: [String], shapes: [[Int]]) {
        func product(_ s: [Int]) -> Int {
            s.reduce(1) { a, b in let (p, o) = a.multipliedReportingOverflow(by: b); return o ? Int.max : p }
        }
        entries = zip(names, shapes).map { Entry(name: $0, shape: $1, count: product($1)) }
        total = entries.reduce(0) { a, e in let (s, o) = a.addingReportingOverflow(e.count); return o ? Int.max : s }
        let shape = Dictionary(zip(names, shapes), uniquingKeysWith: { a, _ in a })
        let modules = ParameterName.recurrentModules(in: names)
        var units: [Unit] = []
        for p in modules {
            guard let raw = shape[p + ParameterName.weightHH], raw.count == 2 || raw.count == 1, raw.allSatisfy({ $0 > 0 }) else { continue }
            // A vector weight_hh is an IndRNN's u (H): one block, H = its length.
            let diagonal = raw.count == 1, hh = diagonal ? [raw[0], raw[0]] : raw
            guard hh[0] % hh[1] == 0 else { continue }
            let h = hh[1], g = hh[0] / h
            let local = names.filter { $0.hasPrefix(p) }.map { String($0.dropFirst(p.count)) }.filter { !$0.contains(".") }
            let (layers, bidirectional) = ParameterName.architecture(of: local)
            for layer in 0..<layers {
                for reverse in bidirectional ? [false, true] : [false] {
                    let own = [ParameterName.weightIH(layer: layer, reverse: reverse), ParameterName.weightHH(layer: layer, reverse: reverse),
                               ParameterName.biasIH(layer: layer, reverse: reverse), ParameterName.biasHH(layer: layer, reverse: reverse),
                               ParameterName.weightLN(layer: layer, reverse: reverse), ParameterName.biasLN(layer: layer, reverse: reverse)].map { p + $0 }
                    guard let ih = shape[own[0]], ih.count == 2 else { continue }
                    units.append(Unit(module: p, layer: layer, reverse: reverse, gates: g, hiddenSize: h, inputSize: ih[1],
                                      diagonal: diagonal, layerNorm: shape[own[4]] != nil,
                                      count: own.compactMap { shape[$0].map(product) }.reduce(0, +)))
                }
            }
        }
        self.units = units
    }

    /// Σ over units of the textbook count, PyTorch's count, and what the file holds.
    public var recurrentTextbook: Int { units.reduce(0) { $0 + $1.textbook } }
    public var recurrentPyTorch: Int { units.reduce(0) { $0 + $1.pyTorch } }
    public var recurrentCount: Int { units.reduce(0) { $0 + $1.count } }
}
