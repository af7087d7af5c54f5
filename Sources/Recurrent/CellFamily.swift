/// The recurrent cell families and PyTorch's gate layouts: a weight of shape (G·H) × D stacks G
/// blocks of H rows. LSTM: (i, f, g, o); GRU: (r, z, n); vanilla RNN (Elman): one block; IndRNN
/// (Li et al. 2018): one block of W_ih, and a *diagonal* recurrence u ⊙ h_{t−1} whose weight
/// `weight_hh_l0` is the vector u (H), not a matrix; LRU (Orvieto et al. 2023): a complex diagonal
/// linear recurrence with its own parameter names (`LRUCell`, `LRUParameters`), one block; the
/// layer-normalised RNN (Ba, Kiros & Hinton 2016): one block, and a layer-norm gain and shift
/// (`weight_ln_l0`, `bias_ln_l0`).
///
/// One name per idea: experiment files (`model.cell`), the command line (`--cell`), file metadata
/// (`cell`), initializers (gate blocks) and the benchmark all use this enum; `CellKind` adds the
/// RNN's activation.
public enum CellFamily: String, Sendable, Hashable, CaseIterable {
    case rnn, lstm, gru, indrnn, lru, lnrnn

    /// G, the number of stacked gate blocks in W_ih and W_hh (1, 4, 3).
    public var gateCount: Int { gateNames.count }

    /// Block names in row order.
    public var gateNames: [String] {
        switch self {
        case .rnn, .indrnn, .lru, .lnrnn: ["h"]
        case .lstm: ["i", "f", "g", "o"]
        case .gru: ["r", "z", "n"]
        }
    }

    /// True when the recurrent weight is a diagonal, stored as a vector u of H entries (IndRNN).
    public var hasDiagonalRecurrence: Bool { self == .indrnn }

    /// True when the cell normalises its pre-activation over the H units (LN-RNN: gain and shift
    /// `weight_ln_l0`, `bias_ln_l0`).
    public var hasLayerNorm: Bool { self == .lnrnn }

    /// Whether `model.activation` chooses φ (RNN, IndRNN, LN-RNN); gated cells have fixed nonlinearities.
    public var takesActivation: Bool { self == .rnn || self == .indrnn || self == .lnrnn }

    /// LSTM only: the forget gate's block index (rows H..<2H).
    public var forgetGate: Int? { self == .lstm ? 1 : nil }

    /// The family a weight of shape rows × cols suggests when it is square-blocked (rows = G·cols):
    /// 4 → LSTM, 3 → GRU, 1 → RNN; nil otherwise (used when a file has no `cell` metadata).
    public init?(inferringFromRows rows: Int, cols: Int) {
        guard cols > 0, rows % cols == 0 else { return nil }
        switch rows / cols {
        case 1: self = .rnn
        case 3: self = .gru
        case 4: self = .lstm
        default: return nil
        }
    }

    /// A one-line description (for `gradlab list` and help texts).
    public var explanation: String {
        switch self {
        case .rnn: "Elman cell h_t = φ(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)"
        case .lstm: "LSTM, PyTorch gate order (i, f, g, o); state [h; c]"
        case .gru: "GRU, PyTorch gates (r, z, n), n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))"
        case .indrnn: "IndRNN h_t = φ(W_ih x_t + b_ih + u ⊙ h_{t−1} + b_hh), diagonal recurrence (Li et al. 2018)"
        case .lru: "LRU h_t = λ ⊙ h_{t−1} + γ ⊙ (B x_t), y_t = Re(C h_t) + D ⊙ x_t, complex diagonal λ; state [Re h; Im h] (Orvieto et al. 2023)"
        case .lnrnn: "LN-RNN h_t = φ(g ⊙ (a_t − μ_t)/√(σ_t² + ε) + b), a_t = W_ih x_t + W_hh h_{t−1} (Ba, Kiros & Hinton 2016)"
        }
    }
}
