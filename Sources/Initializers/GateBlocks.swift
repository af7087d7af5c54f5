import Linalg
import Recurrent
import TensorIO

extension InitSpec {
    /// A gated weight of shape (G·hidden) × cols: **each gate block is initialised on its own** as an
    /// hidden × cols matrix, blocks in row order, drawing from `rng` in turn. So `orthogonal` makes each
    /// block orthogonal and `spectral_radius: 0.9` gives each W_hh block ρ = 0.9 (the convention of
    /// per-gate studies; PyTorch's `orthogonal_(lstm.weight_hh_l0)` instead treats the 4H×H stack as one
    /// matrix). fan_in/fan_out and pytorch-default's H are those of one block. With kind `file`, the file
    /// holds the whole (G·hidden) × cols tensor and spectrum control and gain apply per block.
    public func make(layout: CellFamily, hidden: Int, cols: Int, rng: inout RandomStream) throws -> Matrix {
        try validate()
        guard hidden > 0, cols > 0 else {
            throw InitError("size must be positive, got hidden size \(hidden) and \(cols) columns; use a size of at least 1")
        }
        let g = layout.gateCount
        if g == 1 { return try make(rows: hidden, cols: cols, rng: &rng) }
        var blocks: [Matrix] = []
        if kind == .file {
            let whole = try fileMatrix(rows: g * hidden, cols: cols)
            for k in 0..<g { blocks.append(try controlled(try whole.rows(k * hidden..<(k + 1) * hidden))) }
        } else {
            for _ in 0..<g { blocks.append(try make(rows: hidden, cols: cols, rng: &rng)) }
        }
        return try Matrix(rows: g * hidden, cols: cols, elements: blocks.flatMap(\.elements))
    }

    /// A bias vector of length G·hidden: `zeros`, `uniform` (a, b), `pytorch-default` U(−1/√H, 1/√H),
    /// `gaussian` with `std`, or `file` (a rank-1 tensor). For an LSTM, `forget_bias` then sets the
    /// forget block (entries H..<2H). PyTorch adds two biases, so to make the forget gate's total
    /// bias exactly c use `applyForgetBias` on both.
    public func makeBias(layout: CellFamily, hidden: Int, rng: inout RandomStream) throws -> [Double] {
        try validate()
        let n = layout.gateCount * hidden
        guard hidden > 0 else { throw InitError("size must be positive, got hidden size \(hidden); use a size of at least 1") }
        if let k = setKeys.first(where: { ["spectral_radius", "spectral_norm", "gain", "singular_values", "eigenvalue_moduli", "eigenvalue_phases"].contains($0) }) {
            throw InitError("\(k) does not apply to a bias vector; remove it")
        }
        var b: [Double]
        switch kind {
        case .zeros?: b = [Double](repeating: 0, count: n)
        case .uniform?: b = rng.uniforms(n, a ?? 0, self.b ?? 1)
        case .pytorchDefault?:
            let bound = 1 / Double(hidden).squareRoot()
            b = rng.uniforms(n, -bound, bound)
        case .gaussian? where std != nil: b = rng.normals(n, std: std ?? 1)
        case .file?: b = try fileTensor(shapes: [[n]], needed: "a bias of length \(n) is needed").values
        default:
            throw InitError("kind '\(kind?.rawValue ?? "none")' does not apply to a bias vector; use zeros, uniform, pytorch-default, gaussian with std, or file")
        }
        if let c = forgetBias {
            guard let f = layout.forgetGate else { throw InitError("forget_bias applies to LSTM biases only, not \(layout.rawValue)") }
            for i in f * hidden..<(f + 1) * hidden { b[i] = c }
        }
        return b
    }

    /// Sets the LSTM forget-gate block so that b_ih + b_hh = `value` there: the b_ih block to `value`,
    /// the b_hh block to 0 (either bias may be absent). Entries H..<2H (gate order i, f, g, o).
    public static func applyForgetBias(_ value: Double, hidden: Int, biasIH: inout [Double]?, biasHH: inout [Double]?) throws {
        for bias in [biasIH, biasHH] where bias != nil && bias?.count != 4 * hidden {
            throw InitError("an LSTM bias has 4·H = \(4 * hidden) entries, got \(bias?.count ?? 0)")
        }
        guard biasIH != nil || biasHH != nil else { throw InitError("forget_bias needs bias_ih_l0 or bias_hh_l0") }
        let (target, other) = biasIH != nil ? (value, 0.0) : (0.0, value)
        for i in hidden..<(2 * hidden) {
            biasIH?[i] = target
            biasHH?[i] = other
        }
    }
}
